"""The sentence selector: a logistic model over a few explicit signals.

Its coefficients come from ``evals/train_selector.py``, which fits them on PIAF
questions (French, held apart from the PIAF evaluation sample) and the Poitiers question
set, and calibrates the abstention threshold on cross-fitted Poitiers scores. Rerun it
after changing a signal, and paste its output here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from assistant.sentences import is_prose

FEATURES = (
    "dense",  # cosine of the sentence's and the question's embeddings
    "lexical",  # weighted share of the question's concepts in the sentence
    "context",  # the same, over the whole passage
    "type_match",  # holds the kind of information asked (a number, a date, a name...)
    "type_missing",  # a number/date/name question, and the sentence holds none
    "rank",  # 1 / (1 + rank of the passage)
    "prose",  # ends like a sentence and has five words or more
    "fragment",  # under four words
    "new_number",  # holds a number the question does not
    "number_mismatch",  # the question names a number (a year...) the sentence lacks
    "length",  # log of the word count
    "position",  # 1 / (1 + sentence number in the passage)
)

# Fitted by evals/train_selector.py (see its output); order as in FEATURES.
# fmt: off
COEFFICIENTS = (1.542, 3.023, 0.194, 0.355, -1.144, 2.856, -0.828, -0.716, 0.108, -0.583, 0.460, 0.301)  # noqa: E501
INTERCEPT = -6.903
THRESHOLD = 0.16
# fmt: on

_NUMBER = re.compile(r"(?<![\w/])\d+(?:[.,]\d+)?(?![\w/])")
_GATED_KINDS = frozenset({"how_many", "amount", "when", "who", "where"})


def numbers(text: str) -> set[str]:
    """Numbers written in ``text`` ("2,5" and "2.5" alike), ignoring ids such as B323."""
    return {n.replace(",", ".") for n in _NUMBER.findall(text)}


def feature_vector(
    *,
    dense: float,
    lexical: float,
    context: float,
    type_match: float,
    kind: str,
    passage_rank: int,
    text: str,
    question_numbers: set[str],
    position: int,
) -> list[float]:
    words = len(text.split())
    found = numbers(text)
    prose = is_prose(text)
    return [
        dense,
        lexical,
        context,
        type_match,
        float(kind in _GATED_KINDS and not type_match),
        1.0 / (1 + passage_rank),
        float(prose),
        float(words < 4),
        float(bool(found - question_numbers)),
        float(bool(question_numbers - found)),
        math.log1p(words),
        1.0 / (1 + position),
    ]


def probability(features: Sequence[float]) -> float:
    """The model's probability that the sentence answers the question."""
    z = INTERCEPT + sum(c * f for c, f in zip(COEFFICIENTS, features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


_ENTITY = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-ZÀ-Ý][\w’'-]*(?:\s+[A-ZÀ-Ý][\w’'-]*)*)")
_NOT_NAMES = frozenset(
    """ESS SSE I Et And Qui Que Quel Quelle Quels Quelles Who What When Where Why How Which
    Combien Comment Pourquoi Où Est Is Are Do Does Did Can Tu Vous Il Elle""".split()
)


def question_entities(question: str) -> list[str]:
    """Names the question is about: capitalised words past its first word ("Bordeaux",
    "Le Baudet"), which the evidence must mention for an answer to be about them."""
    names = []
    for match in _ENTITY.finditer(question.strip()):
        words = [w.strip("’'-") for w in match.group(1).split() if w not in _NOT_NAMES]
        words = [w for w in words if w]
        if words:
            names.append(" ".join(words))
    return names
