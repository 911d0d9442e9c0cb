"""Generative answers: a chat model writes, the citation guard checks, the contract holds.

The model sees numbered passages and the question; it streams its text, then the guard
(:mod:`assistant.guard`) keeps only the sentences their cited passages support. When
nothing survives, the extractive answer is returned instead, marked as a fallback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from assistant.answers import Answer
from assistant.extractive import not_found
from assistant.guard import CitationGuard, Review, compose, unguarded_view
from assistant.llm import Backend
from assistant.prompts import messages
from assistant.retrieval import Retrieval, ServingIndex
from assistant.settings import GenerationSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class GenerativeAnswerer:
    """Streams a chat model's answer, then returns it checked by the guard."""

    def __init__(
        self,
        model: BaseChatModel,
        backend: Backend,
        guard: CitationGuard,
        settings: GenerationSettings,
    ) -> None:
        self.model = model
        self.backend = backend
        self.guard = guard
        self.settings = settings

    def stream(
        self,
        question: str,
        *,
        language: str,
        retrieval: Retrieval,
        index: ServingIndex,
        extractive: Callable[[], Answer],
    ) -> Generator[str, None, Answer]:
        """Yield the model's text as it comes; return the final, checked ``Answer``."""
        passages = retrieval.passages[: self.settings.passages]
        started = time.perf_counter()
        first_token = 0.0
        raw = ""
        for chunk in self.model.stream(messages(question, language, passages)):
            piece = chunk.content if isinstance(chunk.content, str) else ""
            if piece:
                first_token = first_token or time.perf_counter() - started
                raw += piece
                yield piece
        generated = time.perf_counter() - started
        review = self.guard.review(raw, passages, language, index, question)
        answer = self.finish(review, question, language, extractive)
        answer.metadata.update(
            {
                "llm": self.backend.spec,
                "raw": raw,
                "guard": {"enabled": self.settings.guard, **review.report()},
                "unguarded": unguarded_view(review, passages),
            }
        )
        answer.timings.update(
            {
                "first_token": first_token,
                "generation": generated,
                "guard": time.perf_counter() - started - generated,
            }
        )
        return answer

    def finish(
        self, review: Review, question: str, language: str, extractive: Callable[[], Answer]
    ) -> Answer:
        """The answer to show for ``review``: checked claims, an abstention, or a fallback."""
        kind = self.backend.spec
        if review.abstained:
            # The model found no answer: say so, the extractive passages as leads.
            return not_found(question, language, extractive().citations[:2], kind=kind)
        answer = compose(
            review, guarded=self.settings.guard, question=question, language=language, kind=kind
        )
        if answer.text:
            answer.confidence = len(review.kept) / max(1, len(review.claims))
            return answer
        fallback = extractive()
        fallback.metadata["fallback"] = (
            "no sentence of the generated answer was supported by the passage it cites; "
            "this is the extractive answer"
        )
        return fallback
