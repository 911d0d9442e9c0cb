"""Warm `ask` latency on the corpus, split by stage.

    .venv/bin/python benchmarks/ask_latency.py [--repeats 3]

Builds the index if needed, answers every question of evals/poitiers.jsonl once to warm
up, then `--repeats` more times, and prints the median and p95 of the total and of each
stage (embedding, dense search, keyword search, fusion, sentence selection).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from assistant.core import Assistant
from assistant.metrics import percentile
from assistant.questionset import load_question_set

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--set", type=Path, default=REPO / "evals/poitiers.jsonl")
    args = parser.parse_args()
    items = load_question_set(args.set).items
    assistant = Assistant()
    started = time.perf_counter()
    assistant.ensure_index()
    for item in items:  # warm-up: model, index files, caches
        assistant.ask(item.question, list(item.history))
    print(
        f"warm-up ({len(items)} questions, model load included): "
        f"{time.perf_counter() - started:.1f} s"
    )
    stages: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        for item in items:
            answer = assistant.ask(item.question, list(item.history))
            for stage, seconds in answer.timings.items():
                stages.setdefault(stage, []).append(seconds * 1000)
    print(f"{'stage':12}{'median ms':>12}{'p95 ms':>12}   ({len(stages['total'])} asks)")
    for stage, values in stages.items():
        print(f"{stage:12}{statistics.median(values):>12.2f}{percentile(values, 95):>12.2f}")


if __name__ == "__main__":
    main()
