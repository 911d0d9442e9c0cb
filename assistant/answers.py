"""Answers and citations as data; every interface only renders these objects."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypedDict

from assistant.documents import Document


@dataclass(frozen=True)
class Citation:
    """One cited passage: ``quote == document_text[start:end]`` of source ``source_id``.

    ``answer_start``/``answer_end``: where the answer itself lies inside the quote, as
    offsets in the same cleaned document text (``start <= answer_start < answer_end <=
    end``); ``None`` when the quote is context rather than the answer (a lead, a list's
    announcement, the sentence an anaphora points back to).
    """

    n: int
    source_id: str
    title: str
    url: str
    quote: str
    start: int
    end: int
    score: float
    publisher: str = ""
    date: str = ""
    language: str = ""
    answer_start: int | None = None
    answer_end: int | None = None
    copies: tuple[str, ...] = ()  # other source files holding the same text
    date_source: str = ""  # where ``date`` comes from (SourceMeta.date_source)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def quoting(
        cls,
        n: int,
        doc: Document,
        start: int,
        end: int,
        score: float,
        answer: tuple[int, int] | None = None,
    ) -> Citation:
        """The citation of ``doc.text[start:end]``, with the document's bibliographic data;
        ``answer``: the answer's offsets inside it, if known."""
        meta = doc.meta
        return cls(
            n=n,
            source_id=meta.id,
            title=meta.title,
            url=meta.url,
            quote=doc.text[start:end],
            start=start,
            end=end,
            score=round(score, 4),
            publisher=meta.publisher,
            date=meta.date or meta.updated,
            language=meta.language,
            answer_start=answer[0] if answer else None,
            answer_end=answer[1] if answer else None,
            copies=meta.copies,
            date_source=meta.date_source,
        )


class DroppedSentence(TypedDict):
    """A generated sentence the citation guard removed, and why."""

    sentence: str
    reason: str


class GuardReport(TypedDict):
    """What the citation guard did to a generated answer (:meth:`Review.report`)."""

    enabled: bool
    sentences: int
    kept: int
    dropped: list[DroppedSentence]
    invented_markers: list[int]
    repaired: list[str]


class UnguardedAnswer(TypedDict):
    """The generated answer as the model wrote it, each marker's quote its whole passage
    (``quotes``: marker number as a string -> passage text)."""

    text: str
    quotes: dict[str, str]


@dataclass
class Trace:
    """How an answer was made: serialised as ``Answer.to_dict()["metadata"]``, with only the
    fields that were set (``None`` fields are left out, so the JSON keeps its shape).

    ``generation``: the index generation it was read from; ``ranked_sources``: document
    ids in retrieval order; ``translations``: cited id -> its rendering in the other
    language (left out when none has one); ``standalone_question``: a follow-up joined
    to the earlier questions it leans on, as a model that sees no conversation reads it;
    ``answered_by``: which answerer answered (``"corpus"``, ``"document_facts"``,
    ``"extractive"``, or the generative backend's spec); ``llm``,
    ``raw``, ``guard``, ``unguarded``: a generative backend's spec, its raw text and the
    guard's report; ``fallback``: why the extractive answer replaced a generated one;
    ``notice``/``llm_error``: a backend that failed, said for a person / as the error.
    """

    generation: str | None = None
    ranked_sources: list[str] | None = None
    translations: dict[str, str] | None = None
    standalone_question: str | None = None
    answered_by: str | None = None
    llm: str | None = None
    raw: str | None = None
    guard: GuardReport | None = None
    unguarded: UnguardedAnswer | None = None
    fallback: str | None = None
    notice: str | None = None
    llm_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}

    # Read like the dict it was (``answer.metadata.get("ranked_sources")``,
    # ``"fallback" in answer.metadata``): scripts written before it was typed keep working.
    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key`` when set, else ``default`` (dict-style reading)."""
        value = getattr(self, key, None) if key in _TRACE_FIELDS else None
        return default if value is None else value

    def __getitem__(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None


_TRACE_FIELDS = frozenset(f.name for f in fields(Trace))


@dataclass
class Answer:
    """An answer whose every sentence carries a ``[n]`` marker pointing at ``citations``.

    When ``abstained`` is true the text says the sources do not answer, and the
    citations are the closest passages, offered as leads.
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    language: str = "fr"
    question: str = ""
    kind: str = "extractive"
    confidence: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    metadata: Trace = field(default_factory=Trace)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        data = asdict(self)
        data["citations"] = [c.to_dict() for c in self.citations]
        data["metadata"] = self.metadata.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The :class:`Answer` of :meth:`to_dict`'s JSON (an answer from the HTTP API).

        Raises:
            TypeError: ``data`` has fields an answer does not.
        """
        citations = [Citation(**c) for c in data.get("citations", [])]
        metadata = Trace(**data.get("metadata", {}))
        rest = {k: v for k, v in data.items() if k not in ("citations", "metadata")}
        return cls(citations=citations, metadata=metadata, **rest)

    def sources(self) -> list[str]:
        """Cited source ids, in citation order, without repeats."""
        return list(dict.fromkeys(c.source_id for c in self.citations))
