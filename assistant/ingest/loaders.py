"""Turn source files (.txt, .md, .html, .pdf, .docx) into raw text plus title/author/date hints.

Every failure becomes an `UnreadableFileError` whose `reason` a non-programmer can act on.
Parsing libraries are imported inside the per-format readers so importing this module is cheap.
Text is returned uncleaned (the cleaning module does that) but never contains NUL characters.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.documents import LoadedText
from assistant.errors import UnreadableFileError

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from pypdf import PdfReader

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_SNIFF_BYTES = 8 * 1024
# Share of control characters above which a "text" file is treated as binary.
_MAX_CONTROL_SHARE = 0.10
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D} | {0x7F}

_NO_TEXT_HINTS = {
    "txt": "only whitespace",
    "md": "only whitespace or Markdown markup",
    "html": "the page has no visible text",
    "pdf": "scanned PDF? it needs OCR first",
    "docx": "the document has no text in its paragraphs or tables",
}


class _ReadError(Exception):
    """Raised by the per-format readers; `load_file` adds the path."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _EncodingError(_ReadError):
    """Bytes that are text but not in an accepted encoding."""


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def load_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Read one source file; raise `UnreadableFileError` with a plain-words reason on failure."""
    reader = _reader(path)
    try:
        data = _read_bytes(path, max_bytes)
    except _ReadError as exc:
        raise UnreadableFileError(path, exc.reason) from exc
    return _load(path, reader, data)


def load_bytes(name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Read the content of a file called ``name`` (its suffix says the format) as
    :func:`load_file` reads the file: what an upload is checked with before it is written.

    Raises:
        UnreadableFileError: unsupported format, empty, over ``max_bytes``, not what its
            suffix says, or no text; the reason in plain words.
    """
    path = Path(name)
    reader = _reader(path)
    if len(data) > max_bytes:  # an upload is read one byte past the limit, no further
        limit = _format_size(max_bytes, compact=True)
        raise UnreadableFileError(path, f"over the {limit} limit (setting max_file_mb)")
    try:
        _check_size(len(data), max_bytes)
    except _ReadError as exc:
        raise UnreadableFileError(path, exc.reason) from exc
    return _load(path, reader, data)


def _reader(path: Path) -> Callable[[bytes], LoadedText]:
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFileError(path, _unsupported_reason(path.suffix.lower()))
    return reader


def _load(path: Path, reader: Callable[[bytes], LoadedText], data: bytes) -> LoadedText:
    try:
        loaded = reader(data)
    except _ReadError as exc:
        raise UnreadableFileError(path, exc.reason) from exc
    except Exception as exc:  # a parser bug or odd input must not crash a whole ingest
        raise UnreadableFileError(path, f"could not read the file: {_short(exc)}") from exc
    text = loaded.text.replace("\x00", "")
    if not text.strip():
        hint = _NO_TEXT_HINTS.get(loaded.format, "")
        raise UnreadableFileError(path, f"no extractable text ({hint})" if hint else "no text")
    return replace(loaded, text=text)


def iter_source_files(root: Path) -> Iterator[Path]:
    """Yield every candidate file under `root`, sorted, including unsupported ones.

    Skips hidden entries, `sources.toml`, README* files and Office lock files (`~$*`).
    Directory symlinks are never followed (their targets are either outside `root` or
    already walked); file symlinks are yielded only if they resolve inside `root`.
    """
    base = root.resolve(strict=True)
    if not base.is_dir():
        raise NotADirectoryError(str(root))
    yield from sorted(_walk(root, base))


# ---------------------------------------------------------------------------
# Walking and reading bytes
# ---------------------------------------------------------------------------


def _walk(directory: Path, base: Path) -> Iterator[Path]:
    with os.scandir(directory) as entries:
        for entry in entries:
            if _is_ignored_name(entry.name):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                if _is_safe_file_link(path, base):
                    yield path
            elif entry.is_dir(follow_symlinks=False):
                yield from _walk(path, base)
            elif entry.is_file(follow_symlinks=False):
                yield path


