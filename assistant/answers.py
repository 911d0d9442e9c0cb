"""Answers and citations as data; every interface only renders these objects."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

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
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        data = asdict(self)
        data["citations"] = [c.to_dict() for c in self.citations]
        return data

    def sources(self) -> list[str]:
        """Cited source ids, in citation order, without repeats."""
        return list(dict.fromkeys(c.source_id for c in self.citations))
