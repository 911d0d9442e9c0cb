"""A document's own byline and date lines: "Par Frank Niedercorn", "Publié le 10 avril
2013", "Dernière mise à jour : 16/01/2019", found by their form and read as values.

Ingestion reads the dates into a document's metadata when no manifest gives them
(:mod:`assistant.ingest.source_folder`); the answerer quotes the lines when a question asks
who wrote a document or when it was published (:mod:`assistant.answer.document_facts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.documents import Document
from assistant.text.analysis import fold

Fact = Literal["author", "published", "updated"]

_MONTHS = (
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre"
    r"|d[ée]cembre|january|february|march|april|may|june|july|august|september|october"
    r"|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = (
    rf"(?:\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\.?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2})"
)
_LINE_FORMS: dict[Fact, re.Pattern[str]] = {
    "author": re.compile(
        r"^\s*(?:par|by|written by|posted by|[ée]crit par|r[ée]dig[ée]e? par|auteure?|autrice"
        r"|authors?|sign[ée]e? par)\s*:?\s+(?P<value>[^\n]{2,80}?)\s*$",
        re.IGNORECASE,
    ),
    "published": re.compile(
        r"(?:publi[ée]e?|mis[e]? en ligne|paru[e]?|published|posted|date de publication)"
        rf"\s*(?:le|on|:)?\s*(?P<value>{_DATE})",
        re.IGNORECASE,
    ),
    "updated": re.compile(
        r"(?:mis[e]? [àa] jour|actualis[ée]e?|modifi[ée]e?|updated|last updated|last modified"
        rf"|revised)\s*(?:le|on|:)?\s*(?P<value>{_DATE})",
        re.IGNORECASE,
    ),
}
_LINE_WORDS = 25  # a byline or date line is short; a sentence that mentions a date is not one


@dataclass(frozen=True)
class FactLine:
    """Where a document states one of its own facts: the line, and the value inside it
    (character offsets in ``Document.text``)."""

    doc: Document
    start: int
    end: int
    value: tuple[int, int]


_MONTH_NUMBERS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip


def stated_date(doc: Document, fact: Literal["published", "updated"]) -> str:
    """The date of the document's own date line ("Publié le 3 octobre 2024", "Dernière
    mise à jour : 16/01/2019") as YYYY-MM-DD, or "" when it has none."""
    line = find_fact(doc, fact)
    if line is None:
        return ""
    return iso_date(doc.text[line.value[0] : line.value[1]])


def iso_date(value: str) -> str:
    """``"3 octobre 2024"``, ``"March 31, 2022"``, ``"16/01/2019"`` (day first, as in
    France) or ``"2024-10-03"`` as YYYY-MM-DD; "" for anything else."""
    text = fold(value).replace("1er", "1").strip()
    if match := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        return text
    if match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):
        day, month, year = (int(g) for g in match.groups())
    elif match := re.fullmatch(r"(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})", text):
        day, month, year = int(match[1]), _MONTH_NUMBERS.get(match[2], 0), int(match[3])
    elif match := re.fullmatch(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", text):
        day, month, year = int(match[2]), _MONTH_NUMBERS.get(match[1], 0), int(match[3])
    else:
        return ""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def find_fact(doc: Document, fact: Fact) -> FactLine | None:
    """The first short line of ``doc`` that states ``fact`` in a usual form ("Par X",
    "Written by X", "Publié le 31 mars 2022", "Dernière mise à jour : 16/01/2019")."""
    pattern = _LINE_FORMS[fact]
    offset = 0
    for line in doc.text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and len(stripped.split()) <= _LINE_WORDS:
            match = pattern.search(line)
            if match is not None:
                lead = len(line) - len(line.lstrip())
                start = offset + lead
                return FactLine(
                    doc, start, start + len(stripped), (offset + match.start("value"),
                                                        offset + match.end("value")),
                )  # fmt: skip
        offset += len(line)
    return None