def _is_ignored_name(name: str) -> bool:
    # "~$name.docx" files are Office lock files, created while a document is open.
    hidden_or_lock = name.startswith((".", "~$"))
    return hidden_or_lock or name == "sources.toml" or name.upper().startswith("README")


def _is_safe_file_link(link: Path, base: Path) -> bool:
    """True if the symlink resolves to a regular file inside `base` (nothing outside is read)."""
    try:
        target = link.resolve(strict=True)
        return target.is_relative_to(base) and stat.S_ISREG(target.stat().st_mode)
    except (OSError, RuntimeError):  # broken link or symlink loop
        return False


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _ReadError("not a regular file")
        _check_size(info.st_size, max_bytes)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # +1: notice a file that grew since stat()
    except OSError as exc:
        raise _ReadError(f"cannot open the file ({exc.strerror or exc})") from exc
    _check_size(len(data), max_bytes)
    return data


def _check_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise _ReadError("empty file")
    if size > max_bytes:
        raise _ReadError(
            f"file is {_format_size(size)}, over the {_format_size(max_bytes, compact=True)} "
            "limit (setting max_file_mb)"
        )


def _format_size(size: int, compact: bool = False) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            number = f"{size / scale:.1f}"
            if compact:
                number = number.removesuffix(".0")
            return f"{number} {unit}"
    return f"{size} bytes"


def _unsupported_reason(suffix: str) -> str:
    supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
    shown = f"'{suffix}'" if suffix else "(no file extension)"
    return f"unsupported format {shown}; supported: {supported}"


def _short(exc: BaseException) -> str:
    """First line of an exception message, trimmed, for use inside a reason."""
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else type(exc).__name__
    return message if len(message) <= 120 else message[:117] + "..."


# ---------------------------------------------------------------------------
# Text decoding (shared by .txt, .md and .html)
# ---------------------------------------------------------------------------


def _decode_text(data: bytes, *, detect: bool = True) -> tuple[str, str]:
    """``(text, encoding)``: UTF-8 (with or without BOM) or BOM-marked UTF-16; otherwise,
    with ``detect``, the Western European encoding charset-normalizer finds (Windows-1252,
    Latin-1/9, Mac Roman: what French Windows and Mac editors still write). Binary content
    and text no such encoding fits are refused with the reason."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _EncodingError("not valid UTF-16 text; save the file as UTF-8") from exc
        _reject_binary(text[:_SNIFF_BYTES].encode("utf-8", "replace"))
        return text, "utf_16"
    _reject_binary(data[:_SNIFF_BYTES])
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8"), "utf_8"
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        problem = f"not valid UTF-8 (invalid byte 0x{data[offset]:02X} at offset {offset})"
        if detect and (found := _western_text(data)) is not None:
            return found
        raise _EncodingError(
            f"{problem} nor Western European text; save the file as UTF-8"
        ) from exc


# Encodings a French or English text not in UTF-8 is written in. charset-normalizer left to
# choose among all reads French as Central European (cp1250: "à" -> "ŕ") or worse.
_WESTERN_ENCODINGS = ["cp1252", "latin_1", "iso8859_15", "mac_roman", "cp850"]


def _western_text(data: bytes) -> tuple[str, str] | None:
    """The text in the Western European encoding that reads it with the least mess (as
    charset-normalizer measures it); of equally clean readings, the most common encoding
    first (Windows-1252 before Mac Roman: "Économie" is clean in both)."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=_WESTERN_ENCODINGS))
    if not matches:
        return None
    cleanest = min(match.chaos for match in matches)
    clean = [match for match in matches if match.chaos <= cleanest + 0.01]
    best = min(clean, key=lambda match: _WESTERN_ENCODINGS.index(str(match.encoding)))
    return str(best), str(best.encoding)


def _reject_binary(sample: bytes) -> None:
    controls = sum(1 for byte in sample if byte in _CONTROL_BYTES)
    if b"\x00" in sample or controls > _MAX_CONTROL_SHARE * len(sample):
        raise _ReadError("binary content, not text")


