"""Faults while serving: the Chroma server down at start, gone, and back."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from assistant.settings import ChromaSettings
from tests.conftest import (
    SOURCES,
    clean_env,
    free_port,
    index_command,
    request_json,
    run_index,
    server_env,
    start_chroma,
    start_serve,
    stop,
    wait_for,
)
from tests.test_crash_safety import _add_many_documents

QUESTION = {"question": "Qui porte l'ESS à Grand Poitiers ?"}
NOTE = "La ressourcerie du Bois de la Cour ouvre un atelier de réparation de vélos.\n"
NOTE_QUESTION = "Quel atelier ouvre la ressourcerie du Bois de la Cour ?"


def test_chroma_down_at_start_and_while_serving_then_recovery(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    port = free_port()
    data, chroma_log = tmp_path / "chroma", tmp_path / "chroma.log"
    env = server_env(
        ChromaSettings(mode="server", host="127.0.0.1", port=port),
        ASSISTANT_WEB__FEEDBACK_FILE=str(tmp_path / "feedback.jsonl"),
    )
    folders = ["--sources", str(sources), "--index", str(tmp_path / "index")]
    chroma = start_chroma(data, port, chroma_log)
    run_index(folders, tmp_path, env)
    stop(chroma)

    # Down at start: the web process starts anyway and says what is wrong.
    log = tmp_path / "serve.log"
    proc, url = start_serve(folders, tmp_path, env, log)
    try:
        wait_for(lambda: request_json(url + "healthz")[0] == 503, proc, log, 300)
        status, body = request_json(url + "healthz")
        assert body["status"] == "store-unavailable"
        assert f"127.0.0.1:{port}" in body["detail"]
        status, body = request_json(url + "api/ask", QUESTION)
        assert status == 503 and "Chroma" in body["detail"]
        assert "Traceback" not in body["detail"]

        # Back: the same process answers, no restart.
        chroma = start_chroma(data, port, chroma_log)
        wait_for(lambda: request_json(url + "healthz")[0] == 200, proc, log, 60)
        status, body = request_json(url + "api/ask", QUESTION)
        assert status == 200 and body["citations"]
        answer = body["text"]

        # Gone while serving: clear 503s, then the same answer once it returns.
        stop(chroma)
        status, body = request_json(url + "api/ask", QUESTION)
        assert status == 503 and "did not answer" in body["detail"]
        assert request_json(url + "healthz")[0] == 503
        chroma = start_chroma(data, port, chroma_log)
        wait_for(lambda: request_json(url + "api/ask", QUESTION)[0] == 200, proc, log, 60)
        assert request_json(url + "api/ask", QUESTION)[1]["text"] == answer
        assert "Traceback" not in log.read_text()
    finally:
        stop(proc)
        stop(chroma)


def test_reindex_while_serving_fails_no_request_and_switches_as_a_whole(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    env = clean_env(ASSISTANT_WEB__FEEDBACK_FILE=str(tmp_path / "feedback.jsonl"))
    folders = ["--sources", str(sources), "--index", str(tmp_path / "index")]
    run_index(folders, tmp_path, env)
    log = tmp_path / "serve.log"
    proc, url = start_serve(folders, tmp_path, env, log)
    try:
        wait_for(lambda: request_json(url + "healthz")[1]["status"] == "ok", proc, log, 300)
        old = request_json(url + "healthz")[1]["generation"]
        old_ids = {d["id"] for d in request_json(url + "api/sources")[1]["documents"]}
        _add_many_documents(sources, 60)  # a build of several seconds
        (sources / "note.txt").write_text(NOTE, encoding="utf-8")
        build = subprocess.Popen(index_command(folders), cwd=tmp_path, env=env)
        results: list[tuple[float, float, int, dict[str, Any]]] = []
        lock = threading.Lock()

        def client(number: int) -> None:
            questions = [NOTE_QUESTION, QUESTION["question"]]
            asked = number
            stop_at: float | None = None
            while stop_at is None or time.monotonic() < stop_at:
                if stop_at is None and build.poll() is not None:
                    stop_at = time.monotonic() + 2  # a little past the switch
                started = time.monotonic()
                status, body = request_json(
                    url + "api/ask", {"question": questions[asked % 2]}, timeout=120
                )
                with lock:
                    results.append((started, time.monotonic(), status, body))
                asked += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=400)
        assert build.wait(timeout=10) == 0
        new = request_json(url + "healthz")[1]["generation"]
        assert new != old

        assert results and all(status == 200 for _, _, status, _ in results)
        generations = [body["metadata"]["generation"] for _, _, _, body in results]
        assert set(generations) == {old, new}  # answers came from both, during the build
        for (_, _, _, body), generation in zip(results, generations, strict=True):
            cited = {c["source_id"] for c in body["citations"]}
            if generation == old:  # the old index as a whole: none of the new documents
                assert cited <= old_ids
            elif body["question"] == NOTE_QUESTION:
                assert "note" in cited
        switched = min(end for _, end, _, body in results if body["metadata"]["generation"] == new)
        later = [
            g for (start, _, _, _), g in zip(results, generations, strict=True) if start > switched
        ]
        assert later and set(later) == {new}  # once switched, never back
    finally:
        stop(proc)
