"""The HTTP API through FastAPI's test client: status codes, validation, the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.serve.http_api import create_api
from assistant.settings import Settings
from tests.conftest import SOURCES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> TestClient:
    index = tmp_path_factory.mktemp("api") / "index"
    assistant = Assistant(Settings(sources_dir=SOURCES, index_dir=index), embedder=embedder)
    assistant.build_index(progress=False)
    return TestClient(create_api(assistant))


def test_ask_returns_the_answer_json(client: TestClient) -> None:
    response = client.post(
        "/api/ask",
        json={"question": "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"},
    )
    assert response.status_code == 200
    data = response.json()
    assert "Benoît Hamon" in data["text"] and data["abstained"] is False
    citation = data["citations"][0]
    assert citation["source_id"] == "rtes-maison-ess-niort"
    assert {"n", "title", "url", "quote", "start", "end", "score"} <= set(citation)


def test_ask_with_history(client: TestClient) -> None:
    first = "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"
    response = client.post(
        "/api/ask",
        json={
            "question": "Et à quelle date ?",
            "history": [
                {"role": "user", "content": first},
                {"role": "assistant", "content": "Benoît Hamon [1]"},
            ],
        },
    )
    assert response.status_code == 200 and "28 mars" in response.json()["text"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "question"),
        ({"question": ""}, "question"),
        ({"question": "x" * 5000}, "question"),
        ({"question": "Où ?", "history": [{"role": "robot", "content": "x"}]}, "role"),
        ({"question": "Où ?", "colour": "blue"}, "colour"),
    ],
)
def test_validation_errors_name_the_field(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    response = client.post("/api/ask", json=body)
    assert response.status_code == 422
    assert field in response.text


def test_sources_and_health(client: TestClient) -> None:
    sources = client.get("/api/sources").json()
    assert len(sources["documents"]) == 5 and sources["generation"]
    assert all(d["chunks"] > 0 for d in sources["documents"])
    health = client.get("/healthz").json()
    assert health == {"status": "ok", "generation": sources["generation"], "documents": 5}
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]


def test_missing_index_is_a_clear_503(tmp_path: Path, embedder: Embedder) -> None:
    empty = Assistant(
        Settings(sources_dir=tmp_path / "none", index_dir=tmp_path / "index"), embedder=embedder
    )
    client = TestClient(create_api(empty))
    assert client.get("/healthz").json() == {"status": "no-index"}
    response = client.get("/api/sources")
    assert response.status_code == 503 and "no index" in response.json()["detail"]


def _events(body: str) -> list[tuple[str, dict[str, object]]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_ask_stream_sends_pieces_then_the_answer(client: TestClient) -> None:
    question = "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"
    with client.stream("POST", "/api/ask/stream", json={"question": question}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response.read().decode("utf-8"))
    names = [name for name, _ in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"delta"} and len(names) > 3
    answer = events[-1][1]
    assert "".join(str(data["text"]) for _, data in events[:-1]) == answer["text"]
    assert answer["citations"]


def test_ask_stream_validates_like_ask(client: TestClient) -> None:
    response = client.post("/api/ask/stream", json={"question": ""})
    assert response.status_code == 422 and "question" in response.text


def test_one_source_and_its_document_page(client: TestClient) -> None:
    doc = client.get("/api/sources/rtes-maison-ess-niort").json()
    assert doc["title"] and "Benoît Hamon" in doc["text"]
    start = doc["text"].index("Benoît Hamon")
    page = client.get(f"/documents/rtes-maison-ess-niort?start={start}&end={start + 12}")
    assert page.status_code == 200 and '<mark id="passage">Benoît Hamon</mark>' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert client.get("/api/sources/nope").status_code == 404
    assert "no indexed document" in client.get("/documents/nope").json()["detail"]
    # ids only: a path never reaches the file system
    assert client.get("/api/sources/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/documents/rtes-maison-ess-niort?start=-1").status_code == 422
