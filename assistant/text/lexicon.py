"""French and English word frequencies, from the word lists shipped with pyspellchecker.

The lists (``spellchecker/resources/{fr,en}.json.gz``, word -> frequency) are read from the
installed package on first use and cached per language; nothing is downloaded and nothing is
loaded at import time. They are used by :mod:`assistant.ingest.cleaning` to tell words from
fragments.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources

__all__ = ["SUPPORTED_LANGUAGES", "Lexicon", "get_lexicon", "language_code"]

SUPPORTED_LANGUAGES = ("fr", "en")
_RESOURCE_PACKAGE = "spellchecker"
_RESOURCE_DIR = "resources"
_MERGED = "*"


def _lookup_key(word: str) -> str:
    # The lists are lowercase and spell the apostrophe as ASCII "'".
    return word.lower().replace("’", "'")


class Lexicon:
    """A read-only word -> frequency table; lookups ignore case and the apostrophe style."""

    __slots__ = ("_frequencies",)

    def __init__(self, frequencies: Mapping[str, int]) -> None:
        table: dict[str, int] = {}
        for word, frequency in frequencies.items():
            key = _lookup_key(word)
            table[key] = max(frequency, table.get(key, 0))
        self._frequencies = table

    def frequency(self, word: str) -> int:
        """How often `word` occurs in the source corpus of the list; 0 if unknown."""
        return self._frequencies.get(_lookup_key(word), 0)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and _lookup_key(word) in self._frequencies

    def __len__(self) -> int:
        return len(self._frequencies)

    def __iter__(self) -> Iterator[str]:
        return iter(self._frequencies)

    def __repr__(self) -> str:
        return f"Lexicon({len(self._frequencies)} words)"

    @classmethod
    def merged(cls, *lexicons: Lexicon) -> Lexicon:
        """One lexicon holding every word of `lexicons`, with its highest frequency."""
        table: dict[str, int] = {}
        for lexicon in lexicons:
            for word, frequency in lexicon._frequencies.items():
                table[word] = max(frequency, table.get(word, 0))
        return cls(table)


def _load_frequencies(language: str) -> dict[str, int]:
    """Read and decode the packaged list for one supported language."""
    resource = resources.files(_RESOURCE_PACKAGE) / _RESOURCE_DIR / f"{language}.json.gz"
    data = json.loads(gzip.decompress(resource.read_bytes()).decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"unexpected word list format in {resource}")
    return {str(word): int(count) for word, count in data.items()}


def language_code(language: str) -> str:
    """ "fr", "FR", "fr-FR", "fr_CA" -> "fr"; "" for a language without its own list."""
    code = language.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in SUPPORTED_LANGUAGES else ""


def get_lexicon(language: str) -> Lexicon:
    """The lexicon of `language` ("fr" or "en"; case and region suffixes are ignored).

    Any other language (or an empty string) gets French and English merged, keeping the
    higher frequency of a word present in both: the corpus is bilingual, and a merged list
    is a safer guess than an empty one, which would make every word look like a fragment.
    """
    return _cached_lexicon(language_code(language) or _MERGED)


@lru_cache(maxsize=len(SUPPORTED_LANGUAGES) + 1)
def _cached_lexicon(code: str) -> Lexicon:
    # One instance per supported language, plus the merged one, built on first use.
    if code == _MERGED:
        return Lexicon.merged(*(_cached_lexicon(lang) for lang in SUPPORTED_LANGUAGES))
    return Lexicon(_load_frequencies(code))