def _iso_date(value: object) -> str:
    """Normalise a date hint to YYYY-MM-DD (or YYYY-MM / YYYY); "" if not recognisable."""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = str(value or "").strip()
    # PDF dates look like D:20240115093000+01'00' (month and day are optional).
    pdf_style = re.match(r"^D:(\d{4})(\d{2})?(\d{2})?", text)
    if match := pdf_style or re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?!\d)", text):
        return "-".join(part for part in match.groups() if part)
    # Day-first numeric dates, as written in France: 15/01/2024.
    if match := re.match(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$", text):
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return ""


# ---------------------------------------------------------------------------
# .txt
# ---------------------------------------------------------------------------


def _read_txt(data: bytes) -> LoadedText:
    text, encoding = _decode_text(data)
    return LoadedText(text=text, format="txt", encoding=encoding)


# ---------------------------------------------------------------------------
# .md / .markdown
# ---------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)

# Front matter keys, in order of trust: who publishes (Hugo, Jekyll and Obsidian notes
# use all of these), and when the note was last changed.
_FM_PUBLISHER = ("publisher", "éditeur", "editeur", "site_name", "site", "organization",
                 "organisation", "source")  # fmt: skip
_FM_UPDATED = ("updated", "modified", "lastmod", "last_modified", "last_updated",
               "date_modified", "datemodified")  # fmt: skip


def _read_markdown(data: bytes) -> LoadedText:
    from assistant.ingest.file_metadata import pick_publisher
    from assistant.ingest.markdown_text import markdown_text

    text, encoding = _decode_text(data)
    meta, body = _split_front_matter(text)
    plain, first_h1 = markdown_text(body)
    author = meta.get("author", "")
    dated = _iso_date(meta.get("date") or meta.get("published", ""))
    updated = _iso_date(next((meta[key] for key in _FM_UPDATED if meta.get(key)), ""))
    publisher, publisher_source = pick_publisher(
        (meta.get(key) for key in _FM_PUBLISHER), author, "front matter"
    )
    return LoadedText(
        text=plain,
        title=meta.get("title") or first_h1,
        author=author,
        date=dated,
        format="md",
        date_source="front matter" if dated or updated else "",
        encoding=encoding,
        updated=updated,
        publisher=publisher,
        publisher_source=publisher_source,
    )


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Parse simple `key: value` YAML front matter (no YAML library needed) and remove it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    key = ""
    for line in match.group(1).splitlines():
        if item := re.match(r"^\s+-\s+(.+)$", line):  # list value, e.g. several authors
            if key:
                value = item.group(1).strip().strip("\"'")
                meta[key] = f"{meta[key]}, {value}" if meta.get(key) else value
        elif pair := re.match(r"^([^\W\d][\w-]*)\s*:\s*(.*)$", line):  # "éditeur:" too
            key = pair.group(1).lower()
            meta[key] = pair.group(2).strip().strip("\"'")
    return meta, text[match.end() :]


# ---------------------------------------------------------------------------
# .html / .htm
# ---------------------------------------------------------------------------

# Never content: code, styling, navigation chrome, forms and embedded media.
_HTML_DROP = frozenset(
    {
        "script", "style", "noscript", "template", "nav", "footer", "aside", "form",
        "iframe", "svg", "object", "embed", "canvas", "button", "select", "head",
        "link", "meta", "title",
    }
)  # fmt: skip
_HTML_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "caption", "dd", "details", "div", "dl",
        "dt", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "html", "li", "main", "ol", "p", "section", "summary", "table", "tbody", "tfoot",
        "thead", "ul",
    }
)  # fmt: skip
_HTML_LINE_KINDS = frozenset({"li", "tr"})  # consecutive items of these kinds: one per line
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)


