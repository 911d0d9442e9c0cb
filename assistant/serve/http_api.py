"""The HTTP API: ``POST /api/ask``, ``GET /api/sources``, ``GET /healthz``, OpenAPI docs.

Also ``POST /api/ask/stream`` (server-sent events), ``GET /api/sources/{id}`` and the
document view ``GET /documents/{id}`` that citation links open. A thin layer over
:class:`~assistant.core.Assistant`; the web chat is mounted on the same FastAPI
application by :mod:`assistant.serve.app`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.core import MAX_QUESTION_CHARS

if TYPE_CHECKING:
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


def answer_events(
    assistant: Assistant, question: str, history: list[dict[str, str]]
) -> Iterator[str]:
    """Server-sent events: ``delta`` events with text pieces, then one ``answer`` event."""
    from assistant.answers import Answer
    from assistant.errors import describe

    try:
        for item in assistant.stream(question, history):
            if isinstance(item, Answer):
                yield _event("answer", item.to_dict())
            else:
                yield _event("delta", {"text": item})
    except Exception as exc:  # the stream has started: report in-band, not as a 500
        yield _event("error", {"detail": describe(exc)})


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def create_api(assistant: Assistant) -> FastAPI:
    """The FastAPI application serving ``assistant``."""
    from assistant.errors import AssistantError, IndexMissingError, StoreUnavailableError, describe
    from assistant.serve.web_html import document_page

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
        return assistant.ask(request.question, history).to_dict()

    @app.post("/api/ask/stream")
    def ask_stream(request: AskRequest) -> StreamingResponse:
        """Answer as server-sent events: ``delta`` pieces, then the ``answer`` JSON."""
        history = [m.model_dump() for m in request.history]
        return StreamingResponse(
            answer_events(assistant, request.question, history),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.get("/api/sources")
    def sources() -> dict[str, Any]:
        """The indexed documents and the index status."""
        return assistant.snapshot().listing()

    def indexed_document(doc_id: str) -> Any:
        # Only ids of the served snapshot resolve: no path from a request touches the disk.
        doc = assistant.snapshot().by_id.get(doc_id)
        if doc is None:
            raise HTTPException(status_code=404, detail=f"no indexed document {doc_id!r}")
        return doc

    @app.get("/api/sources/{doc_id}")
    def source(doc_id: str) -> dict[str, Any]:
        """One document: its metadata and the indexed text citation offsets point into."""
        doc = indexed_document(doc_id)
        return {**doc.meta.to_dict(), "text": doc.text}

    @app.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document(
        doc_id: str, start: int | None = Query(None, ge=0), end: int | None = Query(None, ge=0)
    ) -> HTMLResponse:
        """The document as a page, the passage ``start:end`` highlighted."""
        doc = indexed_document(doc_id)
        return HTMLResponse(
            document_page(doc.meta.title, doc.text, start, end),
            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
        )

    @app.post("/api/documents", status_code=202)
    async def add_documents(files: list[UploadFile] = File(...)) -> JSONResponse:  # noqa: B008
        """Add documents (multipart, field ``files``, several at once: .txt, .md, .html,
        .pdf, .docx). Each is checked (format, size limit, readable, some text) before
        anything is written; the accepted ones are stored under ``sources/uploads/`` and
        indexed in the background while answers keep coming from the current index.
        202 with every file's outcome and the index status; 422 when none was accepted."""
        limit = assistant.settings.max_file_bytes
        # One byte over the limit is enough to refuse a file: it is never read whole.
        received = [(upload.filename or "", await upload.read(limit + 1)) for upload in files]
        uploads = await run_in_threadpool(assistant.add_documents, received)
        body = {
            "documents": [
                {"name": u.name, "accepted": u.accepted, "stored": u.stored, "reason": u.reason}
                for u in uploads
            ],
            "status": assistant.index_status().to_dict(),
        }
        if not any(u.accepted for u in uploads):
            body["detail"] = "no file accepted: " + "; ".join(
                f"{u.name}: {u.reason}" for u in uploads
            )
            return JSONResponse(body, status_code=422)
        return JSONResponse(body, status_code=202)

    @app.delete("/api/documents/{doc_id}", status_code=202)
    def remove_document(doc_id: str) -> dict[str, Any]:
        """Remove an indexed document: its file goes to ``sources/.trash/`` (not deleted)
        and it leaves the index with the next generation, built in the background. 404 for
        an unknown id; 422 for a document ``sources.toml`` describes."""
        moved = assistant.remove_document(doc_id)
        sources = assistant.settings.sources_dir
        return {
            "removed": doc_id,
            "trash": [str(path.relative_to(sources)) for path in moved],
            "status": assistant.index_status().to_dict(),
        }

    @app.get("/api/index/status")
    def index_status() -> dict[str, Any]:
        """Background indexing: state (idle, running, failed), stage, progress from 0 to
        1, the last build's report, and the generation being served."""
        status = assistant.index_status().to_dict()
        try:
            status["generation"] = assistant.snapshot().generation
        except IndexMissingError:
            status["generation"] = None
        return status

    @app.exception_handler(AssistantError)
    def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        # One type, its own status: no index yet or Chroma unreachable (503) fails clearly
        # and the next request retries; a backend that failed is a 502.
        return JSONResponse({"detail": describe(exc)}, status_code=exc.status_code)

    @app.get("/healthz", response_model=None)
    def healthz() -> dict[str, Any] | JSONResponse:
        """Liveness, the generation being served, and whether the vector store answers
        (503 when it does not, so a load balancer can take this process out)."""
        try:
            index = assistant.serving()
            index.collection.ping(assistant.embedder.dimension)
        except IndexMissingError:
            return {"status": "no-index"}
        except StoreUnavailableError as exc:
            return JSONResponse(
                {"status": "store-unavailable", "detail": describe(exc)}, status_code=503
            )
        return {
            "status": "ok",
            "generation": index.snapshot.generation,
            "documents": len(index.snapshot.documents),
        }

    return app
