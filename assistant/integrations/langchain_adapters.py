"""The assistant inside LangChain: :func:`as_runnable` (a ``Runnable`` from a question, or
``{"question", "history"}``, to an :class:`~assistant.answers.Answer`) and
:func:`as_retriever` (a ``BaseRetriever`` over :meth:`Assistant.retrieve
<assistant.core.Assistant.retrieve>`, passages as LangChain documents with their
offsets). LangChain's own Chroma retriever, the evaluation's baseline, is in
:mod:`assistant.evaluate.baseline`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict

from assistant.answers import Answer
from assistant.retrieve.retriever import Passage

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
        retrieval = self.assistant.retrieve(query, k=self.k)
        return [passage_document(p) for p in retrieval.passages]


def as_runnable(assistant: Assistant) -> Runnable[Any, Answer]:
    """``assistant`` as a LangChain ``Runnable``. Input: a question string, or
    ``{"question": str, "history": [messages]}``; output: the :class:`Answer`."""

    def invoke(value: str | Mapping[str, Any]) -> Answer:
        if isinstance(value, str):
            return assistant.ask(value)
        if not isinstance(value, Mapping) or "question" not in value:
            raise ValueError("input must be a question or a mapping with a 'question' key")
        return assistant.ask(value["question"], value.get("history"))

    return RunnableLambda(invoke, name="poitiers_ess_assistant")


def as_retriever(assistant: Assistant, k: int = 4) -> BaseRetriever:
    """The assistant's hybrid retriever as a LangChain ``BaseRetriever`` returning ``k``
    documents (:func:`passage_document`)."""
    return AssistantRetriever(assistant=assistant, k=k)
