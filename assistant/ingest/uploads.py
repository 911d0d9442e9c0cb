"""Documents added from the web page or the API, and documents removed: files in the
sources folder, each checked before anything is written.

An upload is read as the build will read it (:func:`~assistant.ingest.loaders.load_bytes`:
format by its suffix, size limit, readable, some text) and only then stored, under
``<sources>/uploads/`` with a safe name (pathvalidate: no folders, no characters a file
system refuses) made unique. A removed document's file is moved to ``<sources>/.trash/``
(a hidden folder the build never reads), never deleted: removing is undone by moving it
back.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import UnreadableFileError
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, load_bytes

UPLOADS = "uploads"
TRASH = ".trash"
#: The formats a person is told to send (".htm" and ".markdown" are read too).
ACCEPTED = ".txt, .md, .html, .pdf, .docx"


@dataclass(frozen=True)
class Upload:
    """One file offered: its ``name`` as sent, where it was stored (relative to the
    sources folder, "" when refused) and, when refused, the ``reason`` in plain words."""

    name: str
    stored: str = ""
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return bool(self.stored)


def safe_name(name: str) -> str:
    """``name`` as a plain file name: the last part of any path (either slash), without
    characters a file system refuses, never hidden; "document" when nothing is left."""
    from pathvalidate import sanitize_filename

    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = sanitize_filename(base, platform="universal").strip().lstrip(".~$ ")
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot:
        return cleaned or "document"
    return f"{stem or 'document'}.{suffix.lower()}"


def store_uploads(
    files: Iterable[tuple[str, bytes]], sources_dir: Path, *, max_bytes: int
) -> list[Upload]:
    """Check every ``(name, content)`` and store the readable ones under
    ``sources_dir/uploads``; the others are refused with their reason and nothing of them
    is written. Returns one :class:`Upload` per file, in order."""
    folder = sources_dir / UPLOADS
    results: list[Upload] = []
    for name, data in files:
        shown = name or "?"
        suffix = Path(safe_name(name)).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            kinds = ", ".join(
                sorted(s for s in SUPPORTED_SUFFIXES if s not in (".htm", ".markdown"))
            )
            reason = f"unsupported format {suffix or '(no extension)'}: send {kinds}"
            results.append(Upload(shown, reason=reason))
            continue
        try:
            load_bytes(safe_name(name), data, max_bytes)
        except UnreadableFileError as exc:
            results.append(Upload(shown, reason=exc.reason))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = _unique(folder / safe_name(name))
        _write(target, data)
        results.append(Upload(shown, stored=target.relative_to(sources_dir).as_posix()))
    return results


def move_to_trash(path: Path, sources_dir: Path) -> Path:
    """Move ``path`` (a file of ``sources_dir``) to ``sources_dir/.trash``, its folders
    kept and the time prefixed so that nothing there is overwritten; returns where."""
    relative = path.resolve().relative_to(sources_dir.resolve())
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = _unique(sources_dir / TRASH / relative.parent / f"{stamp}-{relative.name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    return target


def _unique(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``… when it exists."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _write(target: Path, data: bytes) -> None:
    # Written aside then renamed: a build never reads half a file.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # as the shipped sources (mkstemp makes it private)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