def _read_html(data: bytes) -> LoadedText:
    """The page's main content (assistant.ingest.html_content): hidden elements removed first,
    then the article without the page's furniture; the whole visible page when no main
    content is found, with a note saying so. Title, publisher and dates: `_html_hints`."""
    from bs4 import BeautifulSoup

    from assistant.ingest.html_content import drop_hidden, main_content, within

    decoded, encoding = _decode_html(data)
    soup = BeautifulSoup(decoded, "html.parser")
    hints = _html_hints(soup)
    drop_hidden(soup)
    _drop_non_content(soup)
    notes: tuple[str, ...] = ()
    main = main_content(str(soup)) if soup.get_text().strip() else None
    text = _HtmlText(soup, within(main)).text() if main else ""
    if not text.strip():
        text = _HtmlText(soup).text()
        if text.strip():
            notes = ("no main content found in the page: its whole visible text is indexed",)
    return replace(hints, text=text, encoding=encoding, notes=notes)


def _decode_html(data: bytes) -> tuple[str, str]:
    """UTF-8/UTF-16 rules first, then the page's declared charset (old pages use latin-1...),
    then detection among Western European encodings."""
    try:
        return _decode_text(data, detect=False)
    except _EncodingError:
        codec = _declared_codec(data)
        if codec is None:
            return _decode_text(data)
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            raise _EncodingError(f"not valid {codec} text, as the page declares") from exc


def _declared_codec(data: bytes) -> str | None:
    """The page's <meta charset>, if it is a known codec other than UTF-8/16."""
    declared = _CHARSET.search(data[:_SNIFF_BYTES])
    if not declared:
        return None
    try:
        codec = codecs.lookup(declared.group(1).decode("ascii")).name
    except LookupError:
        return None
    return None if codec.startswith(("utf-8", "utf-16")) else codec


# <meta> names or properties, in order of trust.
_HTML_TITLE = ("og:title", "twitter:title", "dc.title", "dcterms.title")
_HTML_PUBLISHER = ("publisher", "dc.publisher", "dcterms.publisher", "article:publisher")
_HTML_PUBLISHED = ("article:published_time", "date", "dcterms.date", "dc.date")
_HTML_MODIFIED = ("article:modified_time", "og:updated_time", "dcterms.modified")


def _html_hints(soup: BeautifulSoup) -> LoadedText:
    """What the page says about itself, as a LoadedText without text yet. Each field
    takes the first found, in this order:

    - publisher: <meta name="publisher"> (or Dublin Core), JSON-LD ``publisher``,
      ``og:site_name``, a JSON-LD author that is an Organization, ``application-name``;
      the author as a last resort (see file_metadata.pick_publisher);
    - title: ``og:title`` (or Twitter, Dublin Core), JSON-LD ``headline``, <title>, each
      without the site's name, then the first <h1>;
    - author: <meta name="author">, ``dc.creator``, JSON-LD ``author``;
    - date: ``article:published_time`` (or Dublin Core), JSON-LD ``datePublished`` or
      ``dateCreated``, the first <time datetime>;
    - updated: ``article:modified_time``, ``og:updated_time``, JSON-LD ``dateModified``.
    """
    from assistant.ingest.file_metadata import is_site_name, page_title, pick_publisher

    metas: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = str(meta.get("name") or meta.get("property") or "").strip().lower()
        if key and key not in metas:
            metas[key] = str(meta.get("content") or "").strip()
    linked = _json_ld(soup)
    author = metas.get("author") or metas.get("dc.creator") or linked.get("author", "")
    sites = [
        *(metas.get(key, "") for key in _HTML_PUBLISHER),
        linked.get("publisher", ""),
        metas.get("og:site_name", ""),
        linked.get("organization", ""),
        metas.get("application-name", ""),
    ]
    publisher, publisher_source = pick_publisher(sites, author, "page metadata")
    heading = _tag_text(soup.find("h1"))
    titles = [*(metas.get(key, "") for key in _HTML_TITLE), linked.get("headline", "")]
    titles.append(_tag_text(soup.title))
    title = next(
        (page_title(t, sites, heading) for t in titles if t and not is_site_name(t, sites)),
        heading,
    )
    raw_date = next((metas[key] for key in _HTML_PUBLISHED if metas.get(key)), "")
    raw_date = raw_date or linked.get("datePublished", "") or linked.get("dateCreated", "")
    if not raw_date and (time := soup.find("time", attrs={"datetime": True})):
        raw_date = str(time.get("datetime"))
    raw_updated = next((metas[key] for key in _HTML_MODIFIED if metas.get(key)), "")
    published = _iso_date(raw_date)
    updated = _iso_date(raw_updated or linked.get("dateModified", ""))
    return LoadedText(
        text="",
        title=title,
        author=author,
        date=published,
        format="html",
        date_source="page metadata" if published or updated else "",
        updated=updated,
        publisher=publisher,
        publisher_source=publisher_source,
    )


