"""A bilingual glossary that lets keyword search cross between English and French."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from assistant.settings import DATA_DIR
from assistant.text.analysis import fold

DEFAULT_GLOSSARY = DATA_DIR / "glossary-en-fr.tsv"


@dataclass(frozen=True)
class Glossary:
    """Phrase pairs, matched on folded text, longest phrase first."""

    en_to_fr: dict[str, tuple[str, ...]]
    fr_to_en: dict[str, tuple[str, ...]]
    spelling: dict[str, str]  # folded phrase -> phrase as written in the file

    @classmethod
    def load(cls, path: Path = DEFAULT_GLOSSARY) -> Glossary:
        en_to_fr: dict[str, tuple[str, ...]] = {}
        fr_to_en: dict[str, list[str]] = {}
        spelling: dict[str, str] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                raise ValueError(f"{path}:{number}: expected 'english<TAB>french'")
            english, french = parts[0].strip(), tuple(p.strip() for p in parts[1].split("|"))
            en_to_fr[fold(english)] = french
            spelling.setdefault(fold(english), english)
            for phrase in french:
                fr_to_en.setdefault(fold(phrase), []).append(english)
                spelling.setdefault(fold(phrase), phrase)
        return cls(en_to_fr, {k: tuple(v) for k, v in fr_to_en.items()}, spelling)

    def matches(self, text: str, source_language: str) -> list[tuple[str, tuple[str, ...]]]:
        """``(phrase as spelt, translations)`` for each glossary phrase in ``text``, longest first;
        a longer phrase hides the shorter ones inside it."""
        table = self.en_to_fr if source_language == "en" else self.fr_to_en
        needles = self._needles_en if source_language == "en" else self._needles_fr
        folded = " " + _plain(fold(text)) + " "
        found: list[tuple[str, tuple[str, ...]]] = []
        for phrase, needle in needles:
            if needle in folded:
                found.append((self.spelling.get(phrase, phrase), table[phrase]))
                folded = folded.replace(needle, " ")
        return found

    @cached_property
    def _needles_en(self) -> list[tuple[str, str]]:
        return _needles(self.en_to_fr)

    @cached_property
    def _needles_fr(self) -> list[tuple[str, str]]:
        return _needles(self.fr_to_en)

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word of every phrase, in either language, folded: words the documents
        may rightly lack (an English term over French documents), never taken for a
        misspelling of theirs (:mod:`assistant.text.spelling`)."""
        phrases = [*self.en_to_fr, *self.fr_to_en]
        return frozenset(word for phrase in phrases for word in _LETTERS.findall(phrase))

    def translate(self, text: str, source_language: str) -> list[str]:
        """Phrases of the other language for the glossary phrases found in ``text``."""
        found = [t for _, translations in self.matches(text, source_language) for t in translations]
        return list(dict.fromkeys(found))


def _needles(table: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """``(phrase, " plain phrase ")`` for the table's phrases, longest first: what
    :meth:`Glossary.matches` looks for, computed once per glossary."""
    ordered = sorted(table, key=len, reverse=True)
    return [(p, " " + _plain(p) + " ") for p in ordered if _plain(p)]


_LETTERS = re.compile(r"[^\W\d_]+")


def _plain(text: str) -> str:
    return re.sub(r"[^\w%€=]+", " ", text).strip()
