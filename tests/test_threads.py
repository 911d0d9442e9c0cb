"""Torch computes with every core to build an index and one thread to answer
(assistant/embeddings/threads.py)."""

from __future__ import annotations

from pathlib import Path

import torch

from assistant.embeddings import Embedder
from assistant.embeddings.threads import _all_cores, use_threads
from tests.conftest import indexed


def test_threads_follow_the_job() -> None:
    default = _all_cores()
    try:
        use_threads(1)
        assert torch.get_num_threads() == 1
        use_threads(0)  # 0: torch's own default, all cores
        assert torch.get_num_threads() == default
    finally:
        torch.set_num_threads(default)


def test_an_answer_is_computed_on_the_query_threads(tmp_path: Path, embedder: Embedder) -> None:
    # Two threads beside a busy process answered four times slower than one.
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.txt").write_text("La recyclerie de Naintré emploie six salariés.\n")
    assistant = indexed(sources, tmp_path, embedder)
    torch.set_num_threads(_all_cores())
    assistant.ask("Combien de salariés emploie la recyclerie ?")
    assert torch.get_num_threads() == assistant.settings.embedding.query_threads == 1
