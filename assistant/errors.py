"""Turning exceptions into messages a person can act on."""

from __future__ import annotations

import errno

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
