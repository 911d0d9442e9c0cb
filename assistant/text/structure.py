"""The layout of a cleaned document as the answerer needs it: headings, lists, prose.

Loaders keep a document's line structure (a Markdown heading or bullet, an HTML ``<h2>``
or ``<li>``, a line of a .txt file each stay one line; paragraphs are separated by a
blank line), so roles can be read off the lines:

- ``question``: a sentence ending with "?" (an FAQ heading; never an answer);
- ``announce``: a sentence ending with ":" that opens a list ("Les lauréats sont :");
- ``item``: a line of the list an ``announce`` opens, up to the blank line that ends the
  list, or exactly as many lines as the announcement counts ("les cinq structures…");
- ``row``: a table row, its cells joined by " | " (the .docx, HTML and Markdown loaders'
  convention); the first row of a table is its ``header`` and heads the rows below it;
- ``heading``: a short line of its own without closing punctuation or a colon, and past
  the first line without digits (a title, a headline; "Année d'adhésion : 2007" is data,
  and may be an answer);
- ``prose``: everything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from assistant.text.analysis import fold
from assistant.text.injection import is_instruction

Span = tuple[int, int]

MAX_ITEMS = 15  # a longer list is quoted up to here, with a note that it goes on
_HEADING_WORDS = 20
_CELL = " | "
# Past the document's first line (its title, "Prix Coup de cœur ESS 2024"), a line holding
# a number or a "label: value" is data ("Année d'adhésion au RTES: 2007", "84, rue des
# Carmélites", "11 % des emplois"), which may well be the answer, not a heading.
_DIGIT = re.compile(r"\d")
_CLOSING = (".", "!", "…", "»", "”", '"', ")", ";", ",")
_COUNTS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "two": 2, "three": 3, "four": 4,
    "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_COUNT = re.compile(r"\b(\d{1,2}|" + "|".join(_COUNTS) + r")\b")


@dataclass(frozen=True)
class Structure:
    """Roles of a document's sentences (``spans``, in order) and what ties them.

    ``heading[i]``: index of the heading or question line sentence ``i`` sits under, or -1;
    ``items[i]``: the line spans of the list sentence ``i`` announces (empty otherwise);
    ``truncated[i]``: the list went on past :data:`MAX_ITEMS` lines;
    ``paragraph[i]``: which paragraph under its heading sentence ``i`` is in (0: the first,
    whether or not a blank line separates it from the heading).
    """

    spans: tuple[Span, ...]
    roles: tuple[str, ...]
    heading: tuple[int, ...]
    items: tuple[tuple[Span, ...], ...]
    truncated: tuple[bool, ...]
    paragraph: tuple[int, ...] = ()

    def index(self, span: Span) -> int:
        """Position of ``span`` among the document's sentences; KeyError if absent."""
        return self._positions[span]

    @cached_property
    def _positions(self) -> dict[Span, int]:
        return {span: i for i, span in enumerate(self.spans)}


def announced_count(sentence: str) -> int | None:
    """The number of items a list announcement names ("les cinq lauréats sont :")."""
    match = _COUNT.search(fold(sentence))
    if match is None:
        return None
    word = match.group(1)
    count = int(word) if word.isdigit() else _COUNTS[word]
    return count if 2 <= count <= MAX_ITEMS else None


def analyse(text: str, spans: Sequence[Span]) -> Structure:
    """Read the roles of ``spans`` (sentence offsets of ``text``, in order) off the lines."""
    lines = _lines(text, spans)
    roles = ["prose"] * len(spans)
    items: list[tuple[Span, ...]] = [()] * len(spans)
    truncated = [False] * len(spans)
    line_no = 0
    while line_no < len(lines):
        members, _ = lines[line_no]
        for i in members:
            roles[i] = _role(text, spans[i], whole_line=len(members) == 1, first=line_no == 0)
        last = members[-1]
        if roles[last] == "announce":
            found, line_no = _list(text, spans, lines, line_no + 1, last)
            for item_line in found:
                for i in lines[item_line][0]:
                    roles[i] = "item"
            line_spans = [(spans[lines[k][0][0]][0], spans[lines[k][0][-1]][1]) for k in found]
            items[last] = tuple(line_spans[:MAX_ITEMS])
            truncated[last] = len(line_spans) > MAX_ITEMS
            continue
        line_no += 1
    alone = {members[0] for members, _ in lines if len(members) == 1}
    # Sentence starting a line -> whether a blank line comes before it (a new paragraph).
    line_starts = {members[0]: blank for members, blank in lines}
    heading: list[int] = []
    paragraph: list[int] = []
    count, after_heading = 0, False
    current = -1
    table_header = -1
    for i, role in enumerate(roles):
        if i in line_starts:
            if after_heading:
                count, after_heading = 0, False
            elif line_starts[i]:
                count += 1
        paragraph.append(count)
        if role in ("heading", "question") and i in alone:
            after_heading = True
        if role == "row":
            if table_header < 0:
                table_header = i  # the first row of a table names its columns
                roles[i] = "header"
                heading.append(current)
            else:
                heading.append(table_header)
            continue
        table_header = -1
        heading.append(current)
        if role == "heading" or (role == "question" and i in alone):
            current = i
    return Structure(
        tuple(spans), tuple(roles), tuple(heading), tuple(items), tuple(truncated),
        tuple(paragraph),
    )  # fmt: skip


def _role(text: str, span: Span, *, whole_line: bool, first: bool = False) -> str:
    sentence = text[span[0] : span[1]].rstrip()
    if is_instruction(sentence):
        return "instruction"  # written for a model, never an answer (assistant.text.injection)
    if whole_line and _CELL in sentence:
        return "row"
    if sentence.endswith("?"):
        return "question"
    if sentence.endswith(":"):
        return "announce"
    if (
        whole_line
        and not sentence.endswith(_CLOSING)
        and len(sentence.split()) <= _HEADING_WORDS
        # "Label : value" lines answer questions; a document's first line with a subtitle
        # after its colon ("Prix solidaires : l'édition 2023") is its title.
        and (":" not in sentence or (first and len(sentence.rsplit(":", 1)[1].split()) >= 2))
        and (first or not _DIGIT.search(sentence))
    ):
        return "heading"
    return "prose"


def _lines(text: str, spans: Sequence[Span]) -> list[tuple[list[int], bool]]:
    """Sentences grouped by line: ``(sentence indexes, blank line before)``."""
    out: list[tuple[list[int], bool]] = []
    previous_end = 0
    for i, (start, _) in enumerate(spans):
        gap = text[previous_end:start]
        if out and "\n" not in gap:
            out[-1][0].append(i)
        else:
            out.append(([i], gap.count("\n") >= 2))
        previous_end = spans[i][1]
    return out


def _list(
    text: str,
    spans: Sequence[Span],
    lines: list[tuple[list[int], bool]],
    first: int,
    announce: int,
) -> tuple[list[int], int]:
    """Line numbers of the list after the announcing line, and the line after the list."""
    count = announced_count(text[spans[announce][0] : spans[announce][1]])
    limit = count if count is not None else MAX_ITEMS + 1
    found: list[int] = []
    line_no = first
    while line_no < len(lines) and len(found) < limit:
        members, blank_before = lines[line_no]
        if found and blank_before:
            break  # a blank line after the items ends the list
        last = members[-1]
        if _role(text, spans[last], whole_line=len(members) == 1) == "announce":
            break  # the next announcement: this one was left empty ("En 2021, … étaient :")
        found.append(line_no)
        line_no += 1
    return found, line_no
