"""Acronyms and the names they stand for: SCIC <-> "société coopérative d'intérêt collectif".

A question says "SCIC" where the text spells the name out, or the reverse; keyword search,
the question's concepts and the grounding check (the names a question asks about must be in
the evidence) all treat the two forms as one. The pairs come from, in order of trust:

1. the documents' own definitions, found with the algorithm of Schwartz & Hearst (2003), "A
   simple algorithm for identifying abbreviation definitions in biomedical text" (PSB 2003):
   "… coopérative d'activité et d'emploi (CAE) …" and "CAE (coopérative d'activité …)";
2. the built-in table ``data/acronyms-fr.tsv`` of the standard ESS acronyms, each with the
   legal text or network that defines it;
3. for an acronym the corpus (or a question) uses but nobody defines, the runs of words in
   the documents whose content-word initials spell it, linked by at least one of d', de,
   et, l', la, des… ("structures d'insertion par l'activité économique" -> SIAE).

:meth:`Acronyms.from_corpus` computes 1 and 3 once per index generation (see
``Snapshot.acronyms``); acronyms first seen in a question are looked up on demand, once.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assistant.settings import DATA_DIR
from assistant.text.analysis import fold, is_stop_word

DEFAULT_TABLE = DATA_DIR / "acronyms-fr.tsv"

# Words an expansion may hold without them giving a letter to the acronym (compared folded;
# elided forms "d'", "l'" are the bare letter once the apostrophe is dropped).
CONNECTORS = frozenset(
    """d de du des et l la le les en par pour a au aux un une sur dans & of and the for
    to in""".split()
)
_MAX_LETTERS = 10
_SCAN_MIN, _SCAN_MAX = 3, 6  # acronyms looked for by initials alone: shorter ones match anything
_SCAN_LIMIT = 3  # spelled-out forms kept per acronym found by initials, most frequent first
# Word tokens for scanning: words (no digits), "&", and everything that ends a phrase. An
# apostrophe or hyphen joins ("d'emploi", "tiers-lieu"); other punctuation, digits and
# line breaks end the run.
_SCAN = re.compile(r"[^\W\d_]+|&|\n|\d+|[^\w\s'’-]")
_PAREN = re.compile(r"\(\s*([^()\n]{1,200}?)\s*\)")
_WORD = re.compile(r"[^\W\d_]+|&")


@dataclass(frozen=True)
class AcronymPair:
    """One acronym and one of its expansions, as written, and where the pair comes from:
    ``"defined in <doc id>"``, ``"spelled out in <doc id>"`` or the table's source."""

    acronym: str
    expansion: str
    source: str


@cache
def builtin_pairs(path: Path = DEFAULT_TABLE) -> tuple[AcronymPair, ...]:
    """The pairs of the TSV table ``path`` (ACRONYM, expansions separated by |, source)."""
    pairs: list[AcronymPair] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path}:{number}: expected 'ACRONYM<TAB>expansions<TAB>source'")
        acronym, expansions, source = (p.strip() for p in parts)
        pairs.extend(AcronymPair(acronym, e.strip(), source) for e in expansions.split("|"))
    return tuple(pairs)


_ACRONYM_PLURAL = re.compile(r"\b([A-Z]{2,})s\b")


