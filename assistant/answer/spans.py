"""Answer spans read off the kind of question: the count, the amount or the date asked for.

For a question that asks for a number or a date, the answer inside a quoted sentence is the
number or date of that kind that the question does not already name: "18 500 livraisons"
in "En 2023, ses coursiers ont effectué 18 500 livraisons…" for "Combien de livraisons en
2023 ?". The span is what the chat highlights (``Citation.answer_start``/``answer_end``)
and where a long sentence is cut to the clause that holds it. Other kinds get no span from
here: a name or a place cannot be told from the other names of a sentence by its form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.text.analysis import fold
from assistant.text.numbers import SPACES, numbers
from assistant.text.question_kinds import counted_noun, question_entities

_S = f"[{SPACES}]"
_NUMBER = rf"\d+(?:(?:{_S}|[.,])\d+)*"
_NUMBER_WORDS = (
    r"deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize"
    r"|vingt|trente|quarante|cinquante|soixante|cent|mille|dizaine|douzaine|quinzaine"
    r"|vingtaine|trentaine|quarantaine|cinquantaine|soixantaine|centaine|millier|milliers"
    r"|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|thousand|dozen"
)
_COUNT = re.compile(
    # "\b" after a number word: "vingtième" (an ordinal) holds "vingt" but counts nothing.
    # Nor is a number word inside a hyphenated name ("rue du Pont-Neuf"): "-" before it.
    rf"(?<![\w.,-])(?:{_NUMBER}|(?:une |un |a )?(?:{_NUMBER_WORDS})\b)"
    rf"(?:{_S}(?:millions?|milliards?|million|billion))?"
    # The counted noun after it; a preposition is none ("150 en France": 150 of what the
    # question counts, in France).
    r"(?:\s+(?!(?:en|à|a|au|aux|dans|par|pour|sur|in|at|on|by|for)\b)"
    r"(?:de |d'|d’|of )?[^\W\d_][\w'’-]*)?",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    rf"(?<![\w.,]){_NUMBER}{_S}?(?:(?:millions?|milliards?|M|k){_S}?)?"
    r"(?:€|euros?|EUR|%|pour ?cent|percent)"
    rf"|(?<![\w.,]){_NUMBER}{_S}?(?:millions?|milliards?) d['’]euros",
    re.IGNORECASE,
)
_MONTHS = (
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre"
    r"|novembre|décembre|decembre|january|february|march|april|may|june|july|august"
    r"|september|october|november|december"
)
_DATE = re.compile(
    rf"(?:(?:\d{{1,2}}(?:er)?{_S})?(?:{_MONTHS}){_S}(?:1[89]|20)\d\d"
    rf"|\d{{1,2}}(?:er)?{_S}(?:{_MONTHS})"
    r"|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|(?<![\w.,])(?:1[89]|20)\d\d(?![\w.,]\d))",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_HOW_LONG = re.compile(r"\b(?:combien de temps|depuis quand|how long|since when)\b")
_DURATION = re.compile(
    r"\b(?:ans|annees|years|mois|months|semaines|weeks|jours|days|heures|hours|minutes)\b"
)


def _named(sentence: str, match: re.Match[str]) -> bool:
    """A number word written with a capital inside a sentence is part of a name ("Les
    Trois Tilleuls", "Pont Neuf"), not a count."""
    first = match.group()[0]
    return first.isalpha() and first.isupper() and bool(sentence[: match.start()].strip())


def typed_span(kind: str, question: str, sentence: str) -> tuple[int, int] | None:
    """``(start, end)`` character offsets in ``sentence`` of the count (``"how_many"``),
    amount (``"amount"``) or date (``"when"``) that answers ``question``; None for other
    kinds, or when the sentence holds no such part the question does not already name."""
    asked = numbers(question)
    folded_question = fold(question)
    if kind == "how_many":
        found = [
            m
            for m in _COUNT.finditer(sentence)
            if _new(m.group(), asked) and not _named(sentence, m)
        ]
        # A bare year is when, not how many ("En 2023, … 18 500 livraisons").
        found = [m for m in found if not _YEAR.fullmatch(m.group().split()[0])]
        counted = _counted_stem(question)
        if counted:
            named = [m for m in found if counted in fold(m.group())]
            found = named or found
        # "depuis plus de trente ans": a duration, unless durations are what is counted.
        if not _DURATION.search(fold(question)) and not _HOW_LONG.search(fold(question)):
            found = [m for m in found if not _DURATION.search(fold(m.group()))] or found
        # "Combien de CAE … à Poitiers ?" in "150 en France, dont une quinzaine en
        # Nouvelle-Aquitaine et quatre à Poitiers": the count of the place asked about.
        places = [fold(name) for name in question_entities(question)]
        if places:
            near = [m for m in found if any(p in _after(sentence, m) for p in places)]
            found = near or found
        return _first(iter(found))
    if kind == "amount":
        return _first(m for m in _AMOUNT.finditer(sentence) if _new(m.group(), asked))
    if kind == "when":
        return _first(
            m
            for m in _DATE.finditer(sentence)
            if _new(m.group(), asked) and fold(m.group()) not in folded_question
        )
    return None


def _after(sentence: str, match: re.Match[str], words: int = 4) -> str:
    """The few words after ``match``, folded: where the place of a count is named."""
    return " ".join(fold(sentence[match.end() :]).split()[:words])


def _new(text: str, asked: set[str]) -> bool:
    """Whether ``text`` says something the question does not: a number it does not name."""
    own = numbers(text)
    return not own or bool(own - asked)


def _counted_stem(question: str) -> str:
    noun = counted_noun(question)
    # Enough of the word to meet its plural and its feminine ("bénévole(s)", "salarié(e)s").
    return noun[: max(4, len(noun) - 2)] if noun else ""


def _first(matches: Iterator[re.Match[str]]) -> tuple[int, int] | None:
    match = next(matches, None)
    if match is None:
        return None
    text = match.group()
    end = match.start() + len(text.rstrip(" ,;:.'’"))
    return match.start(), end
