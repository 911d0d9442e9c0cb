"""Misspelled question words read as the documents spell them (issue 15).

"combein de salariés a la recylerie de Poitier ?" is read "combien de salariés a la
recyclerie de Poitiers ?": a word no document uses and no French or English word list
knows is replaced by the closest word of the documents (or asking word of the question's
language) within one edit, two for words of 8 letters or more. Edits are counted by
rapidfuzz's Damerau-Levenshtein distance, so a swap of two letters ("combein") is one.

Conservative by design, since a wrong correction answers another question:

- words of fewer than 4 letters, numbers and stop words are left as typed, except the
  asking word that opens the question ("Qel est…" -> "Quel est…", "Whn…" -> "When…");
- so is a word of the glossary (``keep``: English terms French documents lack), one the
  index knows another form of ("salariées", "duree"), and one the pyspellchecker lists
  know, accents aside (:mod:`assistant.text.lexicon`): "maire" is not a typo of "mairie"
  because the documents only name the town hall;
- a word typed with a capital (not the question's first word) is meant as a name: it is
  only corrected into a name of the documents, one edit away ("Poitier" -> "Poitiers");
- a question is corrected against the words of documents in its own language, the
  documents' names, and its language's stop words ("combien") only: an English word is
  never "corrected" into a French one.

Only words the documents never write are corrected, so the word as typed has no index
term of its own: replacing it loses nothing keyword search or concept coverage could use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache, cached_property

from assistant.documents import Document
from assistant.text.analysis import STOP_WORDS_EN, STOP_WORDS_FR, fold, is_stop_word, query_terms
from assistant.text.lexicon import get_lexicon

__all__ = ["Vocabulary", "correct", "corrections", "is_word", "max_edits", "opens_sentence"]

_WORD = re.compile(r"[^\W\d_]+")
MIN_LETTERS = 4  # shorter words are too often another word one edit away ("les", "des")
LONG_WORD = 8  # letters from which a word may be two edits away from its spelling
_STOP_WORDS = {"fr": STOP_WORDS_FR, "en": STOP_WORDS_EN}


def max_edits(word: str) -> int:
    """Edits allowed to correct ``word``: 0 under :data:`MIN_LETTERS` letters, 1 up to 7
    letters, 2 from :data:`LONG_WORD`."""
    if len(word) < MIN_LETTERS:
        return 0
    return 1 if len(word) < LONG_WORD else 2


def opens_sentence(text: str, at: int) -> bool:
    """Whether the word at ``at`` opens a sentence, a line or a table cell, where a capital
    tells nothing of the word (also how Snapshot.written_forms tells names)."""
    before = text[max(0, at - 12) : at].rstrip(" \t\u00a0«\"'(-#*")
    return not before or before[-1] in "\n.!?…:;|"


@dataclass(frozen=True)
class Vocabulary:
    """The words of one generation's documents (texts and titles), folded.

    ``counts``: folded word -> occurrences; ``languages``: document language ("fr",
    "en", or "" when unknown) -> folded words of its documents; ``spellings``: folded
    word -> how the documents most often write it (first letter lowered where it opens a
    sentence); ``names``: folded words the documents write with a capital inside a
    sentence ("poitiers").
    """

    counts: Mapping[str, int]
    languages: Mapping[str, AbstractSet[str]]
    spellings: Mapping[str, str]
    names: AbstractSet[str]
    _choices: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_documents(cls, documents: Iterable[Document]) -> Vocabulary:
        """The vocabulary of ``documents``: their texts and titles, by their language."""
        documents = list(documents)
        return cls.from_texts(
            [(doc.text, doc.meta.language) for doc in documents],
            titles=[(doc.meta.title, doc.meta.language) for doc in documents],
        )

    @classmethod
    def from_texts(
        cls, texts: Iterable[tuple[str, str]], titles: Iterable[tuple[str, str]] = ()
    ) -> Vocabulary:
        """The vocabulary of ``(text, language)`` pairs; in ``titles`` every word counts
        as opening a sentence ("Coworking and Solidarity Economy" names nothing)."""
        counts: Counter[str] = Counter()
        languages: dict[str, set[str]] = {}
        inside: Counter[str] = Counter()  # spellings inside sentences
        opening: Counter[str] = Counter()  # sentences' first words, first letter lowered
        entries = [(text, language, False) for text, language in texts]
        entries += [(title, language, True) for title, language in titles]
        for text, language, title in entries:
            words = languages.setdefault(language, set())
            for match in _WORD.finditer(text):
                word = match.group(0)
                folded = fold(word)
                counts[folded] += 1
                words.add(folded)
                if title or opens_sentence(text, match.start()):
                    opening[word[:1].lower() + word[1:]] += 1
                else:
                    inside[word] += 1
        spellings: dict[str, str] = {}
        for spelling, _ in inside.most_common() + opening.most_common():
            spellings.setdefault(fold(spelling), spelling)
        names = frozenset(fold(w) for w in inside if w[:1].isupper())
        return cls(
            counts=dict(counts),
            languages={language: frozenset(words) for language, words in languages.items()},
            spellings=spellings,
            names=names,
        )

    def __contains__(self, word: object) -> bool:
        """Whether the documents write ``word`` (any case, with or without accents)."""
        return isinstance(word, str) and fold(word) in self.counts

    def choices(self, language: str) -> tuple[str, ...]:
        """What a word of a ``language`` question may be corrected into (folded): the
        words of documents in that language, every name, and the language's stop words
        ("combien"); computed once per language."""
        if language not in self._choices:
            words = set(self.languages.get(language, ())) | set(self.names)
            words |= {fold(w) for w in _STOP_WORDS.get(language, ()) if w.isalpha() and len(w) >= 4}
            self._choices[language] = tuple(sorted(words))
        return self._choices[language]

    @cached_property
    def name_choices(self) -> tuple[str, ...]:
        """The documents' names (folded), what a word typed with a capital may become."""
        return tuple(sorted(self.names))

    def spelling(self, folded: str, language: str) -> str:
        """``folded`` as the documents write it, or as its stop word is written."""
        if folded in self.spellings:
            return self.spellings[folded]
        stop_words = _STOP_WORDS.get(language, frozenset())
        return next((w for w in sorted(stop_words) if fold(w) == folded), folded)


