"""The answerer seam: anything that turns a :class:`~assistant.retrieve.query.Query` into
text pieces ending in an :class:`~assistant.answers.Answer`.

:class:`~assistant.core.Assistant` takes any :class:`Answerer`; by default a
:class:`FirstOf` chain: questions about the corpus itself, then about a document's
byline or date, then the extractive (or a generative) answerer for everything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from assistant.answers import Answer
from assistant.errors import AnswererError
from assistant.retrieve.query import Query


class Answerer(Protocol):
    """One method: text pieces as they come, then the final :class:`Answer` (what counts;
    the pieces joined are a draft). An answerer that does not answer this kind of question
    yields nothing at all, so that a :class:`FirstOf` chain asks the next one."""

    def stream(self, query: Query) -> Iterator[str | Answer]: ...


class FirstOf:
    """The first of ``answerers`` that answers: each is asked in turn until one yields."""

    def __init__(self, *answerers: Answerer) -> None:
        self.answerers = answerers

    def stream(self, query: Query) -> Iterator[str | Answer]:
        for answerer in self.answerers:
            answered = False
            for item in answerer.stream(query):
                answered = True
                yield item
            if answered:
                return


def final(stream: Iterator[str | Answer]) -> Answer:
    """The :class:`Answer` that ends ``stream``, its text pieces dropped.

    Raises:
        AnswererError: the stream ended without an answer (an answerer that answers
            nothing must not be asked alone).
    """
    answer: Answer | None = None
    for item in stream:
        if isinstance(item, Answer):
            answer = item
    if answer is None:
        raise AnswererError("the answer stream ended without an answer")
    return answer


def pieces(text: str, words: int = 8) -> Iterator[str]:
    """``text`` in runs of a few words, whitespace kept, so joining them gives it back: how
    an answer made whole at once is streamed."""
    tokens = re.findall(r"\s*\S+\s*", text)
    for start in range(0, len(tokens), words):
        yield "".join(tokens[start : start + words])
