"""A build killed mid-way leaves the previous index answering; the next build recovers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.index.snapshot import read_current
from assistant.settings import Settings

pytestmark = pytest.mark.slow


def _add_many_documents(sources: Path, count: int, prefix: str = "synthetic") -> None:
    """Enough new text that embedding it takes several seconds on two cores."""
    sentences = [
        line.strip()
        for path in sorted(sources.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").split(". ")
        if len(line.split()) > 6
    ]
    rng = random.Random(7)
    for n in range(count):
        paragraphs = [". ".join(rng.sample(sentences, 4)) + "." for _ in range(2)]
        (sources / f"{prefix}-{n:04d}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")


@pytest.mark.parametrize("delay", [0.0, 2.0])
def test_killed_build_leaves_previous_index_usable(
    corpus: Path, make_settings: Callable[..., Settings], embedder: Embedder, delay: float
) -> None:
    settings = make_settings(corpus)
    assistant = Assistant(settings, embedder=embedder)
    first = assistant.build_index(progress=False)
    _add_many_documents(corpus, 120)

    generations = settings.index_dir / "generations"
    command = ["index", "--quiet", "--sources", str(corpus), "--index", str(settings.index_dir)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list(generations.iterdir())) < 2:  # the new generation is being written
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.05)
        time.sleep(delay)
        assert proc.poll() is None, "the build finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()

    # The previous generation is still the one served, and it answers.
    assert read_current(settings.index_dir) == first.generation
    reader = Assistant(settings, embedder=embedder)
    snapshot = reader.snapshot()
    assert len(snapshot.documents) == 5
    collection = reader.store.open(first.generation)
    assert collection.count() == first.chunks
    hits = collection.query(embedder.embed_query("Maison de l'ESS à Niort"), 1)
    assert snapshot.chunk_by_id[hits[0].id].doc_id == "rtes-maison-ess-niort"

    # The next build completes, switches, and removes the half-written generation.
    report = reader.build_index(progress=False)
    assert report.documents == 125 and report.changed
    assert read_current(settings.index_dir) == report.generation
    assert {p.name for p in generations.iterdir()} == {first.generation, report.generation}


def _usable(settings: Settings, embedder: Embedder) -> tuple[str, int]:
    """The served generation loads, its vectors are complete, and it answers."""
    generation = read_current(settings.index_dir)
    assert generation is not None
    reader = Assistant(settings, embedder=embedder)
    snapshot = reader.snapshot()
    assert snapshot.generation == generation
    collection = reader.store.open(generation)
    assert collection.count() == len(snapshot.all_chunks)
    answer = reader.ask("Qui a posé la première pierre de la Maison de l'ESS à Niort ?")
    assert "Benoît Hamon" in answer.text
    reader.store.close()
    return generation, len(snapshot.documents)


def test_builds_killed_at_random_points_always_leave_a_usable_index(
    corpus: Path, make_settings: Callable[..., Settings], embedder: Embedder
) -> None:
    settings = make_settings(corpus)
    built = Assistant(settings, embedder=embedder)
    complete = {built.build_index(progress=False).generation: 5}
    built.store.close()
    command = ["index", "--quiet", "--sources", str(corpus), "--index", str(settings.index_dir)]
    rng = random.Random(2026)
    documents = 5
    for attempt in range(5):
        _add_many_documents(corpus, 40, prefix=f"round-{attempt}")
        documents += 40
        delay = rng.uniform(0, 16)  # start-up, loading, embedding, writing, switching
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        generation, count = _usable(settings, embedder)
        # The previous complete generation, or the new one complete with every document.
        assert generation in complete or count == documents, (attempt, delay)
        complete.setdefault(generation, count)
    report = Assistant(settings, embedder=embedder).build_index(progress=False)
    assert report.documents == documents
    assert _usable(settings, embedder)[1] == documents
    left = {p.name for p in (settings.index_dir / "generations").iterdir()}
    assert len(left) <= 2 and report.generation in left  # killed builds' leftovers pruned