def corrections(
    text: str,
    vocabulary: Vocabulary,
    language: str,
    keep: AbstractSet[str] = frozenset(),
    known: AbstractSet[str] = frozenset(),
) -> dict[str, str]:
    """Each misspelled word of ``text`` (a question in ``language``, "fr" or "en") as
    typed -> its correction, as the documents write it; see the module's rules.

    ``keep``: folded words never corrected (:attr:`assistant.text.glossary.Glossary.words`);
    ``known``: the index's terms (``ServingIndex.idf.keys()``): a word whose terms the
    index holds is another form of a word the documents use ("salariées", "duree") and
    already finds it. Ties between candidates as close go to the word the documents use
    most, then to the first alphabetically."""
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    found: dict[str, str] = {}
    for position, match in enumerate(_WORD.finditer(text)):
        word = match.group(0)
        folded = fold(word)
        if position == 0:
            asking = _asking_word(folded, language)
            if asking:
                # "Qel est le rôle de… ?": the asking word that opens the question, one
                # edit away, however short ("qel", "whn").
                found[word] = asking.capitalize() if word[:1].isupper() else asking
                continue
        edits = max_edits(folded)
        if (
            word in found
            or not edits
            or folded in vocabulary.counts
            or folded in keep
            or is_stop_word(word)
        ):
            continue
        if word.isupper() or (word[:1].isupper() and not opens_sentence(text, match.start())):
            # A capital typed on purpose: a name, corrected only into a name of the
            # documents one edit away, unless the question's language has that word
            # ("Maire" is not a typo of "Mairie"). Only its own language's list: surnames
            # fill the others' ("Poitier" is in the English one).
            if folded in _folded_lexicon(language):
                continue
            choices = vocabulary.name_choices
            edits = 1
        elif any(t in known for t in query_terms(word)) or is_word(folded):
            continue  # another form of a word of the documents, or a word they do not use
        else:
            choices = vocabulary.choices(language)
        close = process.extract(
            folded, choices, scorer=DamerauLevenshtein.distance, score_cutoff=edits, limit=None
        )
        if not close:
            continue
        best, _, _ = min(close, key=lambda c: (c[1], -vocabulary.counts.get(c[0], 0), c[0]))
        spelled = vocabulary.spelling(best, language)
        if word[:1].isupper() and spelled[:1].islower():
            spelled = spelled[:1].upper() + spelled[1:]  # "Combein de…" -> "Combien de…"
        found[word] = spelled
    return found


# The words that open questions, by language: a typo in one of them is corrected whatever
# its length, when it opens the question.
_ASKING = {
    "fr": ("quel", "quelle", "quels", "quelles", "qui", "quoi", "quand", "comment", "combien",
           "pourquoi", "où"),
    "en": ("what", "which", "when", "where", "who", "whom", "whose", "how", "why"),
}  # fmt: skip


def _asking_word(folded: str, language: str) -> str:
    """The asking word of ``language`` one edit from ``folded`` (a question's first word,
    folded), when ``folded`` is no word itself; "" otherwise. Ties go to the first in
    :data:`_ASKING`."""
    from rapidfuzz.distance import DamerauLevenshtein

    # The asking words themselves are stop words: typed right, they are left as they are.
    if len(folded) < 2 or is_word(folded) or is_stop_word(folded):
        return ""
    words = _ASKING.get(language, ())
    return next((w for w in words if DamerauLevenshtein.distance(folded, fold(w)) == 1), "")


def correct(
    text: str,
    vocabulary: Vocabulary,
    language: str,
    keep: AbstractSet[str] = frozenset(),
    known: AbstractSet[str] = frozenset(),
) -> str:
    """``text`` with its misspelled words replaced (:func:`corrections`); the rest as
    typed, spaces and punctuation included."""
    found = corrections(text, vocabulary, language, keep, known)
    if not found:
        return text
    return _WORD.sub(lambda m: found.get(m.group(0), m.group(0)), text)


def is_word(word: str) -> bool:
    """Whether the French or the English word list knows ``word``, accents and case aside
    ("duree" is "durée" typed without its accents): a word spelled right, even where the
    documents do not use it."""
    folded = fold(word)
    return any(folded in _folded_lexicon(language) for language in ("fr", "en"))


@cache
def _folded_lexicon(language: str) -> frozenset[str]:
    """The words of ``language``'s pyspellchecker list, folded: "duree" is "durée" typed
    without its accents, not a typo. Built on first use (about 0.3 s a language)."""
    return frozenset(fold(word) for word in get_lexicon(language))
