"""The question analysed once, at the entrance: :class:`Query`.

Everything after :meth:`Assistant.query <assistant.core.Assistant.query>` reads the
question from here (the answerers, the reader's calibration, the evaluation): how it was
typed, its language, misspellings corrected, follow-ups resolved against the conversation,
what it asks for, what the reader reads, and the passages retrieved for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property

from assistant.retrieve.conversation import (
    Message,
    asked_kind,
    context_questions,
    follow_up_question,
    previous_answer,
    resolve_relative_year,
    standalone_question,
)
from assistant.retrieve.retriever import HybridRetriever, Retrieval, ServingIndex
from assistant.text.analysis import as_written
from assistant.text.numbers import stated_numbers
from assistant.text.question_kinds import question_entities
from assistant.text.spelling import correct


@dataclass(frozen=True)
class Query:
    """One question, read once.

    ``question``: as typed (normalised: NFC, no control characters, one space);
    ``earlier``: the questions it leans on (empty when it stands alone), misspellings
    corrected; ``reading``: the question with relative years resolved, misspelled words
    corrected and words written as the documents write them (what is searched and
    checked); ``kind``: what it asks for (a follow-up's may come from the one before);
    ``asked``: what the reader reads (what a follow-up leaves out filled in, and the other
    forms of its terms); ``previous_answer``: the answer a follow-up must not repeat.
    ``retrieval`` is searched on first use: an answerer that needs no passages (the list of
    sources) costs no search.
    """

    question: str
    language: str
    messages: Sequence[Message]
    index: ServingIndex
    earlier: list[str]
    reading: str
    kind: str
    asked: str
    previous_answer: str
    search: Callable[[], Retrieval] = field(repr=False, compare=False)

    @classmethod
    def read(
        cls,
        question: str,
        messages: Sequence[Message],
        language: str,
        index: ServingIndex,
        retriever: HybridRetriever,
        *,
        passages: int,
        keep: AbstractSet[str] = frozenset(),
    ) -> Query:
        """Read ``question`` (in ``language``, after ``messages``) against ``index``:
        misspelled words as the documents spell them (``keep``: words never corrected, the
        glossary's), follow-ups resolved; ``passages`` to retrieve with ``retriever``."""

        def spelled(text: str) -> str:
            return correct(
                text, index.snapshot.vocabulary, language, keep=keep, known=index.idf.keys()
            )

        # Misspelled words read as the documents spell them ("recylerie de Poitier" ->
        # "recyclerie de Poitiers"); the question shown to the user stays as typed.
        typed = spelled(question)
        earlier = [spelled(q) for q in context_questions(question, messages)]
        # "And the year before?": searched and checked as the year it means; words typed
        # without capitals or accents as the documents write them ("roue libre").
        reading = as_written(
            resolve_relative_year(typed, messages), index.snapshot.written_forms, language
        )
        return cls(
            question=question,
            language=language,
            messages=messages,
            index=index,
            earlier=earlier,
            reading=reading,
            kind=asked_kind(typed, messages),
            # The reader reads the question with what a follow-up leaves out filled in,
            # and the other forms of its terms (translations, acronyms) that the evidence
            # may use instead.
            asked=retriever.expand(follow_up_question(reading, messages), language),
            previous_answer=previous_answer(messages) if earlier else "",
            search=lambda: retriever.retrieve(
                reading, language=language, k=passages, previous=earlier
            ),
        )

    @cached_property
    def retrieval(self) -> Retrieval:
        """The passages for :attr:`reading` (hybrid search, the conversation's concepts)."""
        return self.search()

    @property
    def retrieved(self) -> bool:
        """Whether :attr:`retrieval` has been searched (an answerer needed passages)."""
        return "retrieval" in self.__dict__

    @cached_property
    def standalone(self) -> str:
        """The question as it would stand alone, for a model that sees no conversation."""
        return standalone_question(self.question, self.messages) if self.earlier else self.question

    @cached_property
    def names(self) -> list[str]:
        """The places, people and organisations :attr:`reading` names, as typed
        (:func:`~assistant.text.question_kinds.question_entities`)."""
        return question_entities(self.reading)

    @cached_property
    def numbers(self) -> set[str]:
        """The numbers :attr:`reading` states, not the bounds it compares with, in one
        canonical spelling (:func:`~assistant.text.numbers.stated_numbers`)."""
        return stated_numbers(self.reading)

    @property
    def unaccented(self) -> bool:
        """A French question typed without a single accent (the reader reads it worse)."""
        return self.language == "fr" and self.question.isascii()
