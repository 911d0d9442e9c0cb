"""Generative answers: a chat model writes, the citation guard checks, the contract holds.

The model sees numbered passages and the question; it streams its text, then the guard
(:mod:`assistant.answer.guard`) keeps only the sentences their cited passages support. When
nothing survives, the extractive answer is returned instead, marked as a fallback; when the
backend fails (server down, model missing), the extractive answer too, with a notice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING

from assistant.answer.answerer import Answerer, final
from assistant.answer.chat_models import Backend, backend_hint, chat_model
from assistant.answer.guard import CitationGuard, Review, compose, unguarded_view
from assistant.answer.phrases import not_found
from assistant.answer.prompts import messages
from assistant.answers import Answer
from assistant.embeddings import Embedder
from assistant.errors import BackendError, describe
from assistant.retrieve.query import Query
from assistant.settings import GenerationSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)


class GenerativeAnswerer:
    """An :class:`~assistant.answer.answerer.Answerer`: streams a chat model's answer, then
    gives it checked by the guard; ``fallback`` answers when nothing checked remains or the
    backend fails (the promise: a broken backend never stops the answers)."""

    def __init__(
        self,
        backend: Backend,
        settings: GenerationSettings,
        embedder: Embedder,
        fallback: Answerer,
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.embedder = embedder
        self.fallback = fallback

    def stream(self, query: Query) -> Iterator[str | Answer]:
        """The model's text as it comes, then the checked :class:`Answer` (or the
        fallback's, with a notice, when the backend fails)."""

        def extractive() -> Answer:
            return final(self.fallback.stream(query))

        try:
            guard = CitationGuard(
                self.embedder,
                min_lexical=self.settings.min_lexical,
                min_similarity=self.settings.min_similarity,
            )
            model = chat_model(self.backend, self.settings)
            answer = yield from self._generate(model, guard, query, extractive)
        except Exception as exc:  # the promise: a broken backend never stops the answers
            log.warning("backend %s failed, answering extractively: %s", self.backend.spec, exc)
            answer = extractive()
            fix = (
                ""
                if isinstance(exc, BackendError)
                else f" {backend_hint(self.backend, self.settings)}"
            )
            answer.metadata.notice = (
                f"{self.backend.spec} could not answer ({describe(exc)}).{fix} "
                "This is the extractive answer."
            )
            answer.metadata.llm_error = describe(exc)
        yield answer

    def _generate(
        self,
        model: BaseChatModel,
        guard: CitationGuard,
        query: Query,
        extractive: Callable[[], Answer],
    ) -> Generator[str, None, Answer]:
        """Yield the model's text as it comes; return the final, checked ``Answer``."""
        question, language, index = query.standalone, query.language, query.index
        passages = query.retrieval.passages[: self.settings.passages]
        started = time.perf_counter()
        first_token = 0.0
        raw = ""
        for chunk in model.stream(messages(question, language, passages)):
            piece = chunk.content if isinstance(chunk.content, str) else ""
            if piece:
                first_token = first_token or time.perf_counter() - started
                raw += piece
                yield piece
        generated = time.perf_counter() - started
        review = guard.review(raw, passages, language, index, question)
        answer = self.finish(review, question, language, extractive)
        answer.metadata.llm = self.backend.spec
        answer.metadata.answered_by = answer.metadata.answered_by or self.backend.spec
        answer.metadata.raw = raw
        answer.metadata.guard = review.report(enabled=self.settings.guard)
        answer.metadata.unguarded = unguarded_view(review, passages)
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
        fallback.metadata.fallback = (
            "no sentence of the generated answer was supported by the passage it cites; "
            "this is the extractive answer"
        )
        return fallback
