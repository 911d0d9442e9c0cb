"""The regression gate: the corpus question set must stay above evals/thresholds.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.evaluate.question_sets import load_question_set
from assistant.evaluate.runner import evaluate
from assistant.settings import Settings
from tests.conftest import REPO, SOURCES

pytestmark = pytest.mark.slow


def test_corpus_set_meets_the_thresholds(tmp_path: Path, embedder: Embedder) -> None:
    limits = tomllib.loads((REPO / "evals" / "thresholds.toml").read_text("utf-8"))["poitiers"]
    assistant = Assistant(
        Settings(sources_dir=SOURCES, index_dir=tmp_path / "index"), embedder=embedder
    )
    run = evaluate(assistant, load_question_set(REPO / "evals" / "poitiers.jsonl"), baseline=False)
    metrics = run.metrics()["assistant"]
    metrics.update({k: v for k, v in run.retrieval_metrics()["hybrid"].items()})
    below = {k: (metrics[k], v) for k, v in limits["min"].items() if metrics[k] < v}
    above = {k: (metrics[k], v) for k, v in limits["max"].items() if metrics[k] > v}
    assert not below, f"below the gate (measured, minimum): {below}"
    assert not above, f"above the gate (measured, maximum): {above}"
