"""Keyword analysis for French and English: folding, elisions, stop words, stemming."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

# Re-exported: keyword analysis reads every number in its canonical spelling.
from assistant.text.numbers import normalise_numbers as normalise_numbers

# Bumped whenever :func:`terms` gives other terms for the same text, so that a build
# analyses every chunk again instead of reusing term counts of the previous generation.
# 2: numbers in one canonical spelling (assistant.text.numbers): "200,000" = "200.000" = "200000".
# 3: names joined by an apostrophe are one word: "Répar'Tout" -> "répartout".
ANALYSIS_VERSION = 3

_ELISION = re.compile(r"\b(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
# A word may hold apostrophes between letters once elisions are gone: names such as
# "Répar'Tout", "Coop'Habitat" or "Cord'âges" are one word, not "répar" + the stop word
# "tout" ("répar" is also the stem of "réparation"). English contractions ("they're",
# "we've", "you'll", "it's") and possessives still split.
_TOKEN = re.compile(
    r"\d+(?:\.\d+)?|[^\W\d_]+(?:['’](?!(?:re|ve|ll)\b)[^\W\d_]{2,})*", re.UNICODE | re.IGNORECASE
)
_APOSTROPHES = str.maketrans("", "", "'’")
# "30th", "1st", "1er", "XXIe"... an ordinal written in digits is its number: "its 30th
# anniversary" meets "ses 30 ans" instead of leaving "th" as a word the evidence lacks.
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th|er|re|ère|ème|eme|e)\b", re.IGNORECASE)

STOP_WORDS_FR = frozenset(
    """a à au aux avec ce ces cet cette ceux c ça d dans de des du elle elles en et est été être
    eu il ils j je l la le les leur leurs lui m ma mais me même mes moi mon n ne ni nos notre
    nous on ont ou où par pas pour qu que quel quelle quelles quels qui s sa sans se ses si son
    sont sur t ta te tes toi ton tu un une vos votre vous y était étaient sera seront fait faire
    plus moins très aussi comme dont entre vers chez sous après avant depuis lors alors donc car
    tout tous toute toutes autre autres cela celui celle ceci ici là déjà encore ainsi
    combien quand comment pourquoi quoi quelque quelques peut peuvent avoir a-t-il est-ce""".split()
)
STOP_WORDS_EN = frozenset(
    """a an the and or but of to in on at by for with from as is are was were be been being it
    its this that these those there here which who whom whose what when where why how many much
    do does did done have has had having not no nor so than then too very can could will would
    shall should may might must i you he she we they them their his her our your my me us him
    into about over under after before between during also just only any some all each other
    such own same both more most few if while""".split()
)
STOP_WORDS = STOP_WORDS_FR | STOP_WORDS_EN
# Stop words typed without accents ("ou", "deja"): checked only for unaccented tokens, so
# that "né" (born) is not taken for the negation "ne".
_STOP_WORDS_FOLDED = frozenset(
    unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() for w in STOP_WORDS
)


def is_stop_word(token: str) -> bool:
    """Whether ``token`` (any case) is a French or English stop word."""
    lower = token.lower()
    if lower in STOP_WORDS:
        return True
    return lower.isascii() and lower in _STOP_WORDS_FOLDED


_STEMMER_NAMES = {"fr": "french", "en": "english"}


# Apostrophes as keyboards, word processors and web pages type them.
_APOSTROPHE_FORMS = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})


def fold(text: str) -> str:
    """Lowercase, strip accents and type every apostrophe as ``'``: ``'Économie'`` ->
    ``'economie'``, ``'Répar’Tout'`` -> ``"repar'tout"``. Same length as ``text`` unless
    it holds ``œ`` or characters NFKD expands (ligatures)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return folded.replace("œ", "oe").translate(_APOSTROPHE_FORMS)


def words(text: str) -> list[str]:
    """Lowercased word and number tokens, elisions removed, stop words kept."""
    text = _ORDINAL.sub(r"\1", _ELISION.sub(" ", normalise_numbers(text)))
    return [token.translate(_APOSTROPHES).lower() for token in _TOKEN.findall(text)]


@cache
def _stemmer(language: str) -> Any:
    import Stemmer

    return Stemmer.Stemmer(_STEMMER_NAMES.get(language, "french"))


def terms(text: str, language: str) -> list[str]:
    """Index terms: content words stemmed in ``language`` then folded; numbers kept."""
    tokens = [t for t in words(text) if not is_stop_word(t)]
    stems: list[str] = _stemmer(language).stemWords(tokens)
    return [_fold_word(stem) for stem in stems]


# Words recur across questions and candidates: folding each distinct one once saves a few
# milliseconds an answer (benchmarks/ask_latency.py).
_fold_word = lru_cache(maxsize=1 << 16)(fold)


# Endings a word typed without accents most often lost, with their accented forms. The
# stemmer treats accented endings apart ("activité" -> "activ", "activite" -> "activit"), so
# folding after stemming alone does not make the two spellings meet.
_UNACCENTED_ENDINGS = (
    ("ees", "ées"),
    ("ee", "ée"),
    ("es", "és"),
    ("e", "é"),
)


def accent_variants(token: str) -> list[str]:
    """``token`` as it may have been meant with accents, for a token typed without any:
    ``'activite'`` -> ``['activité']``, ``'creee'`` -> ``['creée']``. Only the ending is
    restored (that is what the stemmer reads); empty for tokens that carry accents.
    """
    if not token.isascii() or not token.isalpha() or len(token) < 4:
        return []
    for plain, accented in _UNACCENTED_ENDINGS:
        if token.endswith(plain):
            return [token[: -len(plain)] + accented]
    return []


def as_written(text: str, forms: Mapping[str, str], language: str = "fr") -> str:
    """``text`` with each word typed in lowercase without accents spelled as the documents
    write it (``forms``: folded word -> spelling, from
    :attr:`assistant.index.snapshot.Snapshot.written_forms`): "quand roue libre a-t-elle ete
    creee ?" -> "quand Roue Libre a-t-elle été créée ?". Words typed with a capital or an
    accent are left as typed. Names are told by their capitals and the reader learnt
    French as it is written: typed fast, a question loses both. Accents are restored in a
    French question only (``language``): English "the" is not French "thé"."""

    def restore(match: re.Match[str]) -> str:
        word = match.group(0)
        if not (word.isascii() and word.islower()) or len(word) < 3:
            return word  # "a" is not "à", nor "l'" "L'"
        form = forms.get(word, word)
        if form.islower():
            # Accents: "ete" -> "été", "cooperative" -> "coopérative".
            return form if language == "fr" else word
        # Capitals only for words that can be names: not "les" at a sentence's start.
        return form if len(word) >= 4 and not is_stop_word(word) else word

    return _LETTERS.sub(restore, text)


_LETTERS = re.compile(r"[^\W\d_]+")


def query_terms(text: str, languages: tuple[str, ...] = ("fr", "en")) -> list[str]:
    """Terms of a question under every stemmer, since the evidence may be in either language.

    French words typed without accents also give the terms of their accented ending
    (:func:`accent_variants`), so "activite" finds "activité"; documents are analysed as
    written.
    """
    seen: dict[str, None] = {}
    for language in languages:
        for term in terms(text, language):
            seen.setdefault(term, None)
    for token in words(text):
        if is_stop_word(token):
            continue
        for variant in accent_variants(token):
            for term in terms(variant, "fr"):
                seen.setdefault(term, None)
    return list(seen)
