"""A local GGUF model behind an OpenAI-compatible HTTP API: one copy for every worker.

``python -m assistant model-server FILE.gguf [--host 127.0.0.1] [--port 8081]`` serves
``POST /v1/chat/completions`` (a JSON reply, or server-sent ``chat.completion.chunk``
events when the request asks for ``stream``), ``GET /v1/models`` and ``GET /healthz``.
Assistant processes use it with ``llm = "openai:<name>"`` and
``generation.base_url = "http://<host>:<port>/v1"``, so several web workers share one
model in memory instead of loading it each (docs/deployment.md). It needs no compiler:
the model runs in transformers, like the ``gguf:`` backend.

Decoding is greedy, one generation at a time (requests queue); ``temperature`` and other
sampling fields are accepted and ignored. Beyond loopback it needs a key
(``ASSISTANT_GENERATION__API_KEY``, the variable the workers send it from).
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, Literal, cast

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

KEY_VARIABLE = "ASSISTANT_GENERATION__API_KEY"


class ChatMessage(BaseModel):
    """One message of the conversation, as OpenAI clients send it."""

    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant"]
    content: str = Field(max_length=200_000)


class ChatRequest(BaseModel):
    """The fields of a chat completion request that this server uses."""

    model_config = ConfigDict(extra="ignore")  # temperature, top_p, stream_options…
    model: str = ""
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    max_tokens: int | None = Field(None, ge=1, le=4096)
    max_completion_tokens: int | None = Field(None, ge=1, le=4096)
    stream: bool = False


def model_name(path: Path) -> str:
    """The name the server answers to: the file name without ``.gguf``."""
    return path.name.removesuffix(".gguf")


def create_model_app(path: Path, *, max_tokens: int = 256) -> FastAPI:
    """The OpenAI-compatible app over the GGUF file at ``path`` (loaded on first use)."""
    from langchain_core.messages import (
        AIMessage,
        AIMessageChunk,
        BaseMessage,
        HumanMessage,
        SystemMessage,
    )

    from assistant.answer.gguf_chat_model import GGUFChatModel

    name = model_name(path)
    app = FastAPI(title=f"{name} (OpenAI-compatible)")

    def messages_of(request: ChatRequest) -> list[BaseMessage]:
        kinds = {"system": SystemMessage, "developer": SystemMessage, "assistant": AIMessage}
        return [kinds.get(m.role, HumanMessage)(content=m.content) for m in request.messages]

    def pieces(request: ChatRequest) -> Generator[str, None, None]:
        limit = request.max_completion_tokens or request.max_tokens or max_tokens
        chat = GGUFChatModel(path=str(path), max_new_tokens=limit)
        # A generator, though typed as an iterator: closing it reaches the model's loop.
        stream = cast("Generator[AIMessageChunk, None, None]", chat.stream(messages_of(request)))
        try:
            for chunk in stream:
                if chunk.content:
                    yield str(chunk.content)
        finally:
            stream.close()  # a client gone mid-answer frees the model at the next token

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "model": name}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "local"}]}

    @app.post("/v1/chat/completions", response_model=None)
    def completions(request: ChatRequest) -> dict[str, Any] | StreamingResponse:
        ident = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if request.stream:
            return StreamingResponse(
                _events(ident, name, pieces(request)), media_type="text/event-stream"
            )
        text = "".join(pieces(request))
        return {
            "id": ident,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
        }

    return app


def _events(ident: str, name: str, pieces: Generator[str, None, None]) -> Iterator[str]:
    """``chat.completion.chunk`` events, then ``[DONE]``; closing it stops the generation."""

    def chunk(delta: dict[str, str], finish: str | None) -> str:
        data = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": name,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""}, None)
    try:
        for piece in pieces:
            yield chunk({"content": piece}, None)
    finally:
        pieces.close()
    yield chunk({}, "stop")
    yield "data: [DONE]\n\n"


def serve_model(path: Path, host: str, port: int, *, max_tokens: int = 256) -> None:
    """Serve the model at ``path`` until interrupted; refuse the network without a key."""
    import uvicorn

    from assistant.errors import BackendError
    from assistant.serve.access import TokenGuard, check_exposure

    if not path.is_file():
        raise BackendError(f"model-server: no model file at {path}")
    key = os.environ.get(KEY_VARIABLE) or None
    check_exposure(host, key, variable=KEY_VARIABLE, what="the model")
    from assistant.answer.gguf_chat_model import load

    started = time.perf_counter()
    try:
        # Before listening: /healthz answering means ready, the first answer does not pay
        # for the load, and a bad file ends the command with a clear error.
        load(str(path))
    except Exception as exc:
        raise BackendError(f"model-server: cannot load {path}: {exc}") from exc
    log.warning("model %s loaded in %.1f s", model_name(path), time.perf_counter() - started)
    app = create_model_app(path, max_tokens=max_tokens)
    if key:
        app.add_middleware(TokenGuard, token=key)
    url = f"http://{host}:{port}/v1"
    print(
        f'{model_name(path)}: {url}  (workers: llm = "openai:{model_name(path)}", '
        f'generation.base_url = "{url}")',
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
