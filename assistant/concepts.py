"""A question as weighted concepts: each content word (or glossary phrase) with every form
it may take in the evidence, in French or English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from assistant.analysis import fold, is_stop_word, terms, words
from assistant.glossary import Glossary

# Words that say what kind of answer is wanted rather than what it is about.
_META_WORDS = frozenset(
    """annee annees date dates jour nom noms appelle appellent appele signifie signifient
    nombre combien quel quelle quels quelles year years day name names called mean means
    number many much what which who when where why how quoi qui quand ou comment pourquoi
    est-ce dit disent say says tell""".split()
)
UNKNOWN_IDF = 8.0


@cache
def _meta_terms() -> frozenset[str]:
    return (
        frozenset(t for word in _META_WORDS for t in _all_terms(word)) | _META_WORDS
    )  # a concept the corpus never uses weighs like the rarest word


@dataclass(frozen=True)
class Concept:
    """One thing the question is about, and the index terms that express it."""

    surface: str
    terms: frozenset[str]
    weight: float = 1.0  # below 1 for concepts carried over from an earlier question


def question_concepts(
    question: str, language: str, glossary: Glossary | None = None
) -> list[Concept]:
    """Glossary phrases first (with their translations), then the remaining content words."""
    concepts: list[Concept] = []
    rest = words(question)
    if glossary is not None:
        for phrase, translations in glossary.matches(question, language):
            forms = {t for text in (phrase, *translations) for t in _all_terms(text)}
            forms -= _meta_terms()
            if forms:
                concepts.append(Concept(phrase, frozenset(forms)))
            rest = _remove_folded(rest, phrase)
    for word in rest:
        folded = fold(word)
        if is_stop_word(word) or folded in _META_WORDS or (len(folded) < 2 and not word.isdigit()):
            continue
        forms = _all_terms(word) - _meta_terms()
        if forms:
            concepts.append(Concept(word, frozenset(forms)))
    return _dedupe(concepts)


def conversation_concepts(
    question: str,
    earlier: Sequence[str],
    language: str,
    glossary: Glossary | None = None,
    carry: float = 0.5,
) -> list[Concept]:
    """The question's concepts, plus those of the previous question at ``carry`` weight:
    "Et à quelle date ?" is about what the previous question was about."""
    concepts = question_concepts(question, language, glossary)
    if earlier:
        own = {c.terms for c in concepts}
        for c in question_concepts(earlier[-1], language, glossary):
            if c.terms not in own:
                concepts.append(Concept(c.surface, c.terms, carry))
    return concepts


def _remove_folded(tokens: list[str], phrase: str) -> list[str]:
    """``tokens`` without the first run that spells ``phrase`` (compared folded)."""
    target = [fold(w) for w in words(phrase)]
    folded = [fold(w) for w in tokens]
    n = len(target)
    for i in range(len(tokens) - n + 1):
        if n and folded[i : i + n] == target:
            return tokens[:i] + tokens[i + n :]
    return tokens


def _all_terms(text: str) -> set[str]:
    return set(terms(text, "fr")) | set(terms(text, "en"))


def _dedupe(concepts: Sequence[Concept]) -> list[Concept]:
    seen: set[frozenset[str]] = set()
    out: list[Concept] = []
    for concept in concepts:
        if concept.terms not in seen:
            seen.add(concept.terms)
            out.append(concept)
    return out


def concept_weights(concepts: Sequence[Concept], idf: Mapping[str, float]) -> list[float]:
    """Each concept weighs as its rarest known form; unknown concepts weigh the most."""
    return [
        c.weight * max((idf[t] for t in c.terms if t in idf), default=UNKNOWN_IDF) for c in concepts
    ]


def coverage(concepts: Sequence[Concept], weights: Sequence[float], found: set[str]) -> float:
    """Weighted share of the concepts that ``found`` (a sentence's terms) expresses."""
    total = sum(weights)
    if not total:
        return 0.0
    hit = sum(w for c, w in zip(concepts, weights, strict=True) if c.terms & found)
    return hit / total


def unknown_share(
    concepts: Sequence[Concept], weights: Sequence[float], idf: Mapping[str, float]
) -> float:
    """Weighted share of the concepts that no indexed text expresses in any form."""
    total = sum(weights)
    if not total:
        return 0.0
    missing = sum(
        w for c, w in zip(concepts, weights, strict=True) if not any(t in idf for t in c.terms)
    )
    return missing / total
