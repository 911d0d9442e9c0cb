"""Clean raw source text before chunking: characters, page furniture, wrapping, ligatures.

`clean_text` is the only public function. It is deterministic and idempotent; the raw files
are never modified. The pipeline, one small function per step:

1. `_normalise_characters`: newlines, invisible characters, ligature code points, spaces.
2. `_remove_furniture`: advertising markers, subscription pitches, share/comment/author
   widgets, image file names, repeated URL lines, duplicated lines and captions, a rubric
   label above the title.
3. `_reflow`: join hard-wrapped lines of a paragraph, undoing end-of-line hyphenation.
4. `_repair_ligatures`: restore "fi", "fl", "ff", "ffi", "ffl" lost by PDF extraction
   ("ré exion" -> "réflexion"), checked against the word list of `assistant.text.lexicon`.
5. `_tidy_whitespace`: single spaces, at most one blank line between paragraphs.

Paragraphs are separated by a blank line ("\\n\\n"); a line break kept inside a paragraph
(an address block, a list) stays a single "\\n".
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import pairwise

from assistant.text.lexicon import get_lexicon, language_code

__all__ = ["clean_text"]

# A later step can expose work for an earlier one (a re-flowed line that duplicates the
# previous paragraph, say). Rerunning the pipeline until nothing changes makes the output a
# fixed point, hence idempotent; real documents settle after the first pass.
_MAX_PASSES = 10


def clean_text(raw: str, language: str = "fr") -> str:
    """Return `raw` cleaned for indexing; `language` ("fr", "en") picks the word list.

    Any other language uses French and English together (see `assistant.text.lexicon`).
    """
    code = language_code(language)  # "" when neither French nor English
    text = raw
    for _ in range(_MAX_PASSES):
        cleaned = _clean_once(text, code)
        if cleaned == text:
            break
        text = cleaned
    return text


def _clean_once(text: str, language: str) -> str:
    text = _normalise_characters(text)
    text = _remove_furniture(text)
    text = _reflow(text, language)
    text = _repair_ligatures(text, language)
    return _tidy_whitespace(text)


# --- 1. Characters -------------------------------------------------------------------------

_LINE_BREAKS = {
    "\r\n": "\n",
    "\r": "\n",
    "\u2029": "\n\n",  # paragraph separator
    "\u2028": "\n",  # line separator
    "\x0b": "\n",  # vertical tab
    "\x0c": "\n",  # form feed: a page break in PDF extractions
    "\x1c": "\n",
    "\x1d": "\n",
    "\x1e": "\n",
    "\x85": "\n",  # next line (C1)
}
_LINE_BREAK_RE = re.compile("|".join(re.escape(k) for k in _LINE_BREAKS))
# Presentation forms U+FB00-U+FB06: PDFs that kept their ligatures encode them this way.
_LIGATURE_CHARS = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)
_SPACES_RE = re.compile(r" {2,}")


def _normalise_characters(text: str) -> str:
    """Plain "\\n" newlines, no invisible characters, real letters, ordinary spaces."""
    text = _LINE_BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group()], text)
    text = text.translate(_LIGATURE_CHARS)
    text = "".join(_normalise_char(ch) for ch in text)
    # NFC after the removals: "e" + zero-width space + U+0301 must become one "é".
    text = unicodedata.normalize("NFC", text)
    return "\n".join(_SPACES_RE.sub(" ", line).strip(" ") for line in text.split("\n"))


def _normalise_char(ch: str) -> str:
    if ch == "\n":
        return ch
    if ch.isspace():  # tabs, no-break, narrow and other Unicode spaces
        return " "
    # Cf: BOM, zero-width characters, soft hyphen (U+00AD), bidi marks; Cc: control codes.
    # Neither carries text; both break word matching and offsets shown to users.
    if unicodedata.category(ch) in ("Cf", "Cc"):
        return ""
    return ch


# --- 2. Page furniture ---------------------------------------------------------------------


def _line_re(*alternatives: str) -> re.Pattern[str]:
    """A whole-line, case-insensitive pattern, tolerant of trailing punctuation and arrows."""
    body = "|".join(alternatives)
    return re.compile(rf"(?:{body})[\s.:!…›»>→]*", re.IGNORECASE)


_AD_LINE = _line_re(
    r"publicit[ée]",
    r"annonce publicitaire",
    r"advertis(?:ement|ing)",
    r"(?:contenu )?sponsoris[ée]e?",
    r"sponsored(?: content)?",
)
_COMMENT_OR_AUTHOR_LINE = _line_re(
    r"leave a (?:comment|reply)",
    r"post a comment",
    r"laiss(?:er|ez) un commentaire",
    r"ajouter un commentaire",
    r"\d+ (?:comments?|commentaires?)",
    r"about the author",
    r"[àa] propos de l['’]aut(?:eur|eure|rice)",
)
_SHARE_LINE = _line_re(
    r"partage[rz](?: (?:cet article|cette page|sur \S+))?",
    r"share(?: (?:this(?: article| post| page)?|on \S+))?",
)
_SOCIAL_LINE = re.compile(
    r"(?:(?:facebook|twitter|linkedin|whatsapp|pinterest|instagram|messenger)[\s,|·•/]*)+",
    re.IGNORECASE,
)
# A call-to-action button of a subscription pitch, alone on its line.
_CALL_TO_ACTION_LINE = _line_re(
    r"je découvre les offres",
    r"découvr(?:ez|ir) (?:nos|les) offres(?: premium)?",
    r"je m['’]abonne",
    r"s['’]abonner",
    r"abonnez-vous",
    r"subscribe(?: now| today| here)?",
    r"sign up(?: now)?",
    r"newsletter",
    r"(?:s['’]inscrire|inscrivez-vous) à (?:la|notre) newsletter",
    r"(?:subscribe to|sign up for) (?:our|the) newsletter",
)
# Phrases only a subscription pitch uses; a short paragraph containing one is dropped.
_PITCH_PHRASE = re.compile(
    r"\boffres? premium\b|\bpremium (?:offers?|subscription|membership)\b"
    r"|\babonnez-vous\b|\bje m['’]abonne\b|\bdéjà abonné|\balready a subscriber\b"
    r"|\bsubscribe (?:now|today|to our)\b"
    r"|\b(?:sign up|subscribe) (?:for|to) (?:our|the) newsletter\b"
    r"|\b(?:inscrivez-vous|abonnez-vous|recevez) à (?:la|notre) newsletter\b",
    re.IGNORECASE,
)
_PITCH_MAX_CHARS = 300  # longer paragraphs are dropped only if they end in a button line
_IMAGE_FILE_LINE = re.compile(r"\S+\.(?:png|jpe?g|gif|webp|svg)(?:\?\S*)?", re.IGNORECASE)
_CREDIT_LINE = re.compile(r"(?:©|cr[ée]dits? photos?\s*:|photo credits?\s*:).{0,80}", re.IGNORECASE)
# Extraction often glues a stray "." or bullet before a link: ".https://...".
_URL_LINE = re.compile(r"[^\w\s]*(?P<url>(?:https?://|www\.)\S+?)[.,;:!)»]*")
# Section labels a press site prints above a title ("Théma"), one word alone on its line.
_RUBRIC_LABELS = frozenset(
    {
        "actu",
        "actualité",
        "actualités",
        "chronique",
        "décryptage",
        "dossier",
        "édito",
        "éditorial",
        "editorial",
        "enquête",
        "opinion",
        "reportage",
        "théma",
        "thema",
        "tribune",
    }
)
# "caption (Photo credit)" right after "caption": the same caption with its credit appended.
_TRAILING_CREDIT = re.compile(r"\s*\([^()]{1,60}\)")
_MIN_CAPTION_CHARS = 30


def _remove_furniture(text: str) -> str:
    """Drop lines that belong to the web page or the print layout, not to the document."""
    lines = _drop_pitch_paragraphs(text.split("\n"))
    kept: list[str] = []
    previous: str | None = None  # last kept non-blank line
    seen_urls: set[str] = set()
    for line in lines:
        if not line:
            kept.append(line)
            continue
        if _is_furniture_line(line):
            continue
        # A rubric label counts only above the first line of content (the title).
        if previous is None and line.casefold() in _RUBRIC_LABELS:
            continue
        url = _URL_LINE.fullmatch(line)
        if url:
            # A link repeated on the page is navigation; the first one may be the
            # document's own address, so it stays (without the glued punctuation).
            if url["url"] in seen_urls:
                continue
            seen_urls.add(url["url"])
            line = url["url"]
        if previous is not None and _repeats(previous, line):
            continue
        kept.append(line)
        previous = line
    return "\n".join(kept)


def _is_furniture_line(line: str) -> bool:
    patterns = (
        _AD_LINE,
        _COMMENT_OR_AUTHOR_LINE,
        _SHARE_LINE,
        _SOCIAL_LINE,
        _CALL_TO_ACTION_LINE,
        _IMAGE_FILE_LINE,
        _CREDIT_LINE,
    )
    return any(pattern.fullmatch(line) for pattern in patterns)


def _repeats(previous: str, line: str) -> bool:
    """`line` repeats `previous`, or is its caption again with a "(credit)" appended."""
    if line == previous:
        return True
    if len(previous) < _MIN_CAPTION_CHARS or not line.startswith(previous):
        return False
    return _TRAILING_CREDIT.fullmatch(line[len(previous) :]) is not None


def _drop_pitch_paragraphs(lines: list[str]) -> list[str]:
    """Remove paragraphs that sell a subscription (short, or ending in a button line)."""
    kept: list[str] = []
    for block in _blocks(lines):
        body = "\n".join(block)
        is_pitch = _PITCH_PHRASE.search(body) is not None and (
            len(body) <= _PITCH_MAX_CHARS or any(_CALL_TO_ACTION_LINE.fullmatch(x) for x in block)
        )
        if not is_pitch:
            kept.extend(block)
    return kept


def _blocks(lines: Iterable[str]) -> Iterable[list[str]]:
    """Consecutive non-blank lines as one block; every blank line as a block of its own."""
    block: list[str] = []
    for line in lines:
        if line:
            block.append(line)
            continue
        if block:
            yield block
            block = []
        yield [line]
    if block:
        yield block


# --- 3. Hard-wrapped lines -----------------------------------------------------------------

_ENDS_CLAUSE = re.compile(r"[.!?…:;]$")  # a sentence, heading label or list item ends here
_ENDS_QUOTE = re.compile(r"[»”\"'’]$")
_HYPHENATED_END = re.compile(r"([^\W\d_]+)-$")
_LEADING_WORD = re.compile(r"[^\W\d_]+")
_CONTINUATION_START = re.compile(r"[\w(«“\"'\[]")
_MIN_WRAP_WIDTH = 60  # narrower "wrapping" is more likely a list or an address block
_LONG_LINE_RATIO = 0.8  # a line this close to the wrap width was cut by the wrapper
_MIN_WRAPPED_LINES = 3  # fewer lines at one width do not make a wrapped document


def _reflow(text: str, language: str) -> str:
    """Join the lines of a paragraph that a fixed-width layout cut mid-sentence."""
    lines = text.split("\n")
    width = _wrap_width(lines)
    out: list[str] = []
    last = ""  # the previous physical line, before any join
    for line in lines:
        if out and last and line and _continues(last, line, width):
            out[-1] = _join_lines(out[-1], line, language)
        else:
            out.append(line)
        last = line
    return "\n".join(out)


def _wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped document was cut at, or None if it does not look wrapped.

    Candidates are lines followed by another line of the same paragraph without ending a
    clause. The width is the longest candidate with enough others close below it, most of
    them continued in lowercase (cut mid-sentence): a single long line (an unwrapped
    paragraph) or a list of similar items does not set it.
    """
    pairs = sorted(
        (len(line), following[0].islower())
        for line, following in pairwise(lines)
        if line and following and not _ENDS_CLAUSE.search(line)
    )
    lengths = [length for length, _ in pairs]
    lowercase_before = [0]  # lowercase_before[i]: lowercase continuations among pairs[:i]
    for _, continued_lowercase in pairs:
        lowercase_before.append(lowercase_before[-1] + int(continued_lowercase))
    for width in sorted(set(lengths), reverse=True):
        if width < _MIN_WRAP_WIDTH:
            break
        low = bisect_left(lengths, _LONG_LINE_RATIO * width)
        high = bisect_right(lengths, width)
        close, lowercase = high - low, lowercase_before[high] - lowercase_before[low]
        if close >= _MIN_WRAPPED_LINES and 2 * lowercase >= close:
            return width
    return None


