"""Numbers as people write them, reduced to one canonical spelling.

``"12 000"``, ``"12\u202f000"``, ``"12.000"``, ``"12,000"`` and ``"12000"`` all read
``"12000"``; ``"2,5"``, ``"2.5"`` and ``"2,50"`` all read ``"2.5"``; ``"1 350,5"`` and
``"1,350.5"`` read ``"1350.5"``. Keyword analysis (:func:`assistant.text.analysis.words`) and the
grounding check (an answer must quote the numbers the question names) both use this one
spelling, so a question typed "12000" meets a text that prints "12 000".

Conventions, since some spellings are ambiguous:

* a group of exactly three digits after a space (including U+00A0 no-break, U+202F narrow
  no-break, U+2009 thin and U+2007 figure spaces, which French typography and PDF/HTML
  extraction produce), a dot or a comma is a thousands group, as long as the head has one to
  three digits and does not start with 0: "200.000" (French) and "200,000" (English) are
  both 200000, "0,125" stays a decimal;
* any other comma or dot between digits is a decimal mark;
* trailing zeros of a decimal part are dropped ("2,50" -> "2.5", "3,0" -> "3");
* identifiers and dates are not numbers: "B323", "1er", "2e", "12/05/2023" (but a date's
  year is, see :func:`numbers`).
"""

from __future__ import annotations

import re

# Spaces used between thousands groups: ordinary, no-break (U+00A0), narrow no-break
# (U+202F, the French typographic one), thin (U+2009) and figure (U+2007).
SPACES = " \u00a0\u202f\u2009\u2007"
_S = f"[{SPACES}]"
_HEAD = r"[1-9]\d{0,2}"  # a thousands head never starts with 0 ("0,125" is a decimal)
_NUMBER = re.compile(
    rf"""
    (?<![\w.,/])                               # not the tail of an id, a number or a date
    (?:
        (?P<space>{_HEAD}(?:{_S}\d{{3}})+)(?:[.,](?P<space_dec>\d+))?   # 12 000 ; 1 350,5
      | (?P<dot>{_HEAD}(?:\.\d{{3}})+)(?:,(?P<dot_dec>\d+))?             # 12.000 ; 1.350,5
      | (?P<comma>{_HEAD}(?:,\d{{3}})+)(?:\.(?P<comma_dec>\d+))?         # 12,000 ; 1,350.5
      | (?P<plain>\d+)(?:[.,](?P<plain_dec>\d+))?                        # 12000 ; 2,5 ; 2.5
    )
    (?![\w/])(?![.,]\d)                        # not the head of an id ("2e") or a longer number
    """,
    re.VERBOSE,
)
# A year as texts and questions write it ("en 2023", "in 2019"), on its own.
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# A date's year: 12/05/2023, 12.05.2023, 12-05-2023 (day and month in either order).
_DATE_YEAR = re.compile(r"(?<![\w.,/])\d{1,2}([/.-])\d{1,2}\1(\d{4})(?![\w/])")


def _canonical(match: re.Match[str]) -> str:
    whole = next(
        match.group(kind) for kind in ("space", "dot", "comma", "plain") if match.group(kind)
    )
    decimals = next(
        (match.group(f"{kind}_dec") for kind in ("space", "dot", "comma", "plain")
         if match.group(f"{kind}_dec")),
        "",
    )  # fmt: skip
    digits = re.sub(r"\D", "", whole)
    decimals = decimals.rstrip("0")
    return f"{digits}.{decimals}" if decimals else digits


def normalise_numbers(text: str) -> str:
    """``text`` with every number in its canonical spelling (see the module docstring):
    ``"subvention de 12 000 euros"`` -> ``"subvention de 12000 euros"``. Only numbers
    change; the rest of the text is left as it is (offsets therefore move)."""
    return _NUMBER.sub(_canonical, text)


def numbers(text: str) -> set[str]:
    """The canonical spellings of the numbers written in ``text``, plus the year of each
    date: ``"1 350 personnes en 2023 (bilan du 31/12/2023), 2,5 M€"`` ->
    ``{"1350", "2023", "2.5"}``. Ids such as ``"B323"`` and ordinals such as ``"1er"`` are
    left out."""
    found = {_canonical(m) for m in _NUMBER.finditer(text)}
    found.update(m.group(2) for m in _DATE_YEAR.finditer(text))
    return found


# "Plus de 100 personnes ?", "at least 20", "under 5,000": a bound the question compares
# with, which the text answering it need not print (it gives the number itself: "50").
_BOUND = re.compile(
    r"\b(?:plus|moins|davantage|au[\s-]+(?:moins|plus)|sup[ée]rieur|inf[ée]rieur|jusqu['’]"
    r"|more|less|fewer|at\s+(?:least|most)|over|under|above|below|beyond|up\s+to|exceed\w*"
    r"|d[ée]pass\w*)\s*(?:de|d['’]|que|à|a|than|to)?\s*$",
    re.IGNORECASE,
)


def stated_numbers(question: str) -> set[str]:
    """The numbers of ``question`` that an answer must print (see :func:`numbers`): all but
    the bounds it compares with ("Emploient-elles plus de 100 personnes ?" -> set(),
    "Combien de lieux en 2023 ?" -> ``{"2023"}``)."""
    found: set[str] = set()
    for match in _NUMBER.finditer(question):
        if not _BOUND.search(question[max(0, match.start() - 24) : match.start()]):
            found.add(_canonical(match))
    found.update(m.group(2) for m in _DATE_YEAR.finditer(question))
    return found
