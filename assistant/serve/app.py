"""The served application: the HTTP API and the web chat in one FastAPI app, guarded by
:mod:`assistant.serve.access` when it listens beyond loopback."""

from __future__ import annotations

import contextlib
import logging
import os
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from assistant.errors import StoreUnavailableError
from assistant.serve.access import TokenGuard, add_login, check_exposure

if TYPE_CHECKING:
    from assistant.core import Assistant

log = logging.getLogger(__name__)


def create_app(assistant: Assistant, *, chat: bool = True) -> FastAPI:
    """The API, the document view and (with ``chat``) the chat at ``/``, guarded when a
    token is set."""
    # Gradio reads this at import: no usage analytics leave the machine.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from assistant.serve.http_api import create_api
    from assistant.serve.web_chat import CSS, HEAD, create_chat

    web = assistant.settings.web
    token = web.token.get_secret_value() if web.token else None
    app = create_api(assistant)

    if token:
        add_login(app, token)

    if not chat:

        @app.get("/", include_in_schema=False)
        def home() -> RedirectResponse:
            return RedirectResponse("/docs", status_code=307)

        if token:
            app.add_middleware(TokenGuard, token=token)
        return app
    gr.mount_gradio_app(
        app,
        create_chat(assistant),
        path="/",
        footer_links=["api"],
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        css=CSS,
        head=HEAD,
        theme=gr.themes.Soft(),
    )
    if token:
        app.add_middleware(TokenGuard, token=token)
    return app


def serve(assistant: Assistant, host: str, port: int, *, workers: int = 1) -> None:
    """Build the index if there is none, then serve until interrupted.

    With ``workers`` > 1, uvicorn starts that many processes, each with its own
    :class:`Assistant` made from the environment (``ASSISTANT_*``), sharing the port, the
    index folder and, in server mode, the Chroma server. They serve the HTTP API only:
    a chat session lives in the process that opened it, and uvicorn's workers take
    connections at random (docs/deployment.md runs chat processes behind a sticky proxy).
    """
    import uvicorn

    web = assistant.settings.web
    check_exposure(host, web.token.get_secret_value() if web.token else None)
    try:
        assistant.ensure_index()
    except StoreUnavailableError as exc:
        # Serve anyway: requests get a clear 503 until the store is back, no restart needed.
        log.warning("%s; serving, and answering once it is reachable", exc)
    if workers > 1:
        print(
            f"Poitiers ESS assistant API, {workers} workers: http://{host}:{port}/api/  "
            "(API docs: /docs; the chat needs one process per port, see docs/deployment.md)",
            flush=True,
        )
    else:
        print(f"Poitiers ESS assistant: http://{host}:{port}/  (API docs: /docs)", flush=True)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "timeout_graceful_shutdown": 5,
    }
    if workers > 1:
        uvicorn.run("assistant.serve.app:worker_app", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(assistant), **options)


def worker_app() -> FastAPI:
    """The app of one worker process (``serve --workers``): settings from the environment."""
    from assistant.core import Assistant

    assistant = Assistant()
    with contextlib.suppress(StoreUnavailableError):  # answered with 503 until it is back
        assistant.ensure_index()
    return create_app(assistant, chat=False)
