"""The HTTP API: ``POST /api/ask``, ``GET /api/sources``, ``GET /healthz``, OpenAPI docs.

A thin layer over :class:`~assistant.core.Assistant`; the web chat is mounted on the same
FastAPI application by the serving command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.core import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.core import Assistant


class Message(BaseModel):
    """One earlier message of the conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskRequest(BaseModel):
    """A question, in French or English, with the conversation so far."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    history: list[Message] = Field(default_factory=list, max_length=50)


def sources_listing(assistant: Assistant) -> dict[str, Any]:
    """Every indexed document with its metadata and chunk count, and the index status."""
    snapshot = assistant.snapshot()
    return {
        "generation": snapshot.generation,
        "built_at": snapshot.built_at,
        "documents": [
            {**doc.meta.to_dict(), "chunks": len(snapshot.chunks.get(doc.id, []))}
            for doc in snapshot.documents
        ],
        "skipped": snapshot.skipped,
    }


def create_api(assistant: Assistant) -> FastAPI:
    """The FastAPI application serving ``assistant``."""
    from fastapi import FastAPI, HTTPException

    from assistant.core import IndexMissingError

    app = FastAPI(
        title="Poitiers ESS assistant",
        description="Answers about the social and solidarity economy of Grand Poitiers, "
        "every sentence cited from a source document.",
        version="0.1.0",
    )

    @app.post("/api/ask")
    def ask(request: AskRequest) -> dict[str, Any]:
        """Answer a question; the response is the ``Answer`` as JSON."""
        history = [m.model_dump() for m in request.history]
        try:
            return assistant.ask(request.question, history).to_dict()
        except IndexMissingError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc

    @app.get("/api/sources")
    def sources() -> dict[str, Any]:
        """The indexed documents and the index status."""
        try:
            return sources_listing(assistant)
        except IndexMissingError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Liveness and the generation being served."""
        try:
            snapshot = assistant.snapshot()
        except IndexMissingError:
            return {"status": "no-index"}
        return {
            "status": "ok",
            "generation": snapshot.generation,
            "documents": len(snapshot.documents),
        }

    return app
