"""Warm `ask` latency on the corpus, split by stage; optionally beside an older commit.

    .venv/bin/python benchmarks/ask_latency.py [--repeats 3] [--compare REF]

Builds the index if needed, answers every question of evals/poitiers.jsonl once to warm
up, then `--repeats` more times, and prints the median and p95 of the total and of each
stage (embedding, dense search, keyword search, fusion, sentence selection).

``--compare REF`` runs the same measurement, in the same invocation, on the code of git
commit ``REF`` (checked out as a worktree in a temporary folder, with its own index,
run by this interpreter), e.g. the last commit with the logistic sentence selector:
``--compare a5f31a3``. Both tables are printed, then the ratios of their medians and p95.

``--selector`` also measures this checkout without the trained reader (``retrieval.reader =
false``: the logistic selector alone decides), in the same invocation and on the same
index, and prints the ratios to the default (which reads with the reader).

``--backend e5`` also measures this checkout with another embedding backend, on an index
of its own, in the same invocation (ratios against the row before it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(
    repeats: int, question_set: Path, *, reader: bool | None = None, backend: str | None = None
) -> dict[str, list[float]]:
    from assistant.core import Assistant
    from assistant.evaluate.question_sets import load_question_set
    from assistant.settings import EmbeddingSettings, Settings

    items = load_question_set(question_set).items
    settings = Settings()
    if backend:
        # Its own index beside the default one: the default index stays as it is.
        settings = settings.model_copy(
            update={
                "embedding": EmbeddingSettings(backend=backend),  # type: ignore[arg-type]
                "index_dir": settings.index_dir.parent / f"{settings.index_dir.name}-{backend}",
            }
        )
    if reader is not None:
        settings = settings.model_copy(
            update={"retrieval": settings.retrieval.model_copy(update={"reader": reader})}
        )
    assistant = Assistant(settings)
    started = time.perf_counter()
    assistant.ensure_index()
    for item in items:  # warm-up: model, index files, caches
        assistant.ask(item.question, list(item.history))
    print(
        f"warm-up ({len(items)} questions, model load included): "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    stages: dict[str, list[float]] = {}
    for _ in range(repeats):
        for item in items:
            answer = assistant.ask(item.question, list(item.history))
            for stage, seconds in answer.timings.items():
                stages.setdefault(stage, []).append(seconds * 1000)
    return stages


def table(title: str, stages: dict[str, list[float]]) -> str:
    lines = [
        f"{title}: {len(stages['total'])} asks",
        f"{'stage':12}{'median ms':>12}{'p95 ms':>12}",
    ]
    for stage, values in stages.items():
        lines.append(f"{stage:12}{statistics.median(values):>12.2f}{_p95(values):>12.2f}")
    return "\n".join(lines)


def _p95(values: list[float]) -> float:
    from assistant.evaluate.metrics import percentile

    return percentile(values, 95)


def run_at(ref: str, repeats: int, question_set: Path) -> dict[str, list[float]]:
    """The measurement on the code of commit ``ref``, in a worktree of its own."""
    folder = Path(tempfile.mkdtemp(prefix="ask-latency-")) / ref
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), ref],
        check=True,
        capture_output=True,
    )
    try:
        out = folder / "stages.json"
        script = Path(__file__).read_text(encoding="utf-8")
        runner = folder / "ask_latency_runner.py"
        runner.write_text(script, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(folder)}
        subprocess.run(
            [sys.executable, str(runner), "--repeats", str(repeats), "--set",
             str(question_set), "--json", str(out)],
            check=True, cwd=folder, env=env,
        )  # fmt: skip
        stages: dict[str, list[float]] = json.loads(out.read_text(encoding="utf-8"))
        return stages
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)],
            check=False,
            capture_output=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--set", type=Path, default=REPO / "evals/poitiers.jsonl")
    parser.add_argument("--compare", metavar="REF", help="also measure git commit REF")
    parser.add_argument(
        "--selector", action="store_true", help="also measure without the reader (selector only)"
    )
    parser.add_argument(
        "--backend",
        metavar="NAME",
        help="also measure this checkout with embedding.backend NAME (e.g. e5), on an index "
        "of its own (<index_dir>-NAME)",
    )
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # the worktree runner's output
    args = parser.parse_args()
    question_set = args.set.resolve()
    if args.json:
        args.json.write_text(json.dumps(measure(args.repeats, question_set)), encoding="utf-8")
        return
    results: list[tuple[str, dict[str, list[float]]]] = []
    if args.compare:
        results.append((f"commit {args.compare}", run_at(args.compare, args.repeats, question_set)))
    results.append(("this checkout", measure(args.repeats, question_set)))
    if args.selector:
        results.append(
            ("this checkout, selector", measure(args.repeats, question_set, reader=False))
        )
    if args.backend:
        results.append(
            (
                f"this checkout, {args.backend}",
                measure(args.repeats, question_set, backend=args.backend),
            )
        )
    for title, stages in results:
        print(table(title, stages) + "\n")
    for (old_title, old), (new_title, new) in itertools.pairwise(results):
        ratio_median = statistics.median(new["total"]) / statistics.median(old["total"])
        ratio_p95 = _p95(new["total"]) / _p95(old["total"])
        print(f"total, {new_title} / {old_title}: median x{ratio_median:.2f}, p95 x{ratio_p95:.2f}")


if __name__ == "__main__":
    main()