def _continues(previous: str, line: str, width: int | None) -> bool:
    """Whether `line` continues the sentence of the physical line `previous`."""
    if _HYPHENATED_END.search(previous) and line[0].isalpha():
        return True  # "coopé-" / "ratives", "Nouvelle-" / "Aquitaine"
    if _ENDS_CLAUSE.search(previous) or _is_upper_heading(previous):
        return False
    if line[0].islower():
        return True
    return (
        width is not None
        and len(previous) >= _LONG_LINE_RATIO * width
        and not _ENDS_QUOTE.search(previous)
        and _CONTINUATION_START.match(line) is not None
    )


def _is_upper_heading(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def _join_lines(left: str, right: str, language: str) -> str:
    """Join two wrapped lines; drop a hyphenation hyphen only if that makes a known word."""
    hyphenated = _HYPHENATED_END.search(left)
    if hyphenated is None:
        return f"{left} {right}"
    head = _LEADING_WORD.match(right)
    if head and right[0].islower() and hyphenated[1] + head[0] in get_lexicon(language):
        return left[:-1] + right
    return left + right  # a real compound: "Nouvelle-Aquitaine", "bien-être"


# --- 4. Lost ligatures ---------------------------------------------------------------------

_LIGATURES = ("fi", "fl", "ff", "ffi", "ffl")
# A left piece may carry opening punctuation and an elided article ("l’e cace"); a right
# piece may carry closing punctuation ("En n,"). The pieces themselves are letters only.
_LEFT_PIECE = re.compile(
    r"(?P<pre>[(\[«“\"‘]*(?:(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’])?)(?P<core>[^\W\d_]+)",
    re.IGNORECASE,
)
_RIGHT_PIECE = re.compile(r"(?P<core>[^\W\d_]+)(?P<post>[)\]»”\"’.,;:!?…]*)")
_LONE_PIECE = re.compile(
    r"(?P<pre>[(\[«“\"‘]*)(?P<core>[^\W\d_]+)(?P<post>[)\]»”\"’.,;:!?…]*)",
)
_SINGLE_LETTER_WORDS = {"fr": frozenset("aàyô"), "en": frozenset("aio")}
# Letters left alone by a lost apostrophe ("l ESS", "don t"), not by a lost ligature.
_FR_ELISIONS = frozenset({"c", "d", "j", "l", "m", "n", "s", "t", "qu"})
_EN_CONTRACTIONS = frozenset({"d", "ll", "m", "re", "s", "t", "ve"})
_VOWEL_OR_H = frozenset("aâàäeéèêëiîïoôöuùûüyh")
_SHORT_RARE_FREQUENCY = 5000  # two letters rarer than this ("ré", "dé") look like a piece
_MIN_PAIR_FREQUENCY = 50  # the lists' floor: any listed word; the fragment is the evidence
_MIN_SINGLE_FREQUENCY = 1000  # one lone fragment is weaker evidence: common words only


def _repair_ligatures(text: str, language: str) -> str:
    """Restore ligatures a PDF extraction turned into spaces ("dé nie" -> "définie")."""
    return "\n".join(_repair_line(line, language) for line in text.split("\n"))


def _repair_line(line: str, language: str) -> str:
    if not line:
        return line
    tokens = line.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        joined = _join_pair(token, following, language) if following is not None else None
        if joined is not None:
            tokens[i + 1] = joined  # the joined word may take the next piece too
        else:
            previous = out[-1] if out else None
            out.append(_complete_single(token, previous, following, language) or token)
        i += 1
    return " ".join(out)


def _join_pair(left: str, right: str, language: str) -> str | None:
    """Join two pieces of one word ("ré exion" -> "réflexion", "En n," -> "Enfin,"), or None."""
    lm = _LEFT_PIECE.fullmatch(left)
    rm = _RIGHT_PIECE.fullmatch(right)
    if lm is None or rm is None:
        return None
    head, tail = lm["core"], rm["core"]
    # The tail of a word is lowercase; the head is lowercase or capitalised ("En n").
    if not tail.islower() or not (len(head) == 1 or head[1:].islower()):
        return None
    if not (_is_fragment(head, language) or _is_fragment(tail, language)):
        return None
    word = _best_word((head + lig + tail for lig in _LIGATURES), language, _MIN_PAIR_FREQUENCY)
    return None if word is None else lm["pre"] + word + rm["post"]


def _complete_single(
    token: str, previous: str | None, following: str | None, language: str
) -> str | None:
    """Complete a lone piece inside running text ("au l des" -> "au fil des"), or None."""
    match = _LONE_PIECE.fullmatch(token)
    if match is None or previous is None or not previous[-1].isalpha():
        return None
    core, post = match["core"], match["post"]
    if not post and not (following and following[0].isalpha()):
        return None
    lexicon = get_lexicon(language)
    is_lost = core not in lexicon or (len(core) == 1 and not _is_single_word(core, language))
    if not core.islower() or not is_lost or _is_broken_apostrophe(core, following, language):
        return None
    candidates = [lig + core for lig in _LIGATURES] + [core + lig for lig in _LIGATURES]
    word = _best_word(candidates, language, _MIN_SINGLE_FREQUENCY)
    return None if word is None else match["pre"] + word + post


def _best_word(candidates: Iterable[str], language: str, min_frequency: int) -> str | None:
    """The most frequent candidate that is a word of the lexicon, if any."""
    lexicon = get_lexicon(language)
    scored = [(lexicon.frequency(c), c) for c in candidates]
    best = max(scored, default=(0, ""), key=lambda item: item[0])
    return best[1] if best[0] >= min_frequency else None


def _is_fragment(piece: str, language: str) -> bool:
    """Whether `piece` looks like part of a word rather than a word of its own."""
    if len(piece) == 1:
        return not _is_single_word(piece, language)
    frequency = get_lexicon(language).frequency(piece)
    return frequency == 0 or (len(piece) == 2 and frequency < _SHORT_RARE_FREQUENCY)


def _is_single_word(letter: str, language: str) -> bool:
    lower = letter.lower()
    words = _SINGLE_LETTER_WORDS.get(language)
    if words is None:
        return any(lower in ws for ws in _SINGLE_LETTER_WORDS.values())
    return lower in words


def _is_broken_apostrophe(core: str, following: str | None, language: str) -> bool:
    """Whether `core` was cut off by a lost apostrophe ("l ESS", "don t"): leave it alone."""
    lower = core.lower()
    next_initial = (following or " ")[0].lower()
    french = language != "en" and lower in _FR_ELISIONS and next_initial in _VOWEL_OR_H
    english = language != "fr" and lower in _EN_CONTRACTIONS
    return french or english


# --- 5. Whitespace -------------------------------------------------------------------------

_BLANK_RUNS = re.compile(r"\n{3,}")


def _tidy_whitespace(text: str) -> str:
    """Single spaces, trimmed lines, at most one blank line between paragraphs."""
    lines = (_SPACES_RE.sub(" ", line).strip(" ") for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
