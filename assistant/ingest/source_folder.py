"""Reading a sources directory into cleaned documents, and reporting what was skipped."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from assistant.documents import CorpusLoad, Document, LoadedText, SkippedFile, SourceMeta
from assistant.errors import SourcesNotFoundError, UnreadableFileError
from assistant.ingest.cleaning import clean_text
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, iter_source_files, load_file
from assistant.ingest.manifest import load_manifest
from assistant.text.language import detect_language

log = logging.getLogger(__name__)


def load_corpus(
    sources_dir: Path,
    *,
    max_bytes: int = 50 * 1024 * 1024,
    previous: Mapping[str, Document] | None = None,
) -> CorpusLoad:
    """Load every readable file of ``sources_dir``; unreadable ones go to ``skipped``.

    ``previous`` maps relative paths to documents of the last build: a file whose bytes
    and manifest entry are unchanged is reused as is instead of being cleaned again.
    """
    if not sources_dir.is_dir():
        raise SourcesNotFoundError(f"sources folder not found: {sources_dir}")
    manifest = load_manifest(sources_dir)
    previous = previous or {}
    result = CorpusLoad()
    seen_files: set[str] = set()
    used_ids = {meta.id for meta in manifest.values()}
    for path in iter_source_files(sources_dir):
        rel = path.relative_to(sources_dir).as_posix()
        seen_files.add(rel)
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
            _skip(result, rel, f"unsupported format {path.suffix!r}; supported: {supported}")
            continue
        try:
            raw = path.read_bytes()
        except OSError as exc:
            _skip(result, rel, f"cannot read file: {exc.strerror or exc}")
            continue
        sha = hashlib.sha256(raw).hexdigest()
        meta = manifest.get(rel)
        old = previous.get(rel)
        if old is not None and old.sha256 == sha and (meta is None or old.meta == meta):
            result.documents.append(old)
            used_ids.add(old.id)
            continue
        try:
            loaded = load_file(path, max_bytes=max_bytes)
        except UnreadableFileError as exc:
            _skip(result, rel, exc.reason)
            continue
        language = meta.language if meta and meta.language else detect_language(loaded.text)
        text = clean_text(loaded.text, language=language)
        if not text.strip():
            _skip(result, rel, "no text left after cleaning")
            continue
        if meta is None:
            meta = _derived_meta(path, rel, loaded, text, language, used_ids)
        if loaded.encoding not in ("", "utf_8", "ascii"):
            meta = dataclasses.replace(meta, encoding=loaded.encoding)
            result.notes.append(f"{rel}: read as {loaded.encoding}, not UTF-8")
        used_ids.add(meta.id)
        result.documents.append(Document(meta=meta, text=text, sha256=sha, path=path))
        result.notes.extend(f"{rel}: {note}" for note in loaded.notes)
    for rel, meta in manifest.items():
        if rel not in seen_files:
            _skip(result, rel, f"listed in sources.toml (id {meta.id!r}) but the file is missing")
    _merge_copies(result)
    return result


def _merge_copies(result: CorpusLoad) -> None:
    """Index each distinct text once: of documents whose cleaned text is the same (a file
    saved twice, a copy in ``archives/``), the one with the best metadata stays and names
    the others in ``meta.copies``; the others leave the index, and the report says so.
    Answers, leads and the retriever then never spend two places on one passage."""
    groups: dict[str, list[Document]] = {}
    for document in result.documents:
        key = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
        groups.setdefault(key, []).append(document)
    if all(len(group) == 1 for group in groups.values()):
        return
    kept: dict[str, Document] = {}
    for group in groups.values():
        best = max(group, key=_metadata_rank)
        others = tuple(sorted(d.meta.file for d in group if d is not best))
        if others:
            best = dataclasses.replace(best, meta=dataclasses.replace(best.meta, copies=others))
            result.notes.extend(
                f"{other}: same text as {best.meta.file}, indexed once with it" for other in others
            )
        kept[best.meta.file] = best
    result.documents = [kept[d.meta.file] for d in result.documents if d.meta.file in kept]


def _metadata_rank(document: Document) -> tuple[int, int, int, int, int]:
    """Which copy to cite: a manifest entry, then dates, a URL and a publisher, then the
    file outside archive folders, nearest the top of the sources folder."""
    meta = document.meta
    archived = any(part.lower() in _ARCHIVE_FOLDERS for part in meta.file.split("/")[:-1])
    return (
        int(meta.from_manifest),
        int(bool(meta.date or meta.updated)) + int(bool(meta.url)) + int(bool(meta.publisher)),
        int(not archived),
        -meta.file.count("/"),
        -len(meta.file),
    )


_ARCHIVE_FOLDERS = frozenset(
    {"archive", "archives", "old", "ancien", "anciens", "backup", "copies"}
)


def _skip(result: CorpusLoad, rel: str, reason: str) -> None:
    log.warning("skipped %s: %s", rel, reason)
    result.skipped.append(SkippedFile(path=rel, reason=reason))


def _derived_meta(
    path: Path, rel: str, loaded: LoadedText, text: str, language: str, used_ids: set[str]
) -> SourceMeta:
    """Metadata for a file the manifest does not describe, taken from the file itself."""
    from assistant.text.fact_lines import stated_date

    doc_id = slugify(str(Path(rel).with_suffix("")))
    if doc_id in used_ids:
        doc_id = slugify(rel)
    base, n = doc_id, 2
    while doc_id in used_ids:
        doc_id, n = f"{base}-{n}", n + 1
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    title = loaded.title.strip() or _shorten(first_line) or path.stem.replace("_", " ")
    # Each date as the file states it in its metadata, else in a dated line of its text
    # ("Publié le …", "mis à jour le …"); its write time only as the last resort, and
    # labelled so (a copied file's write time is the day it was copied).
    own = Document(SourceMeta(id=doc_id, file=rel, title=title), text, sha256="")
    text_line = "date line in the text"
    date, date_from = loaded.date, loaded.date_source
    if not date and (date := stated_date(own, "published")):
        date_from = text_line
    updated, updated_from = loaded.updated, loaded.date_source
    if not updated and (updated := stated_date(own, "updated")):
        updated_from = text_line
    if updated and date and _before(updated, date):
        updated = ""  # modified before it was made: a template's leftover date
    if not date and not updated:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()
        updated, updated_from = mtime, "file modification time"
    return SourceMeta(
        id=doc_id,
        file=rel,
        title=title,
        publisher=loaded.publisher,
        author=loaded.author,
        date=date,
        updated=updated,
        language=language,
        notes=f"Not in sources.toml; metadata derived from the {loaded.format or 'file'}.",
        date_source=date_from if date else updated_from,
        publisher_source=loaded.publisher_source,
    )


def _before(first: str, second: str) -> bool:
    """Whether ISO date ``first`` is before ``second``, at the precision both have
    ("2024-06" is not before "2024-06-01")."""
    n = min(len(first), len(second))
    return first[:n] < second[:n]


def slugify(value: str) -> str:
    """``'Notes/Rapport 2023 (final).pdf'`` -> ``'notes-rapport-2023-final-pdf'``."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80] or "document"


def _shorten(line: str, limit: int = 120) -> str:
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + "…"
