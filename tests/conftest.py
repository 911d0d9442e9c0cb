"""Shared fixtures: isolated folders per test, the real embedding model loaded once."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from assistant.answers import Answer
from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.settings import ChromaSettings, EmbeddingSettings, Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "sources"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's settings or writes next to the code."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


MINILM = EmbeddingSettings(backend="sentence-transformers")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real default model (e5); loaded once for the whole session."""
    model = Embedder()
    model.embed(["warm-up"])
    return model


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real all-MiniLM-L6-v2 (the sentence-transformers backend); loaded once."""
    model = Embedder(MINILM)
    model.embed(["warm-up"])
    return model


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the repository's sources."""
    target = tmp_path / "sources"
    shutil.copytree(SOURCES, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(sources: Path, **overrides: Any) -> Settings:
        return Settings(**{"sources_dir": sources, "index_dir": tmp_path / "index", **overrides})

    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_chroma(path: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """A real `chroma run` on loopback keeping its data in ``path``; returns once it listens."""
    with log.open("a") as out:
        proc = subprocess.Popen(
            [
                *(str(Path(sys.executable).with_name("chroma")), "run", "--path", str(path)),
                *("--host", "127.0.0.1", "--port", str(port)),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        _wait_for_port(port, proc, timeout=60)
    except BaseException:
        stop(proc)
        raise
    return proc


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaSettings]:
    """A real `chroma run` on loopback, started for the session and stopped after it."""
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = start_chroma(data / "db", port, data / "server.log")
    try:
        yield ChromaSettings(mode="server", host="127.0.0.1", port=port)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Ask a server process to end; kill it if it has not within 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"chroma run did not listen on port {port} within {timeout} s")


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without ASSISTANT_* variables, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return env | settings


def server_env(chroma: ChromaSettings, **settings: str) -> dict[str, str]:
    """Environment for an assistant process using the Chroma server ``chroma``."""
    return clean_env(
        ASSISTANT_CHROMA__MODE="server",
        ASSISTANT_CHROMA__HOST=chroma.host,
        ASSISTANT_CHROMA__PORT=str(chroma.port),
        ASSISTANT_CHROMA__COLLECTION=chroma.collection,
        **settings,
    )


def index_command(folders: list[str]) -> list[str]:
    """``python -m assistant index`` over ``folders`` (``--sources``/``--index`` flags)."""
    return [sys.executable, "-m", "assistant", "index", "--quiet", *folders]


def run_index(folders: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Build or update the index in another process, as a user or a cron job would."""
    subprocess.run(index_command(folders), cwd=cwd, env=env, check=True, timeout=300)


def start_serve(
    args: list[str], cwd: Path, env: dict[str, str], log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m assistant serve`` on a free port; returns the process and its URL."""
    port = free_port()
    with log.open("a") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve", "--port", str(port), *args],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, f"http://127.0.0.1:{port}/"


def request_json(
    url: str, payload: dict[str, Any] | None = None, timeout: float = 60
) -> tuple[int, dict[str, Any]]:
    """GET (or POST ``payload``) ``url``; the status and the JSON body, errors included."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_for(
    check: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path, timeout: float
) -> None:
    """Poll ``check`` until it holds; fail with the server's log if it exits or times out."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"the server exited:\n{log.read_text()}"
        try:
            if check():
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"not ready within {timeout} s:\n{log.read_text()}"
        time.sleep(0.3)


def indexed(sources: Path, root: Path, embedder: Embedder) -> Assistant:
    """An assistant over ``sources`` with a freshly built index under ``root``."""
    built = Assistant(Settings(sources_dir=sources, index_dir=root / "index"), embedder=embedder)
    built.build_index(progress=False)
    return built


def indexed_copy(
    folder: Path, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Assistant:
    """An assistant over a copy of the document ``folder`` (tests/data/...), indexed."""
    root = tmp_path_factory.mktemp(folder.name)
    shutil.copytree(folder, root / "sources")
    return indexed(root / "sources", root, embedder)


def answered(assistant: Assistant, question: str, fact: str, **kwargs: Any) -> Answer:
    """Ask ``question``; assert it is answered, with ``fact`` in the text and every quote
    verbatim at its offsets. Returns the answer for further checks."""
    answer = assistant.ask(question, **kwargs)
    assert not answer.abstained, f"{question!r} was declined: {answer.text}"
    assert fact in answer.text, f"{question!r}: {fact!r} not in {answer.text!r}"
    documents = assistant.snapshot().by_id
    for citation in answer.citations:
        assert documents[citation.source_id].text[citation.start : citation.end] == citation.quote
    return answer


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module that drives the page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Return once the server at ``url`` says it is healthy; its log in the error if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as response:
                if json.load(response).get("status") == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the server was not healthy within {timeout} s:\n{log.read_text()}")