class Acronyms:
    """Acronym <-> expansion pairs, looked up case- and accent-insensitively.

    ``texts`` (doc id -> text) are the documents searched, on demand, for an acronym that no
    pair covers. Thread-safe: lookups may run from several request threads at once.
    """

    def __init__(self, pairs: Iterable[AcronymPair], texts: Mapping[str, str] | None = None):
        self.pairs: list[AcronymPair] = []
        self._expansions: dict[str, list[str]] = {}  # acronym key -> expansions, trusted first
        self._acronyms: dict[str, list[str]] = {}  # expansion key -> acronyms
        self._texts = texts or {}
        self._lock = threading.Lock()
        self._patterns: dict[str, re.Pattern[str]] = {}
        for pair in pairs:
            self._add(pair)

    @classmethod
    def from_corpus(
        cls, texts: Mapping[str, str], table: Sequence[AcronymPair] | None = None
    ) -> Acronyms:
        """The pairs ``texts`` (doc id -> text) define, then ``table`` (default: the built-in
        one), then spelled-out forms of the acronyms the texts use but do not define."""
        table = builtin_pairs() if table is None else table
        defined = [pair for doc_id, text in texts.items() for pair in definitions(text, doc_id)]
        acronyms = cls([*defined, *table], texts)
        used = {_key(token) for text in texts.values() for token in _caps_tokens(text)}
        wanted = {
            k for k in used if _SCAN_MIN <= len(k) <= _SCAN_MAX and k not in acronyms._expansions
        }
        for pair in _spelled_pairs(texts, wanted):
            acronyms._add(pair)
        return acronyms

    # -- lookups -------------------------------------------------------------------------

    def expansions(self, acronym: str) -> tuple[str, ...]:
        """The expansions of ``acronym`` (any case), the documents' own first. An acronym
        nobody defined is looked for once in the documents, by its initials."""
        key = _key(acronym)
        with self._lock:
            known = self._expansions.get(key)
        if known is not None:
            return tuple(known)
        if not _SCAN_MIN <= len(key) <= _SCAN_MAX or not self._texts:
            return ()
        found = _spelled_pairs(self._texts, {key})
        with self._lock:
            for pair in found:
                self._add(pair)
            return tuple(self._expansions.setdefault(key, []))

    def acronyms(self, expansion: str) -> tuple[str, ...]:
        """The acronyms that ``expansion`` spells out (singular or plural)."""
        return tuple(self._acronyms.get(_phrase_key(expansion), ()))

    def matches(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """``(form as written in text, its other forms)`` for each acronym and each spelled-out
        name in ``text``, in text order; a longer form hides the shorter ones inside it.

        ``"Quelle librairie est devenue une SCIC ?"`` ->
        ``[("SCIC", ("société coopérative d'intérêt collectif",))]``; an acronym maps to its
        expansions, an expansion to its acronyms.
        """
        flat = _flat(text)
        found: list[tuple[int, int, tuple[str, ...]]] = []
        shouting = _mostly_caps(text)  # "QUELLE LIBRAIRIE…": its words are not acronyms
        for match in re.finditer(r"[^\W\d_]+", text):
            token = match.group()
            if not _written_as_acronym(token, self._known(token), shouting):
                continue
            forms = self.expansions(token)
            if forms:
                found.append((match.start(), match.end(), forms))
        with self._lock:
            keys = list(self._acronyms)
        for key in keys:
            for hit in self._pattern(key).finditer(flat):
                found.append((hit.start(), hit.end(), tuple(self._acronyms[key])))
        found.sort(key=lambda f: (f[0] - f[1], f[0]))  # longest first
        taken: list[tuple[int, int, tuple[str, ...]]] = []
        for start, end, forms in found:
            if all(end <= s or start >= e for s, e, _ in taken):
                taken.append((start, end, forms))
        return [(text[s:e], forms) for s, e, forms in sorted(taken)]

    def mentioned(self, name: str, folded_text: str) -> bool:
        """Whether ``folded_text`` (a text passed through :func:`assistant.text.analysis.fold`)
        names ``name`` in some form: ``"CAE Ozon"`` is named by "la coopérative d'activité et
        d'emploi Ozon", ``"Société Coopérative"`` by "la SCIC". Each acronym of the name and
        each run of its other words must be there, though not necessarily side by side. An
        acronym's English plural is the acronym ("How many CAEs…" is about CAE)."""
        name = _ACRONYM_PLURAL.sub(r"\1", name)
        if fold(name) in folded_text:
            return True
        pieces: list[str] = []
        run: list[str] = []
        for word in name.split():
            if _written_as_acronym(word, self._known(word), shouting=False):
                pieces.extend([" ".join(run), word] if run else [word])
                run = []
            else:
                run.append(word)
        if run:
            pieces.append(" ".join(run))
        return all(self._piece_mentioned(piece, folded_text) for piece in pieces)

    # -- internals -------------------------------------------------------------------------

    def _piece_mentioned(self, piece: str, folded_text: str) -> bool:
        if _contains_words(folded_text, fold(piece)):
            return True
        if " " not in piece and _written_as_acronym(piece, self._known(piece), False):
            return any(
                self._pattern(_phrase_key(e)).search(folded_text) for e in self.expansions(piece)
            )
        # Words of a spelled-out name ("Société Coopérative", "Emploi Ozon"): those that
        # belong to an expansion whose acronym the text uses are named by that acronym; the
        # others must still be there, each run of them side by side.
        words = _phrase_key(piece).split()
        content = {w for w in words if w not in CONNECTORS}
        with self._lock:  # only the expansions that share a word with the name: few or none
            groups = [(p, list(a)) for p, a in self._acronyms.items() if content & set(p.split())]
        named = {
            word
            for phrase, acronyms in groups
            if any(_contains_words(folded_text, fold(a)) for a in acronyms)
            for word in phrase.split()
        }
        if not content & named:
            return False
        covered = [w in named or w in CONNECTORS for w in words]
        runs = " ".join(w if not c else "|" for w, c in zip(words, covered, strict=True))
        return all(
            self._pattern(run.strip()).search(folded_text) for run in runs.split("|") if run.strip()
        )

    def _known(self, token: str) -> bool:
        key = _key(token)
        with self._lock:
            return bool(self._expansions.get(key))

    def _add(self, pair: AcronymPair) -> None:
        key, phrase = _key(pair.acronym), _phrase_key(pair.expansion)
        if not key or not phrase or phrase == key:
            return
        expansions = self._expansions.setdefault(key, [])
        if all(_phrase_key(e) != phrase for e in expansions):
            expansions.append(pair.expansion)
            self.pairs.append(pair)
        acronyms = self._acronyms.setdefault(phrase, [])
        if all(_key(a) != key for a in acronyms):
            acronyms.append(pair.acronym)

    def _pattern(self, phrase_key: str) -> re.Pattern[str]:
        """The expansion as a regular expression over folded text (by :func:`fold` or
        :func:`_flat`): its words in order, each possibly plural, separated by spaces,
        apostrophes or hyphens; "et" may be written "&"."""
        with self._lock:
            pattern = self._patterns.get(phrase_key)
            if pattern is None:
                parts = [
                    "(?:et|&)" if w == "et" else re.escape(w) + "[sx]?" for w in phrase_key.split()
                ]
                body = r"[\s'’-]+".join(parts)
                pattern = re.compile(rf"(?<![^\W_]){body}(?![^\W_])", re.IGNORECASE)
                self._patterns[phrase_key] = pattern
            return pattern


# -- finding pairs in text -----------------------------------------------------------------


def definitions(text: str, source: str = "") -> list[AcronymPair]:
    """The acronyms ``text`` defines in parentheses, both ways round:
    ``"une coopérative d'activité et d'emploi (CAE)"`` and ``"la CAE (coopérative d'activité
    et d'emploi)"`` both give ``AcronymPair("CAE", "coopérative d'activité et d'emploi", …)``.
    The long form is the shortest run of words before the parenthesis (at most
    min(letters + 5, 2 × letters) words, within the sentence) that the acronym's letters
    abbreviate, in order, its first letter starting a word (Schwartz & Hearst 2003)."""
    pairs: list[AcronymPair] = []
    where = f"defined in {source}" if source else "defined in the text"
    for paren in _PAREN.finditer(text):
        inner = re.split(r"[,;:]", paren.group(1))[0].strip()
        if _looks_like_acronym(inner):  # "... d'emploi (CAE)"
            window = _words_before(text, paren.start(), _window(inner))
            long_form = _long_form(inner, text, window)
            if long_form is not None:
                pairs.append(AcronymPair(inner, long_form, where))
            continue
        before = _words_before(text, paren.start(), 1)
        inside = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, *paren.span(1))]
        if before and _looks_like_acronym(before[0][2]) and len(inside) >= 2:  # "CAE (...)"
            acronym = before[0][2]
            long_form = _long_form(acronym, text, inside, whole=True)
            if long_form is not None:
                pairs.append(AcronymPair(acronym, long_form, where))
    return pairs


