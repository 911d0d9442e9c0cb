"""The web chat under N concurrent users over loopback, against one user alone.

    .venv/bin/python benchmarks/web_load.py [--users 20] [--questions-per-user 3]
        [--concurrency-setting C] [--url http://127.0.0.1:7860/] [--json FILE]

Starts ``python -m assistant serve`` on a free port (index built into a fresh temporary
folder) unless ``--url`` names a running server. Each simulated user is a thread with its
own ``gradio_client.Client`` calling the chat's streaming endpoint ``/ask``, with questions
taken round-robin from evals/poitiers.jsonl (French and English alternating, those with a
history skipped). After ``--warmup`` untimed questions, one user asks ``--baseline`` in a
row; then all users start together and each asks its questions one after another.

Printed side by side: errors, wall time, throughput, CPU used by the server and by this
script, time to the first update (the "searching" placeholder: mostly queue wait), time
to the first answer text (TTFT) and to the complete answer, median and p95; then the
server's peak RSS and any errors in its log. Exits 1 when an answer under load failed.

Times are taken when the client sees an update: gradio_client's reader polls every 50 ms
when idle and this script polls the job every 10 ms, so each includes up to ~60 ms of
client-side delay (on an idle server the placeholder and the first text usually land in
the same look). The clients share the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.evaluate.metrics import percentile
from assistant.evaluate.question_sets import load_question_set
from assistant.serve.web_phrases import UI

REPO = Path(__file__).resolve().parents[1]
PLACEHOLDERS = {f"*{words['searching']}*" for words in UI.values()}
ERROR_PREFIXES = tuple(words["error"].split("{reason}")[0] for words in UI.values())
PROBLEM_WORDS = ("ERROR", "Traceback", "Exception", "WARNING")
POLL = 0.01  # seconds between looks at a job's outputs


@dataclass
class Sample:
    """One question as a user saw it; times in seconds from submission."""

    question: str
    first_update: float | None = None
    ttft: float | None = None
    full: float | None = None
    updates: int = 0
    error: str | None = None


@dataclass
class Run:
    """Every question of one phase (baseline or load) and its wall time."""

    users: int
    samples: list[Sample] = field(default_factory=list)
    wall: float = 0.0
    client_cpu: float = 0.0  # this process, all threads
    server_cpu: float | None = None  # only for a server started here

    def summary(self) -> dict[str, Any]:
        """The numbers printed and written to JSON (times in ms)."""
        ok = [s for s in self.samples if s.error is None]

        def ms(values: list[float | None]) -> dict[str, float | None]:
            known = [v * 1000 for v in values if v is not None]
            if not known:
                return {"median": None, "p95": None}
            return {"median": statistics.median(known), "p95": percentile(known, 95)}

        return {
            "users": self.users,
            "questions": len(self.samples),
            "answers": len(ok),
            "errors": len(self.samples) - len(ok),
            "error_messages": [s.error for s in self.samples if s.error is not None],
            "wall_s": self.wall,
            "client_cpu_s": self.client_cpu,
            "server_cpu_s": self.server_cpu,
            "throughput_per_s": len(ok) / self.wall if self.wall else 0.0,
            "first_update_ms": ms([s.first_update for s in ok]),
            "ttft_ms": ms([s.ttft for s in ok]),
            "full_ms": ms([s.full for s in ok]),
            "updates_median": float(statistics.median([s.updates for s in ok])) if ok else 0.0,
        }


def answer_text(output: Any) -> str | None:
    """The text of the last chat message when it is the assistant's, else None."""
    chat = output[0] if isinstance(output, (tuple, list)) and output else None
    if not isinstance(chat, list) or not chat or not isinstance(chat[-1], dict):
        return None
    message: dict[str, Any] = chat[-1]
    if message.get("role") != "assistant":
        return None
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return None


def ask(client: Any, question: str, timeout: float) -> Sample:
    """Submit ``question`` to ``/ask`` and time its streamed updates; never raises."""
    sample = Sample(question)
    started = time.perf_counter()
    try:
        job = client.submit(question, [], api_name="/ask")
    except Exception as exc:
        sample.error = f"submit failed: {type(exc).__name__}: {exc}"
        return sample
    seen = 0
    last: str | None = None
    while True:
        done = job.done()  # before reading outputs, so none is missed after it
        outputs = job.outputs()
        now = time.perf_counter() - started
        for output in outputs[seen:]:
            text = answer_text(output)
            sample.updates += 1
            if sample.first_update is None:
                sample.first_update = now
            if sample.ttft is None and text and text.strip() not in PLACEHOLDERS:
                sample.ttft = now
            last = text
        seen = len(outputs)
        if done:
            break
        if now > timeout:
            job.cancel()
            sample.error = f"no complete answer after {timeout:.3g} s"
            return sample
        time.sleep(POLL)
    sample.full = time.perf_counter() - started
    failure = job.exception()
    if failure is not None:
        sample.error = f"{type(failure).__name__}: {failure}"
    elif last is not None and last.startswith(ERROR_PREFIXES):
        sample.error = f"answered with an error: {last}"
    elif sample.ttft is None:
        sample.error = f"no answer text in {sample.updates} update(s)"
    return sample


