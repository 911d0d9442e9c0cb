"""Shared fixtures: isolated folders per test, the real embedding model loaded once."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.embeddings import Embedder
from assistant.settings import ChromaSettings, Settings

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "sources"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's settings or writes next to the code."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real default model; loaded once for the whole session."""
    model = Embedder()
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
        return Settings(sources_dir=sources, index_dir=tmp_path / "index", **overrides)

    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaSettings]:
    """A real `chroma run` on loopback, started for the session and stopped after it."""
    chroma = Path(sys.executable).with_name("chroma")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(data / "db"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    settings = ChromaSettings(mode="server", host="127.0.0.1", port=port)
    try:
        _wait_for_port(port, proc, timeout=60)
        yield settings
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Ask a server process to end; kill it if it has not within 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


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
