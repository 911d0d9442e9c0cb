"""A small OpenAI-compatible server on loopback that replays recorded chat completions.

``POST /v1/chat/completions`` answers with the recording whose ``match`` text occurs in
the last user message (else the "not found" recording), as one JSON body or, when the
request asks for ``stream``, as server-sent ``chat.completion.chunk`` events ending with
``data: [DONE]``, the way OpenAI, vLLM and llama.cpp's server send them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).with_name("data") / "openai-replay.json"


class ReplayServer:
    """Serves ``recordings``; keeps every request body it received in ``requests``."""

    def __init__(self, recordings: list[dict[str, str]]) -> None:
        self.recordings = recordings
        self.requests: list[dict[str, Any]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def reply_for(self, body: dict[str, Any]) -> str:
        last = next(m for m in reversed(body["messages"]) if m["role"] == "user")
        content = str(last["content"])
        question = content.rsplit("Question", 1)[-1]
        for recording in self.recordings:
            if recording["match"] and recording["match"] in question:
                return recording["content"]
        return next(r["content"] for r in self.recordings if not r["match"])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet tests
                return

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self.send_error(404, "unknown endpoint")
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                reply = server.reply_for(body)
                if body.get("stream"):
                    self._stream(body["model"], reply)
                else:
                    self._json(200, _completion(body["model"], reply))

            def _json(self, status: int, data: dict[str, Any]) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, model: str, reply: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                pieces = [reply[i : i + 12] for i in range(0, len(reply), 12)]
                for n, piece in enumerate(pieces):
                    delta = (
                        {"role": "assistant", "content": piece} if n == 0 else {"content": piece}
                    )
                    self._event(_chunk(model, delta, None))
                self._event(_chunk(model, {}, "stop"))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, data: dict[str, Any]) -> None:
                self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
                self.wfile.flush()

        return Handler

    def start(self) -> None:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _completion(model: str, reply: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-replay",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _chunk(model: str, delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-replay",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


@contextmanager
def replay_server(path: Path = RECORDINGS) -> Iterator[ReplayServer]:
    """The server with the recordings of ``path``, running for the ``with`` block."""
    server = ReplayServer(json.loads(path.read_text(encoding="utf-8")))
    server.start()
    try:
        yield server
    finally:
        server.stop()
