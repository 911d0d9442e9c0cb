"""A question as weighted concepts: each content word (or glossary phrase, or acronym) with
every form it may take in the evidence, in French or English."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache

from assistant.text.acronyms import Acronyms
from assistant.text.analysis import fold, is_stop_word, query_terms, terms, words
from assistant.text.glossary import Glossary
from assistant.text.spelling import is_word

# Words that say what kind of answer is wanted rather than what it is about.
_META_WORDS = frozenset(
    """annee annees date dates jour nom noms appelle appellent appele signifie signifient
    nombre combien quel quelle quels quelles year years day name names called mean means
    number many much what which who when where why how quoi qui quand ou comment pourquoi
    est-ce dit disent say says tell""".split()
)
# The weight of a concept no indexed text uses (concept_weights): above the idf of every
# term of an index under some 4,000 chunks (log1p((n - 0.5) / 1.5)).
UNKNOWN_IDF = 8.0
# "A-t-il été publié ?", "ont été créées": "été" is the passive's auxiliary, not the season
# the glossary translates ("summer"), which no answer holds.
_PASSIVE_ETE = re.compile(
    r"\b((?:a|ont|avait|avaient|aura|auront|aurait|auraient|ayant|avoir|ait|aient)"
    r"(?:-t-(?:il|elle|on)|-(?:il|elle|on|ils|elles))?)\s+(?:été|ete)\b",
    re.IGNORECASE,
)


@cache
def _meta_terms() -> frozenset[str]:
    return frozenset(t for word in _META_WORDS for t in _all_terms(word)) | _META_WORDS


@dataclass(frozen=True)
class Concept:
    """One thing the question is about, and the index terms that express it."""

    surface: str
    terms: frozenset[str]
    weight: float = 1.0  # below 1 for concepts carried over from an earlier question
    # Multi-word forms, each a set of terms that express the concept only all together:
    # "SCIC" is expressed by "société coopérative d'intérêt collectif", not by "société".
    phrases: frozenset[frozenset[str]] = frozenset()

    def found_in(self, found: AbstractSet[str]) -> bool:
        """Whether a text whose terms are ``found`` (any set, e.g. an index's vocabulary
        as ``idf.keys()``) expresses the concept."""
        return bool(self.terms & found) or any(p <= found for p in self.phrases)

    @property
    def all_terms(self) -> frozenset[str]:
        """Every term of every form."""
        return self.terms.union(*self.phrases)


def question_concepts(
    question: str,
    language: str,
    glossary: Glossary | None = None,
    acronyms: Acronyms | None = None,
) -> list[Concept]:
    """Acronyms and spelled-out names first (one concept each, with their other forms),
    then glossary phrases (with their translations), then the remaining content words."""
    concepts: list[Concept] = []
    question = _PASSIVE_ETE.sub(r"\1", question)
    rest = words(question)
    segments = [question]  # the question outside the acronym forms, for the glossary
    if acronyms is not None:
        for surface, others in acronyms.matches(question):
            concepts.append(_acronym_concept(surface, others, acronyms, glossary))
            rest = _remove_folded(rest, surface)
            head, _, tail = segments.pop().partition(surface)
            segments += [head, tail]
    if glossary is not None:
        for segment in segments:
            for phrase, translations in glossary.matches(segment, language):
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
    acronyms: Acronyms | None = None,
) -> list[Concept]:
    """The question's concepts, plus those of the previous question at ``carry`` weight:
    "Et à quelle date ?" is about what the previous question was about."""
    concepts = question_concepts(question, language, glossary, acronyms)
    if earlier:
        own = {(c.terms, c.phrases) for c in concepts}
        for c in question_concepts(earlier[-1], language, glossary, acronyms):
            if (c.terms, c.phrases) not in own:
                concepts.append(dataclasses.replace(c, weight=carry))
    return concepts


def _acronym_concept(
    surface: str, others: Sequence[str], acronyms: Acronyms, glossary: Glossary | None
) -> Concept:
    """One concept for an acronym or a spelled-out name and its other forms ``others``:
    single words (acronyms) are terms; names of several words are phrases, in French and
    in English terms, with the glossary's translation of a whole name ("coopérative
    d'activité et d'emploi" -> "activity and employment cooperative"). Other glossary
    translations of an acronym are left out: "SCIC" -> "cooperative" names a wider thing."""
    forms = [surface, *others]
    if glossary is not None:
        forms += [t for form in forms for t in _translations(form, glossary, acronyms)]
    single: set[str] = set()
    phrases: set[frozenset[str]] = set()
    for form in dict.fromkeys(forms):
        if len(words(form)) == 1:
            single |= _all_terms(form) - _meta_terms()
            continue
        for language in ("fr", "en"):
            together = frozenset(terms(form, language)) - _meta_terms()
            if together:
                phrases.add(together)
    return Concept(surface, frozenset(single), phrases=frozenset(phrases))


def _translations(form: str, glossary: Glossary, acronyms: Acronyms) -> list[str]:
    """The glossary's translations of the whole of ``form``, in either direction; for an
    acronym, only those that are acronyms too ("ESS" -> "SSE")."""
    found: list[str] = []
    for language in ("fr", "en"):
        for phrase, translations in glossary.matches(form, language):
            if fold(phrase) != fold(form):
                continue  # the translation of a part of the name only
            if len(words(form)) > 1:
                found += translations
            else:
                found += [t for t in translations if acronyms.expansions(t)]
    return found


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
    # A question's words under both stemmers, with their accents restored where typed
    # without them (query_terms).
    return set(query_terms(text))


def _dedupe(concepts: Sequence[Concept]) -> list[Concept]:
    seen: set[tuple[frozenset[str], frozenset[frozenset[str]]]] = set()
    out: list[Concept] = []
    for concept in concepts:
        if (concept.terms, concept.phrases) not in seen:
            seen.add((concept.terms, concept.phrases))
            out.append(concept)
    return out


def concept_weights(concepts: Sequence[Concept], idf: Mapping[str, float]) -> list[float]:
    """Each concept's weight (times its own ``weight``): the idf of its rarest form that
    ``idf`` (term -> idf, the index's) holds.

    A concept no form of which the index holds weighs the most, :data:`UNKNOWN_IDF`, when
    it is a word of French or English, a number or an acronym: the corpus does not speak
    of it, and a sentence without it hardly answers ("demain" in "Quel temps fera-t-il
    demain ?"). A word of neither language, a misspelling left uncorrected ("combein"),
    says nothing of the question: it weighs like the index's average term (its mean idf,
    at most :data:`UNKNOWN_IDF`), not enough to outweigh the words that do (issue 15).
    """
    average: float | None = None  # summed over the index only for a question that needs it
    weights: list[float] = []
    for c in concepts:
        known = [idf[t] for t in c.all_terms if t in idf]
        if known:
            weights.append(c.weight * max(known))
        elif idf and _misspelt(c):
            if average is None:
                average = min(UNKNOWN_IDF, sum(idf.values()) / len(idf))
            weights.append(c.weight * average)
        else:
            weights.append(c.weight * UNKNOWN_IDF)
    return weights


def _misspelt(concept: Concept) -> bool:
    """Whether a concept no indexed text uses reads as a misspelling: a content word (its
    surface lowercased, letters only: not a number, an acronym or a phrase) that neither
    the French nor the English word list knows (:func:`assistant.text.spelling.is_word`). A
    name in neither list reads so too: the question's capitals are gone by then."""
    surface = concept.surface
    return surface.isalpha() and surface.islower() and not is_word(surface)


def coverage(concepts: Sequence[Concept], weights: Sequence[float], found: set[str]) -> float:
    """Weighted share of the concepts that ``found`` (a sentence's terms) expresses."""
    total = sum(weights)
    if not total:
        return 0.0
    hit = sum(w for c, w in zip(concepts, weights, strict=True) if c.found_in(found))
    return hit / total