def spelled_out(text: str, acronyms: Iterable[str]) -> list[tuple[str, str]]:
    """``(acronym key, expansion as written)`` for each run of words of ``text`` whose
    content-word initials spell one of ``acronyms`` (folded, lower case), the words linked
    by at least one connector (d', de, et, l', la, des, par…), each content word of three
    letters or more: ``spelled_out("La coopérative d'activité et d'emploi Ozon", ["cae"])``
    -> ``[("cae", "coopérative d'activité et d'emploi")]``. A run without any connector
    ("coopérative accompagne entrepreneurs") is more often a clause than a name."""
    targets = {_key(a) for a in acronyms}
    prefixes = {t[:i] for t in targets for i in range(1, len(t) + 1)}
    flat = _flat(text)
    tokens = [(m.start(), m.end(), m.group()) for m in _SCAN.finditer(flat)]
    found: list[tuple[str, str]] = []
    for i, (start, _, word) in enumerate(tokens):
        if not _content_word(word) or word[0] not in prefixes:
            continue
        initials, linked, j = word[0], False, i
        while initials in prefixes:
            if initials in targets and linked:
                found.append((initials, text[start : tokens[j][1]]))
            k = j + 1
            while k < len(tokens) and tokens[k][2] in CONNECTORS:
                k += 1
            if k >= len(tokens) or not _content_word(tokens[k][2]):
                break
            linked = linked or k > j + 1
            initials += tokens[k][2][0]
            j = k
    return found