def connect(url: str) -> Any:
    """A fresh client (own session, own event stream), without telemetry or logs."""
    from gradio_client import Client

    # gradio_client opens a new httpx client per request; with verification on, each loads
    # the CA bundle (~30 ms of CPU here), which plain http never uses.
    verify = url.startswith("https:")
    return Client(url, verbose=False, analytics_enabled=False, ssl_verify=verify)


def server_cpu(pid: int | None) -> float | None:
    """User plus system CPU seconds of process ``pid``; None without one."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_meter(pid: int | None) -> Callable[[], tuple[float, float | None]]:
    """A function giving the CPU seconds used from now on: by this process, by the server."""
    client, server = time.process_time(), server_cpu(pid)

    def used() -> tuple[float, float | None]:
        now = server_cpu(pid)
        return time.process_time() - client, None if now is None or server is None else now - server

    return used


def run_users(
    url: str,
    questions: list[str],
    users: int,
    per_user: int,
    job_timeout: float,
    deadline: float,
    server: int | None,
) -> Run:
    """``users`` threads released together by a barrier, each asking ``per_user`` questions."""
    run = Run(users)
    results: list[list[Sample]] = [[] for _ in range(users)]
    barrier = threading.Barrier(users + 1)
    ended = [0.0] * users

    def user(number: int) -> None:
        mine = [questions[(number * per_user + i) % len(questions)] for i in range(per_user)]
        client, failure = None, ""
        try:
            client = connect(url)
        except Exception as exc:
            failure = f"client failed: {type(exc).__name__}: {exc}"
        try:
            barrier.wait(timeout=max(1.0, deadline - time.monotonic()))
        except threading.BrokenBarrierError:
            failure = failure or "never started: the other users did not connect in time"
        for question in mine:
            if failure or time.monotonic() > deadline:
                error = failure or "not asked: overall timeout"
                results[number].append(Sample(question, error=error))
                continue
            left = deadline - time.monotonic()
            results[number].append(ask(client, question, min(job_timeout, left)))
        ended[number] = time.perf_counter()
        if client is not None:  # closing takes up to 1 s (heartbeat join): not timed
            client.close()

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # the users record it
        barrier.wait(timeout=max(1.0, deadline - time.monotonic()))
    started, meter = time.perf_counter(), cpu_meter(server)
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + 10)
    run.client_cpu, run.server_cpu = meter()
    run.wall = max([*ended, started]) - started
    for samples in results:
        finished = list(samples)  # a thread still running keeps appending to its own list
        missing = max(0, per_user - len(finished))
        run.samples += finished + [Sample("?", error="user did not finish") for _ in range(missing)]
    return run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float) -> float:
    """Seconds until ``/healthz`` says ok; raises if the server exits or takes too long."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=5) as response:
                if json.load(response).get("status") == "ok":
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server was not healthy after {timeout:.0f} s")


