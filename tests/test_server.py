"""Access to the served app: loopback by default, a token for anything else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.errors import ExposureError
from assistant.serve.access import check_exposure, is_loopback
from assistant.serve.app import create_app
from assistant.settings import Settings
from tests.conftest import SOURCES

TOKEN = "s3cret-token-for-tests"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_exposing_without_a_token_is_refused() -> None:
    check_exposure("127.0.0.1", None)
    check_exposure("0.0.0.0", TOKEN)
    with pytest.raises(ExposureError, match="ASSISTANT_WEB__TOKEN"):
        check_exposure("0.0.0.0", None)


def test_serve_command_refuses_to_expose_without_token(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--expose", "--index", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "0.0.0.0" in result.stderr and "ASSISTANT_WEB__TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> TestClient:
    index = tmp_path_factory.mktemp("server") / "index"
    settings = Settings(sources_dir=SOURCES, index_dir=index, web={"token": TOKEN})
    assistant = Assistant(settings, embedder=embedder)
    assistant.build_index(progress=False)
    return TestClient(create_app(assistant), follow_redirects=False)


@pytest.mark.slow
def test_api_needs_the_token(guarded: TestClient) -> None:
    body = {"question": "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"}
    refused = guarded.post("/api/ask", json=body)
    assert refused.status_code == 401 and "Authorization: Bearer" in refused.json()["detail"]
    wrong = guarded.post("/api/ask", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    ok = guarded.post("/api/ask", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and "Benoît Hamon" in ok.json()["text"]
    assert guarded.get("/api/sources").status_code == 401
    # Adding and removing documents need it like every other route (issue 17).
    upload = guarded.post("/api/documents", files={"files": ("a.txt", b"Texte.", "text/plain")})
    assert upload.status_code == 401 and not (SOURCES / "uploads").exists()
    assert guarded.delete("/api/documents/rtes-maison-ess-niort").status_code == 401
    assert guarded.get("/api/index/status").status_code == 401
    assert guarded.get("/documents/rtes-maison-ess-niort").status_code in (303, 401)
    assert guarded.get("/healthz").json()["status"] == "ok"  # liveness stays open


@pytest.mark.slow
def test_chat_needs_login(guarded: TestClient) -> None:
    page = guarded.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/"
    assert guarded.get("/gradio_api/info").status_code == 401
    form = guarded.get("/login?next=/")
    assert form.status_code == 200 and 'type="password"' in form.text.replace("'", '"')
    bad = guarded.post("/login", data={"token": "nope", "next": "/"})
    assert bad.status_code == 401 and "ess_session" not in bad.cookies
    good = guarded.post("/login", data={"token": TOKEN, "next": "//evil.example/"})
    assert good.status_code == 303 and good.headers["location"] == "/"  # no open redirect
    cookie = good.cookies["ess_session"]
    assert TOKEN not in cookie
    guarded.cookies.set("ess_session", cookie)
    try:
        chat = guarded.get("/")
        assert chat.status_code == 200 and "gradio" in chat.text.lower()
        assert guarded.get("/gradio_api/info").status_code == 200
    finally:
        guarded.cookies.clear()