def _json_ld(soup: BeautifulSoup) -> dict[str, str]:
    """From the page's JSON-LD (schema.org, as CMS themes write it for search engines),
    the first of each in the page's order: ``datePublished``, ``dateCreated``,
    ``dateModified``, ``headline``, ``author`` and ``publisher`` (names), and
    ``organization`` (the author's name when the author is an organization). A reference
    ``{"@id": ...}`` to another node of the page's graph, as SEO plugins write the
    publisher, is followed. Malformed blocks are ignored."""
    import json

    nodes: list[dict[str, Any]] = []
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.get_text())
        except ValueError:
            continue
        stack = [data]
        while stack:  # depth first, in the page's order (hence the reversals)
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                nodes.append(item)
                stack.extend(reversed([v for v in item.values() if isinstance(v, list | dict)]))
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1}
    found: dict[str, str] = {}
    for node in nodes:
        for key in ("datePublished", "dateCreated", "dateModified", "headline"):
            if isinstance(node.get(key), str) and node[key].strip():
                found.setdefault(key, node[key].strip())
        for key in ("author", "publisher"):
            name, kind = _ld_name(node.get(key), by_id)
            if name:
                found.setdefault(key, name)
                if key == "author" and _is_organization(kind):
                    found.setdefault("organization", name)
    return found


