"""Who may use the service: loopback by default, a token beyond it.

Listening on any other address than loopback needs an access token
(``ASSISTANT_WEB__TOKEN``, or the model server's key): API clients send ``Authorization:
Bearer <token>``; people enter it once on ``/login`` and get a session cookie. Shared by
the application (:mod:`assistant.serve.app`) and the model server.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.errors import ExposureError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "ess_session"
# Reachable without the token: liveness for load balancers, and the login form itself.
PUBLIC_PATHS = ("/healthz", "/login")


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(
    host: str,
    token: str | None,
    *,
    what: str = "the chat and the API",
    variable: str = "ASSISTANT_WEB__TOKEN, or web.token in assistant.toml",
) -> None:
    """Refuse to expose the service without a token; the message says how to fix it."""
    if not is_loopback(host) and not token:
        raise ExposureError(
            f"listening on {host} exposes {what} to the network; set an access "
            f"token first (environment {variable})"
        )


def session_value(token: str) -> str:
    """The cookie value proving the token was entered; the token itself never is a cookie."""
    return hmac.new(token.encode("utf-8"), b"poitiers-ess-session", hashlib.sha256).hexdigest()


class TokenGuard:
    """ASGI middleware: every path but ``PUBLIC_PATHS`` needs the bearer token or session."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        self.session = session_value(token)

    def allowed(self, scope: Scope) -> bool:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer ") and hmac.compare_digest(
            bearer[7:].strip().encode(), self.token.encode()
        ):
            return True
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == SESSION_COOKIE and hmac.compare_digest(
                value.encode(), self.session.encode()
            ):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        public = scope["type"] not in ("http", "websocket") or scope["path"] in PUBLIC_PATHS
        if public or self.allowed(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401})
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        wants_page = scope["method"] == "GET" and "text/html" in headers.get("accept", "")
        if wants_page:
            target = quote(scope["path"], safe="/")
            await _respond(send, 303, b"", [(b"location", f"/login?next={target}".encode())])
        else:
            body = (
                b'{"detail":"missing or wrong access token: send the header '
                b'Authorization: Bearer <token>"}'
            )
            await _respond(
                send,
                401,
                body,
                [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
            )


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _login_form(next_path: str, failed: bool) -> str:
    message = "<p class='error'>Jeton incorrect. / Wrong token.</p>" if failed else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Connexion / Log in</title>"
        "<style>body{font:16px system-ui,sans-serif;max-width:24rem;margin:5rem auto}"
        "input,button{font:inherit;padding:.4rem;width:100%;margin:.3rem 0}"
        ".error{color:#a00}</style></head><body>"
        "<h1>Assistant ESS de Grand Poitiers</h1>"
        "<form method='post' action='/login'>"
        "<label for='token'>Jeton d'accès / Access token</label>"
        "<input id='token' name='token' type='password' autocomplete='current-password' autofocus>"
        f"<input type='hidden' name='next' value='{escape(next_path)}'>"
        f"{message}<button type='submit'>Entrer / Enter</button></form></body></html>"
    )


def _safe_next(path: str) -> str:
    # Only same-site paths: "//host" or "https://…" would turn login into an open redirect.
    return path if path.startswith("/") and not path.startswith("//") else "/"


def add_login(app: FastAPI, token: str) -> None:
    """``GET``/``POST /login`` on ``app``: the form where a person enters ``token`` once
    and gets the session cookie :class:`TokenGuard` accepts."""

    @app.get("/login", include_in_schema=False)
    def login_page(next: str = "/") -> HTMLResponse:
        return HTMLResponse(_login_form(_safe_next(next), failed=False))

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given = (form.get("token") or [""])[0]
        next_path = _safe_next((form.get("next") or ["/"])[0])
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HTMLResponse(_login_form(next_path, failed=True), status_code=401)
        response = RedirectResponse(next_path, status_code=303)
        response.set_cookie(SESSION_COOKIE, session_value(token), httponly=True, samesite="strict")
        return response
