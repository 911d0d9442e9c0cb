"""Several web workers against one Chroma server: the deployment of docs/deployment.md."""

from __future__ import annotations

import shutil
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.settings import ChromaSettings
from tests.conftest import (
    SOURCES,
    request_json,
    run_index,
    server_env,
    start_serve,
    stop,
    wait_for,
)


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
    chroma = chroma_server.model_copy(update={"collection": "workers"})
    env = server_env(chroma, ASSISTANT_WEB__FEEDBACK_FILE=str(tmp_path / "feedback.jsonl"))
    folders = ["--sources", str(sources), "--index", str(tmp_path / "index")]
    log = tmp_path / "serve.log"
    proc, url = start_serve(["--workers", "2", *folders], tmp_path, env, log)
    try:
        wait_for(lambda: request_json(url + "healthz")[1]["status"] == "ok", proc, log, 300)
        assert len(_children(proc.pid)) >= 2, "uvicorn should run two worker processes"
        with urllib.request.urlopen(url, timeout=30) as response:  # no chat: the API docs
            assert response.url.endswith("/docs")
        first = request_json(url + "healthz")[1]["generation"]
        question = {"question": "Qui porte l'ESS à Grand Poitiers ?"}
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda _: request_json(url + "api/ask", question), range(8)))
        assert all(status == 200 and body["citations"] for status, body in replies)
        assert len({body["text"] for _, body in replies}) == 1  # every worker answers alike

        # A build by another process switches every worker to the new generation.
        (sources / "note.txt").write_text(
            "La ressourcerie du Bois de la Cour ouvre un atelier de réparation de vélos.\n",
            encoding="utf-8",
        )
        run_index(folders, tmp_path, env)
        seen = {request_json(url + "healthz")[1]["generation"] for _ in range(12)}
        assert first not in seen and len(seen) == 1
        status, answer = request_json(
            url + "api/ask", {"question": "Quel atelier ouvre la ressourcerie du Bois de la Cour ?"}
        )
        assert status == 200
        assert any(c["source_id"] == "note" for c in answer["citations"])
    finally:
        stop(proc)