def _ld_name(value: object, by_id: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """``(name, @type)`` of a JSON-LD author or publisher: a string, an object with a
    ``name``, a reference to a node of the graph, or a list of those (the first)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and "name" not in value and isinstance(value.get("@id"), str):
        value = by_id.get(value["@id"], value)
    if isinstance(value, str):
        return value.strip(), ""
    if not isinstance(value, dict):
        return "", ""
    name, kind = value.get("name"), value.get("@type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    return (name.strip() if isinstance(name, str) else ""), str(kind or "")


def _is_organization(kind: str) -> bool:
    # schema.org's subtypes: NewsMediaOrganization, GovernmentOrganization, NGO, ...
    return kind.lower().endswith("organization") or kind in ("NGO", "Corporation")


def _tag_text(tag: object) -> str:
    from bs4 import Tag

    return " ".join(tag.get_text(" ").split()) if isinstance(tag, Tag) else ""


def _drop_non_content(soup: BeautifulSoup) -> None:
    """Remove never-content tags (see _HTML_DROP) and elements hidden from readers."""
    from bs4 import Tag

    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.decomposed:
            continue
        style = str(tag.get("style") or "").replace(" ", "").lower()
        if (
            tag.name in _HTML_DROP
            or tag.has_attr("hidden")
            or str(tag.get("aria-hidden", "")).lower() == "true"
            or "display:none" in style
        ):
            tag.decompose()


class _HtmlText:
    """Walks the tree: block elements become paragraphs, inline text is whitespace-collapsed."""

    def __init__(
        self, root: Tag | BeautifulSoup, keep: Callable[[str], bool] | None = None
    ) -> None:
        self._keep = keep  # which blocks are content (all when None)
        self._blocks: list[tuple[str, str]] = []  # (kind, text)
        self._buffer: list[str] = []
        self._stack = ["body"]
        self._walk(root)
        self._flush()

    def text(self) -> str:
        parts: list[str] = []
        previous = ""
        for kind, text in self._blocks:
            if parts:
                same_list = kind == previous and kind in _HTML_LINE_KINDS
                parts.append("\n" if same_list else "\n\n")
            parts.append(text)
            previous = kind
        return "".join(parts)

    def _walk(self, node: Tag | BeautifulSoup) -> None:
        from bs4 import Tag
        from bs4.element import NavigableString

        for child in node.children:
            if isinstance(child, Tag):
                self._visit_tag(child)
            elif isinstance(child, NavigableString) and _is_visible_string(child):
                self._buffer.append(str(child))

    def _visit_tag(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name == "br":
            self._flush()
        elif name == "pre":
            self._flush()
            self._add("pre", tag.get_text().strip("\n"))
        elif name == "tr":
            self._flush()
            self._add("tr", _html_row(tag))
        elif name in _HTML_BLOCKS:
            self._flush()
            self._stack.append(name)
            self._walk(tag)
            self._flush()
            self._stack.pop()
        else:
            self._walk(tag)

    def _flush(self) -> None:
        self._add(self._stack[-1], " ".join("".join(self._buffer).split()))
        self._buffer.clear()

    def _add(self, kind: str, text: str) -> None:
        if text.strip() and (self._keep is None or self._keep(text)):
            self._blocks.append((kind, text))


def _is_visible_string(node: object) -> bool:
    # Comments, doctypes, CDATA and script/style strings are never page text.
    from bs4.element import PreformattedString, Script, Stylesheet, TemplateString

    return not isinstance(node, PreformattedString | Script | Stylesheet | TemplateString)


def _html_row(row: Tag) -> str:
    """A table row as its cells' texts joined with " | " (same convention as .docx tables)."""
    cells = row.find_all(["td", "th"], recursive=False) or [row]
    texts = (" ".join(_inline_text(cell).split()) for cell in cells)
    return " | ".join(text for text in texts if text)


def _inline_text(tag: Tag) -> str:
    from bs4 import Tag
    from bs4.element import NavigableString

    parts: list[str] = []
    for node in tag.descendants:
        if isinstance(node, Tag) and (node.name in _HTML_BLOCKS or node.name == "br"):
            parts.append(" ")  # keep words of adjacent blocks apart
        elif isinstance(node, NavigableString) and _is_visible_string(node):
            parts.append(str(node))
    return "".join(parts)


# ---------------------------------------------------------------------------
# .pdf
# ---------------------------------------------------------------------------


def _read_pdf(data: bytes) -> LoadedText:
    from pypdf import PdfReader

    if b"%PDF-" not in data[:1024]:
        raise _ReadError("corrupt or truncated PDF: not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-4096:]:
        # pypdf would try to patch up a cut-off file and silently return part of the text.
        raise _ReadError("corrupt or truncated PDF: end-of-file marker missing (file cut off?)")
    try:
        reader = PdfReader(io.BytesIO(data))
    except Exception as exc:
        raise _ReadError(f"corrupt or truncated PDF: {_short(exc)}") from exc
    _unlock_pdf(reader)
    return replace(_pdf_hints(reader), text=_pdf_text(reader))


def _unlock_pdf(reader: PdfReader) -> None:
    """Open encrypted PDFs that only have an owner password (empty user password)."""
    if not reader.is_encrypted:
        return
    from pypdf.errors import DependencyError

    try:
        opened = reader.decrypt("")
    except DependencyError as exc:  # AES without the optional `cryptography` package
        raise _ReadError(
            "encrypted PDF that needs AES support to open (install the 'cryptography' package)"
        ) from exc
    except Exception as exc:
        raise _ReadError(f"corrupt or truncated PDF: {_short(exc)}") from exc
    if not opened:
        raise _ReadError("encrypted PDF (password protected)")


def _pdf_text(reader: PdfReader) -> str:
    pages: list[str] = []
    try:
        for page in reader.pages:
            if (text := page.extract_text()).strip():  # blank pages add nothing
                pages.append(text)
    except Exception as exc:
        raise _ReadError(f"corrupt or truncated PDF: {_short(exc)}") from exc
    return "\n\n".join(pages)


def _pdf_hints(reader: PdfReader) -> LoadedText:
    """What the PDF's information dictionary says, as a LoadedText without text: /Title
    (unless it is the name of the file it was exported from), /Author, /CreationDate,
    /ModDate as ``updated``; the publisher from the XMP ``dc:publisher``, then /Company
    (which Acrobat's Office add-in copies from Word), then /Author as a last resort.
    /Producer and /Creator name software, never a publisher."""
    from assistant.ingest.file_metadata import pdf_title, pick_publisher

    try:
        info = reader.metadata
        if info is None:
            return LoadedText(text="", format="pdf")
        title, author, created, modified, company = (
            _pdf_string(info.get(key))
            for key in ("/Title", "/Author", "/CreationDate", "/ModDate", "/Company")
        )
    except Exception:  # metadata is only a hint; a broken info dict must not lose the text
        return LoadedText(text="", format="pdf")
    publisher, publisher_source = pick_publisher(
        (*_xmp_publishers(reader), company), author, "PDF information"
    )
    created, modified = _iso_date(created), _iso_date(modified)
    return LoadedText(
        text="",
        title=pdf_title(title),
        author=author,
        date=created,
        format="pdf",
        date_source="PDF information" if created or modified else "",
        updated=modified,
        publisher=publisher,
        publisher_source=publisher_source,
    )


def _xmp_publishers(reader: PdfReader) -> list[str]:
    """The XMP packet's ``dc:publisher`` names, if the PDF has a readable one."""
    try:
        xmp = reader.xmp_metadata
        return [str(name) for name in (xmp.dc_publisher or [])] if xmp is not None else []
    except Exception:  # a malformed XMP packet is only a missing hint
        return []


def _pdf_string(value: object) -> str:
    return str(value).replace("\x00", "").strip() if isinstance(value, str) else ""


# ---------------------------------------------------------------------------
# .docx
# ---------------------------------------------------------------------------


def _read_docx(data: bytes) -> LoadedText:
    import docx
    from docx.table import Table

    from assistant.ingest.file_metadata import pick_publisher

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise _ReadError("corrupt .docx: not a valid Word file") from exc
    blocks: list[str] = []
    heading = ""
    for item in document.iter_inner_content():  # paragraphs and tables in document order
        text = _docx_table(item) if isinstance(item, Table) else item.text
        if text.strip():
            blocks.append(text)
            if not heading and not isinstance(item, Table) and _is_docx_heading(item):
                heading = " ".join(text.split())
    props = document.core_properties
    author = (props.author or "").strip()
    created = _iso_date(props.created) if props.created else ""
    modified = _iso_date(props.modified) if props.modified else ""
    publisher, publisher_source = pick_publisher(
        [_docx_company(data)], author, "document properties"
    )
    return LoadedText(
        text="\n\n".join(blocks),
        title=(props.title or "").strip() or heading,
        author=author,
        date=created,
        format="docx",
        date_source="document properties" if created or modified else "",
        updated=modified,
        publisher=publisher,
        publisher_source=publisher_source,
    )


def _is_docx_heading(paragraph: Paragraph) -> bool:
    """A paragraph in Word's "Title" or "Heading 1" style (python-docx gives built-in
    styles their English names, whatever the language Word was in)."""
    try:
        style = paragraph.style
    except Exception:  # a style that points nowhere: not a heading we can recognise
        return False
    return style is not None and style.name in ("Title", "Heading 1")


def _docx_company(data: bytes) -> str:
    """The <Company> of docProps/app.xml, where Word keeps the organisation the
    document belongs to (python-docx reads only the core properties); "" if none."""
    import html
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            app = package.read("docProps/app.xml").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return ""
    found = re.search(r"<(?:\w+:)?Company>([^<]*)</(?:\w+:)?Company>", app)
    return html.unescape(found.group(1)).strip() if found else ""


def _docx_table(table: Table) -> str:
    """One line per row, cells joined with " | "; a merged cell is listed once."""
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # python-docx repeats merged cells once per grid column
                continue
            seen.add(id(cell._tc))
            if text := " ".join(cell.text.split()):
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return "\n".join(rows)


_READERS: dict[str, Callable[[bytes], LoadedText]] = {
    ".txt": _read_txt,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
