"""Asking a running server (``python -m assistant serve``) instead of loading the models:
``ask`` answers in well under a second when one is up (issue 17: ~18 s cold).

Standard library only, so that the command line reaches a server without importing
torch, chromadb or Gradio. The token of an exposed server comes from
``ASSISTANT_WEB__TOKEN``, as the server's own does.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from assistant.answers import Answer
from assistant.errors import AssistantError


class ServerError(AssistantError, ConnectionError):
    """The server did not answer, or answered with an error; the message says which."""

    status_code = 502


def local_server(port: int, timeout: float = 0.3) -> str | None:
    """``http://127.0.0.1:<port>/`` when a healthy assistant answers there, else None."""
    url = f"http://127.0.0.1:{port}/"
    try:
        with urllib.request.urlopen(url + "healthz", timeout=timeout) as response:
            status = json.load(response).get("status")
    except (OSError, ValueError):
        return None
    return url if status == "ok" else None


def ask_server(
    url: str,
    question: str,
    history: Sequence[dict[str, str]] | None = None,
    *,
    timeout: float = 120.0,
) -> Answer:
    """The answer of the server at ``url`` (``POST /api/ask``).

    Raises:
        ServerError: unreachable, or an HTTP error (its ``detail`` in the message).
    """
    body = json.dumps({"question": question, "history": list(history or [])}).encode()
    headers = {"Content-Type": "application/json"}
    token = os.environ.get("ASSISTANT_WEB__TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url.rstrip("/") + "/api/ask", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as exc:
        raise ServerError(f"{url} answered {exc.code}: {_detail(exc)}") from exc
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServerError(
            f"no answer from {url} ({reason}): start one with `python -m assistant serve`, "
            "or ask here with --local"
        ) from exc
    return Answer.from_dict(data)


def _detail(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.load(error).get("detail")
    except (OSError, ValueError, AttributeError):
        return error.reason or "error"
    if isinstance(detail, list):  # a validation error: each field and what is wrong with it
        return "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', [])[1:])}: {item.get('msg')}"
            for item in detail
            if isinstance(item, dict)
        )
    return detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