def _spelled_pairs(texts: Mapping[str, str], targets: set[str]) -> list[AcronymPair]:
    """The most frequent spelled-out forms of each target acronym across ``texts``."""
    if not targets:
        return []
    counts: Counter[tuple[str, str]] = Counter()
    first_doc: dict[tuple[str, str], str] = {}
    spelling: dict[tuple[str, str], str] = {}
    hint = _initials_hint(targets)
    for doc_id, text in texts.items():
        for key, expansion in _spelled_in_lines(text, targets, hint):
            item = (key, _phrase_key(expansion))
            counts[item] += 1
            first_doc.setdefault(item, doc_id)
            spelling.setdefault(item, expansion)
    pairs: list[AcronymPair] = []
    per_key: Counter[str] = Counter()
    for item, _ in counts.most_common():
        key = item[0]
        if per_key[key] < _SCAN_LIMIT:
            per_key[key] += 1
            where = f"spelled out in {first_doc[item]}"
            pairs.append(AcronymPair(key.upper(), spelling[item], where))
    return pairs


# Between two content words of a spelled-out name: white space (not a line break),
# apostrophes or hyphens, and short words (every connector is one).
_SEP = r"(?:[^\S\n]|['’-])+"
_GAP = rf"(?:{_SEP}[^\W\d_]{{1,4}})*{_SEP}"


def _initials_hint(targets: Iterable[str]) -> re.Pattern[str]:
    """A regular expression that finds, in the raw text, every line that may spell out one
    of ``targets``: words of three letters or more with these initials (any case, any
    accent), with short words between them. The regular expression engine skips in C the
    lines :func:`spelled_out` would walk in Python, which makes looking up an acronym in a
    large corpus fast enough to do for a question."""
    alternatives = [
        _GAP.join(rf"{_letter(ch)}[^\W\d_]{{2,}}" for ch in key) for key in sorted(targets)
    ]
    return re.compile(rf"(?<![^\W\d_])(?:{'|'.join(alternatives)})(?![^\W\d_])")


@cache
def _letter(letter: str) -> str:
    """A character class of ``letter`` with every accent, in both cases: "e" -> [eéèêë…]."""
    variants = {letter, letter.upper()}
    for code in range(0xC0, 0x250):  # Latin-1 Supplement to Latin Extended-B
        if _flat_char(chr(code)) == letter:
            variants.update((chr(code), chr(code).upper()))
    return "[" + "".join(sorted(re.escape(v) for v in variants)) + "]"


def _spelled_in_lines(
    text: str, targets: set[str], hint: re.Pattern[str]
) -> Iterable[tuple[str, str]]:
    """:func:`spelled_out` over the lines of ``text`` that ``hint`` finds."""
    done = -1
    for match in hint.finditer(text):
        if match.start() < done:
            continue
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        done = len(text) if end < 0 else end
        yield from spelled_out(text[start:done], targets)


