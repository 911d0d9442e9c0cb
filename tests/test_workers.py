"""Several web workers against one Chroma server: the deployment of docs/deployment.md."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assistant.settings import ChromaSettings
from tests.conftest import SOURCES, free_port, stop


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=60) as response:
        data: dict[str, Any] = json.load(response)
        return data


def _ask(url: str, question: str) -> dict[str, Any]:
    request = urllib.request.Request(
        url + "api/ask",
        data=json.dumps({"question": question}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        data: dict[str, Any] = json.load(response)
        return data


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_two_workers_share_one_chroma_server_and_follow_rebuilds(
    tmp_path: Path, chroma_server: ChromaSettings
) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {
        "ASSISTANT_CHROMA__MODE": "server",
        "ASSISTANT_CHROMA__HOST": chroma_server.host,
        "ASSISTANT_CHROMA__PORT": str(chroma_server.port),
        "ASSISTANT_CHROMA__COLLECTION": "workers",
        "ASSISTANT_WEB__FEEDBACK_FILE": str(tmp_path / "feedback.jsonl"),
    }
    folders = ("--sources", str(sources), "--index", str(tmp_path / "index"))
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assistant",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
                *folders,
            ],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if _get(url + "healthz")["status"] == "ok":
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        assert len(_children(proc.pid)) >= 2, "uvicorn should run two worker processes"
        with urllib.request.urlopen(url, timeout=30) as response:  # no chat: the API docs
            assert response.url.endswith("/docs")
        first = _get(url + "healthz")["generation"]
        questions = ["Qui porte l'ESS à Grand Poitiers ?"] * 8
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda q: _ask(url, q), questions))
        assert all(a["citations"] for a in answers)
        assert len({a["text"] for a in answers}) == 1  # every worker answers alike

        # A build by another process switches every worker to the new generation.
        (sources / "note.txt").write_text(
            "La ressourcerie du Bois de la Cour ouvre un atelier de réparation de vélos.\n",
            encoding="utf-8",
        )
        subprocess.run(
            [sys.executable, "-m", "assistant", "index", "--quiet", *folders],
            cwd=tmp_path,
            env=env,
            check=True,
            timeout=300,
        )
        seen = {_get(url + "healthz")["generation"] for _ in range(12)}
        assert first not in seen and len(seen) == 1
        answer = _ask(url, "Quel atelier ouvre la ressourcerie du Bois de la Cour ?")
        assert any(c["source_id"] == "note" for c in answer["citations"])
    finally:
        stop(proc)
