"""Small, explicit scorers. Each takes plain inputs and returns a number."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from assistant.text.analysis import fold, is_stop_word, normalise_numbers

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w%€.' ]+")


def normalise(text: str) -> str:
    """Accent-, case- and spacing-insensitive form; number formats unified.

    ``"11 %"`` and ``"11%"`` match, so do ``"1 000"``, ``"1000"`` and ``"1.000"``.
    """
    text = fold(text.replace("\u00a0", " ").replace("\u202f", " "))
    text = normalise_numbers(text)
    text = re.sub(r"(\d)\s+%", r"\1%", text)
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def contains_any(text: str, expected: Iterable[str]) -> bool:
    """Whether any expected string occurs in ``text`` (both normalised)."""
    haystack = f" {normalise(text)} "
    return any(normalise(e) and normalise(e) in haystack for e in expected)


def token_f1(text: str, expected: Iterable[str]) -> float:
    """Best SQuAD-style token F1 of ``text`` against any expected answer."""
    got = normalise(text).split()
    best = 0.0
    for answer in expected:
        want = normalise(answer).split()
        common = sum((Counter(got) & Counter(want)).values())
        if not common or not got or not want:
            continue
        precision, recall = common / len(got), common / len(want)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def hit_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """1.0 when a relevant id is among the first ``k`` of ``ranked``."""
    wanted = set(relevant)
    return 1.0 if any(r in wanted for r in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str]) -> float:
    wanted = set(relevant)
    for position, item in enumerate(ranked, start=1):
        if item in wanted:
            return 1.0 / position
    return 0.0


def precision_recall(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float, float]:
    """Precision and recall of the positive class (``True``); 0.0 when nothing is predicted
    positive, 1.0 recall when nothing is actually positive."""
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    predicted_pos, actual_pos = sum(predicted), sum(actual)
    precision = tp / predicted_pos if predicted_pos else 0.0
    recall = tp / actual_pos if actual_pos else 1.0
    return precision, recall


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


_CLAIM = re.compile(r"(.+?)((?:\s*\[\d+\])+)", re.S)
_MARKER = re.compile(r"\[(\d+)\]")


def claims(text: str) -> list[tuple[str, list[int]]]:
    """The answer's sentences with the citation numbers attached to each (ALCE style):
    ``"A. [1] B. [2][3]"`` -> ``[("A.", [1]), ("B.", [2, 3])]``."""
    return [
        (m.group(1).strip(), [int(n) for n in _MARKER.findall(m.group(2))])
        for m in _CLAIM.finditer(text)
        if m.group(1).strip()
    ]


def supports(evidence: str, claim: str, threshold: float = 0.8) -> bool:
    """Whether ``evidence`` backs ``claim``: most of the claim's content words (stop words
    aside) are in it, and every number of the claim is. A lexical stand-in for ALCE's
    entailment model, exact for quoted sentences and strict for paraphrases."""
    claim_words = [
        w
        for w in normalise(claim).split()
        if any(ch.isdigit() for ch in w) or (len(w) > 1 and not is_stop_word(w.strip(".'")))
    ]
    if not claim_words:
        return True
    found = set(normalise(evidence).split())
    numbers = [w for w in claim_words if any(ch.isdigit() for ch in w)]
    if any(n.strip(".") not in {f.strip(".") for f in found} for n in numbers):
        return False
    hits = sum(1 for w in claim_words if w.strip(".") in {f.strip(".") for f in found})
    return hits / len(claim_words) >= threshold


def citation_scores(text: str, quotes: dict[int, str]) -> tuple[float, float]:
    """ALCE citation precision (a citation supports the sentence it is attached to) and
    recall (a sentence is supported by its citations taken together); 1.0 when there is
    nothing to score. Sentences are those followed by markers (see :func:`claims`)."""
    return claim_scores(claims(text), quotes)


def claim_scores(
    pairs: Sequence[tuple[str, Sequence[int]]], quotes: dict[int, str]
) -> tuple[float, float]:
    """:func:`citation_scores` of given ``(sentence, markers)`` pairs, where a sentence
    without markers counts as unsupported."""
    if not pairs:
        return 1.0, 1.0
    supported_sentences = 0
    relevant = total = 0
    for claim, numbers in pairs:
        cited = [quotes[n] for n in numbers if n in quotes]
        if cited and supports(" ".join(cited), claim):
            supported_sentences += 1
        for quote in cited:
            total += 1
            relevant += int(supports(quote, claim) or supports(" ".join(cited), claim))
        total += sum(1 for n in numbers if n not in quotes)  # an invented marker
    return (relevant / total if total else 1.0), supported_sentences / len(pairs)


def answer_words(text: str) -> int:
    """Length of an answer in words, citation markers left out."""
    return len(_MARKER.sub(" ", text).split())
