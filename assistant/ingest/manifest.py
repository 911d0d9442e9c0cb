"""The manifest ``sources/sources.toml``: one ``[[document]]`` table per described file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path

from assistant.documents import SourceMeta
from assistant.errors import ManifestError

MANIFEST_NAME = "sources.toml"
_ALLOWED = {f.name for f in fields(SourceMeta)} - {
    "from_manifest",
    "copies",
    "date_source",
    "publisher_source",
    "encoding",
}
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def load_manifest(sources_dir: Path) -> dict[str, SourceMeta]:
    """Return manifest entries keyed by file path relative to ``sources_dir`` (POSIX form)."""
    path = sources_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from exc
    entries = data.get("document", [])
    if not isinstance(entries, list):
        raise ManifestError(f"{path}: 'document' must be an array of tables ([[document]])")
    by_file: dict[str, SourceMeta] = {}
    seen_ids: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        meta = _entry(path, number, entry)
        if meta.id in seen_ids:
            raise ManifestError(f"{path}: document #{number}: id {meta.id!r} is used twice")
        if meta.file in by_file:
            raise ManifestError(f"{path}: document #{number}: file {meta.file!r} is listed twice")
        seen_ids.add(meta.id)
        by_file[meta.file] = meta
    return by_file


def _entry(path: Path, number: int, entry: object) -> SourceMeta:
    where = f"{path}: document #{number}"
    if not isinstance(entry, dict):
        raise ManifestError(f"{where}: expected a table")
    unknown = sorted(set(entry) - _ALLOWED)
    if unknown:
        raise ManifestError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(_ALLOWED)}")
    for required in ("id", "file", "title"):
        if not isinstance(entry.get(required), str) or not entry[required].strip():
            raise ManifestError(f"{where}: '{required}' is required and must be text")
    values = {key: str(value) for key, value in entry.items()}
    if not _ID.match(values["id"]):
        raise ManifestError(
            f"{where}: id {values['id']!r} must be lowercase letters, digits, '.', '_' or '-'"
        )
    file = Path(values["file"])
    if file.is_absolute() or ".." in file.parts:
        raise ManifestError(f"{where}: file {values['file']!r} must be inside the sources folder")
    values["file"] = file.as_posix()
    dated = "sources.toml" if values.get("date") or values.get("updated") else ""
    published = "sources.toml" if values.get("publisher") else ""
    return SourceMeta(
        **values,  # type: ignore[arg-type]
        from_manifest=True,
        date_source=dated,
        publisher_source=published,
    )