def _long_form(
    acronym: str, text: str, words: Sequence[tuple[int, int, str]], *, whole: bool = False
) -> str | None:
    """The shortest tail of ``words`` ((start, end, word) in ``text``) that ``acronym``
    abbreviates, as written in ``text``; with ``whole``, only all of them (after leading
    connectors such as "la", "une"). None when the letters do not fit."""
    letters = _key(acronym)
    if len(words) < 2 or not letters:
        return None
    flat = [_flat(w[2]) for w in words]
    joined = " ".join(flat)
    s, pos = len(letters) - 1, len(joined) - 1
    while s >= 0:
        c = letters[s]
        while pos >= 0 and (joined[pos] != c or (s == 0 and pos > 0 and joined[pos - 1].isalnum())):
            pos -= 1
        if pos < 0:
            return None
        pos -= 1
        s -= 1
    first = joined.count(" ", 0, pos + 1)  # the word holding the acronym's first letter
    if whole and any(w not in CONNECTORS for w in flat[:first]):
        return None
    if sum(w not in CONNECTORS for w in flat[first:]) < 2 or letters in flat[first:]:
        return None  # one word is no expansion; "SCIC (la SCIC du Clain)" is no definition
    return text[words[first][0] : words[-1][1]]


def _words_before(text: str, end: int, limit: int) -> list[tuple[int, int, str]]:
    """Up to ``limit`` words before ``text[end]``, within the same sentence, in order."""
    words: list[tuple[int, int, str]] = []
    start = max(0, end - 40 * limit)
    for m in _SCAN.finditer(text, start, end):
        token = m.group()
        if token.isalpha() or token == "&":
            words.append((m.start(), m.end(), token))
        else:
            words.clear()  # punctuation, digits or a line break: the sentence starts after
    return words[-limit:]


def _window(acronym: str) -> int:
    n = len(_key(acronym))
    return min(n + 5, 2 * n)


# -- small helpers ---------------------------------------------------------------------------


def _key(acronym: str) -> str:
    """``"S.C.I.C."``, ``"Scic"`` -> ``"scic"``."""
    return "".join(ch for ch in fold(acronym) if ch.isalpha())


def _phrase_key(phrase: str) -> str:
    """An expansion compared folded, word by word, singular: ``"Sociétés coopératives
    d’intérêt collectif"`` -> ``"societe cooperative d interet collectif"``."""
    words = [w if w != "&" else "et" for w in _WORD.findall(fold(phrase))]
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in words)


@cache
def _flat_char(ch: str) -> str:
    folded = fold(ch)
    return folded[0] if folded else ch


def _flat(text: str) -> str:
    """:func:`assistant.text.analysis.fold` keeping one character per character, so that
    offsets into the result are offsets into ``text`` ("œ" becomes "o", "…" stays)."""
    table = {ord(ch): _flat_char(ch) for ch in set(text)}
    return text.translate(table)


def _content_word(word: str) -> bool:
    return len(word) >= 3 and word.isalpha() and word not in CONNECTORS


def _looks_like_acronym(token: str) -> bool:
    """``"SCIC"``, ``"CRESS"``, ``"URScop"``; or a table acronym written as a word
    (``"Scop"``)."""
    if not 2 <= len(token) <= _MAX_LETTERS or not token.isalpha() or not token[0].isupper():
        return False
    upper = sum(ch.isupper() for ch in token)
    return (upper >= 2 and 2 * upper >= len(token)) or _key(token) in _table_keys()


def _written_as_acronym(token: str, known: bool, shouting: bool) -> bool:
    """Whether a word of a question is meant as an acronym: in capitals ("SCIC", not when
    the whole question is in capitals), or a known acronym of four letters or more written
    as a word ("Scop", "scic": short ones would catch ordinary words such as "sel")."""
    if not token.isalpha() or len(token) > _MAX_LETTERS or is_stop_word(token):
        return False
    if token.isupper() and len(token) >= 2 and not shouting:
        return known or len(token) >= _SCAN_MIN
    return known and len(token) >= 4


def _caps_tokens(text: str) -> list[str]:
    """Words in capitals in ``text`` (3 to 10 letters, not stop words), outside lines that
    are in capitals throughout (headings)."""
    found: list[str] = []
    for line in text.splitlines():
        if _mostly_caps(line):
            continue
        found.extend(t for t in re.findall(r"\b[A-ZÀ-Ý]{3,10}\b", line) if not is_stop_word(t))
    return found


def _mostly_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 12 and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)


def _contains_words(haystack: str, needle: str) -> bool:
    """``needle`` in ``haystack`` as whole words (both folded)."""
    if not needle:
        return False
    return re.search(rf"(?<![^\W_]){re.escape(needle)}(?![^\W_])", haystack) is not None


@cache
def _table_keys() -> frozenset[str]:
    return frozenset(_key(p.acronym) for p in builtin_pairs())
