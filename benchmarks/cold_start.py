"""Cold start: time to the first answer, beside the bare cost of what it has to load.

    .venv/bin/python -m assistant index          # once: the benchmark answers from index/
    .venv/bin/python benchmarks/cold_start.py [--repeats 3]

Every measure is a fresh process, the measures alternate within each repeat (so a busy
neighbour weighs on all alike), and medians are printed:

- ``import torch``: the bare interpreter importing torch;
- ``load models``: importing the package, then loading the e5 embedding model and the
  reader (what answering needs whatever the question);
- ``ask (in process)``: ``python -m assistant ask Q --local``, from launch to exit;
- ``ask (via server)``: ``python -m assistant ask Q --server URL`` to a server started
  before the run (not counted);
- ``serve to first answer``: launching ``python -m assistant serve`` until its first
  ``POST /api/ask`` answers.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTION = "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"
LOAD_MODELS = """
from assistant.core import Assistant
assistant = Assistant()
assistant.embedder.embed_query("question")
from assistant.answer.reader import ReaderInput
assistant.extractive.reader.read("question", [ReaderInput("Une phrase.", "Titre")])
"""


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1"}


def _run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=_env(), check=True, capture_output=True, timeout=600)
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ask_http(url: str) -> bool:
    body = json.dumps({"question": QUESTION}).encode()
    request = urllib.request.Request(
        url + "api/ask", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return bool(json.load(response).get("text"))
    except OSError:
        return False


def _serve(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _serve_to_first_answer() -> float:
    port = _free_port()
    started = time.perf_counter()
    server = _serve(port)
    try:
        while not _ask_http(f"http://127.0.0.1:{port}/"):
            if server.poll() is not None:
                raise RuntimeError("serve exited before answering")
            time.sleep(0.2)
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    port = _free_port()
    server = _serve(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        while not _ask_http(url):
            if server.poll() is not None:
                raise SystemExit("the server did not start: run `python -m assistant index`")
            time.sleep(0.5)
        measures: dict[str, Callable[[], float]] = {
            "import torch": lambda: _run([python, "-c", "import torch"]),
            "load models": lambda: _run([python, "-c", LOAD_MODELS]),
            "ask (in process)": lambda: _run(
                [python, "-m", "assistant", "ask", QUESTION, "--local"]
            ),
            "ask (via server)": lambda: _run(
                [python, "-m", "assistant", "ask", QUESTION, "--server", url]
            ),
            "serve to first answer": _serve_to_first_answer,
        }
        times: dict[str, list[float]] = {name: [] for name in measures}
        for _ in range(args.repeats):
            for name, measure in measures.items():
                times[name].append(measure())
    finally:
        server.terminate()
        server.wait(timeout=30)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"cold start, median of {args.repeats} (seconds):")
    for name, value in median.items():
        print(f"  {name:<24} {value:6.2f}   runs: " + ", ".join(f"{v:.2f}" for v in times[name]))
    cold, served = median["ask (in process)"], median["ask (via server)"]
    print(
        f"ask in process / via server: x{cold / served:.1f}; "
        f"ask in process / load models: x{cold / median['load models']:.2f}; "
        f"load models / import torch: x{median['load models'] / median['import torch']:.1f}"
    )


if __name__ == "__main__":
    main()