def peak_rss_kb(pid: int) -> int | None:
    """VmHWM of process ``pid`` in kB, or None when unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def read_lines(path: Path) -> list[str]:
    return path.read_text(errors="replace").splitlines() if path.exists() else []


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=8)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def load_questions(path: Path) -> list[str]:
    """Questions without a history, alternating between languages (the file groups them)."""
    by_language: dict[str, list[str]] = {}
    for item in load_question_set(path).items:
        if not item.history:
            by_language.setdefault(item.tag("language", "?"), []).append(item.question)
    mixed = itertools.zip_longest(*by_language.values())
    return [question for group in mixed for question in group if question is not None]


def report(baseline: Run, load: Run) -> None:
    base, under = baseline.summary(), load.summary()

    def cell(value: Any, digits: int) -> str:
        if isinstance(value, float):
            return f"{value:.{digits}f}"
        return "-" if value is None else str(value)

    def row(label: str, a: Any, b: Any, ratio: bool = False, digits: int = 1) -> None:
        times = f"x{b / a:.2f}" if ratio and a and b is not None else ""
        print(f"{label:26}{cell(a, digits):>12}{cell(b, digits):>12}{times:>10}")

    print(f"{'':26}{'baseline':>12}{'load':>12}{'load/base':>10}")
    for key in ("users", "questions", "answers", "errors"):
        row(key, base[key], under[key])
    row("wall time s", base["wall_s"], under["wall_s"])
    row("throughput answers/s", base["throughput_per_s"], under["throughput_per_s"], True, 2)
    row(f"server CPU s ({os.cpu_count()} cores)", base["server_cpu_s"], under["server_cpu_s"])
    row("client CPU s (this script)", base["client_cpu_s"], under["client_cpu_s"])
    for key, label in (
        ("first_update_ms", "first update"),
        ("ttft_ms", "TTFT"),
        ("full_ms", "full answer"),
    ):
        for stat in ("median", "p95"):
            row(f"{label} {stat} ms", base[key][stat], under[key][stat], ratio=True)
    row("updates per answer (med)", base["updates_median"], under["updates_median"])
    for name, summary in (("baseline", base), ("load", under)):
        messages = summary["error_messages"]
        if messages:
            print(f"{name} errors ({len(messages)}), first ones:")
            for message in messages[:5]:
                print(f"  - {message[:300]}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions-per-user", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=10, help="questions for one user alone")
    parser.add_argument("--warmup", type=int, default=2, help="untimed questions first")
    parser.add_argument(
        "--concurrency-setting",
        type=int,
        help="ASSISTANT_WEB__CONCURRENCY for the started server (default: unset, i.e. 4)",
    )
    parser.add_argument("--sources", type=Path, default=REPO / "sources")
    parser.add_argument("--index", type=Path, help="index folder (default: a fresh temp one)")
    parser.add_argument("--set", type=Path, default=REPO / "evals/poitiers.jsonl")
    parser.add_argument("--timeout", type=float, default=600, help="whole run, seconds")
    parser.add_argument("--job-timeout", type=float, default=120, help="one answer, seconds")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the numbers here")
    parser.add_argument("--server-log", type=Path, help="keep the started server's output here")
    parser.add_argument("--verbose", action="store_true", help="print every answer's timings")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    # gradio_client otherwise sends telemetry to Hugging Face from every client.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    questions = load_questions(args.set)

    server: subprocess.Popen[bytes] | None = None
    scratch = tempfile.TemporaryDirectory(prefix="web-load-")
    log_path = args.server_log or Path(scratch.name) / "server.log"
    result: dict[str, Any] = {"questions_available": len(questions)}
    try:
        if args.url:
            url = args.url if args.url.endswith("/") else args.url + "/"
        else:
            port = free_port()
            url = f"http://127.0.0.1:{port}/"
            index = args.index or Path(scratch.name) / "index"
            env = dict(os.environ)
            if args.concurrency_setting is not None:
                env["ASSISTANT_WEB__CONCURRENCY"] = str(args.concurrency_setting)
            command = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
            command += ["--sources", str(args.sources), "--index", str(index)]
            with log_path.open("wb") as log:
                server = subprocess.Popen(
                    command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
                )
            ready = wait_healthy(url, server, min(180.0, deadline - time.monotonic()))
            print(f"server pid {server.pid} ready in {ready:.1f} s (index build included)")
        setting = args.concurrency_setting or os.environ.get("ASSISTANT_WEB__CONCURRENCY")
        shown = "the server's own" if args.url else setting or "unset (default 4)"
        print(
            f"{url}  ASSISTANT_WEB__CONCURRENCY={shown}  "
            f"{len(questions)} questions without history in {args.set.name}"
        )
        result.update(url=url, concurrency_setting=setting)

        client = connect(url)
        for question in questions[: args.warmup]:
            ask(client, question, min(args.job_timeout, deadline - time.monotonic()))
        pid = server.pid if server is not None else None
        baseline = Run(1)
        started, meter = time.perf_counter(), cpu_meter(pid)
        for i in range(args.baseline):
            if time.monotonic() > deadline:
                break
            left = deadline - time.monotonic()
            baseline.samples.append(
                ask(client, questions[i % len(questions)], min(args.job_timeout, left))
            )
        baseline.wall = time.perf_counter() - started
        baseline.client_cpu, baseline.server_cpu = meter()
        client.close()

        load = run_users(
            url, questions, args.users, args.questions_per_user, args.job_timeout, deadline, pid
        )
        if args.verbose:
            for name, run in (("baseline", baseline), ("load", load)):
                for s in run.samples:
                    print(
                        f"{name}: {s.updates} updates, first {s.first_update}, ttft {s.ttft}, "
                        f"full {s.full}, error {s.error}: {s.question}"
                    )
        report(baseline, load)
        result.update(baseline=baseline.summary(), load=load.summary())
        result["baseline"]["samples"] = [asdict(s) for s in baseline.samples]
        result["load"]["samples"] = [asdict(s) for s in load.samples]
        if server is not None:
            rss = peak_rss_kb(server.pid)
            result["server_peak_rss_kb"] = rss
            if rss is not None:
                print(f"server peak RSS (VmHWM): {rss / 1024:.0f} MB")
    finally:
        if server is not None:
            running = len(read_lines(log_path))
            stop(server)
            lines = read_lines(log_path)
            for when, part in (
                ("while running", lines[:running]),
                ("at shutdown", lines[running:]),
            ):
                problems = [line for line in part if any(w in line for w in PROBLEM_WORDS)]
                result[f"server_log_problems_{when.split()[-1]}"] = problems
                print(f"server log {when}: {len(part)} lines, {len(problems)} with an error")
                for line in problems[:4]:
                    print(f"  {line[:200]}")
        scratch.cleanup()
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 1 if result.get("load", {}).get("errors") else 0


if __name__ == "__main__":
    raise SystemExit(main())
