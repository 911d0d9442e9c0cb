"""Turning exceptions into messages a person can act on."""

from __future__ import annotations

from pydantic import ValidationError


def describe(exc: BaseException) -> str:
    """A one-paragraph description of ``exc`` without a stack trace."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        return f"invalid settings: {problems}"
    return str(exc) or type(exc).__name__
