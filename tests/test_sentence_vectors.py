"""Sentence vectors pooled from the chunk's own model pass, and their fall-backs: the
sentence-transformers backend (all-MiniLM-L6-v2), the one that pools token vectors (the e5
backends embed each sentence alone)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.index.snapshot import SENTENCES_FILE, generation_dir, read_current
from assistant.settings import ChunkingSettings, EmbeddingSettings, Settings
from tests.conftest import MINILM


def _sentence_matrix(assistant: Assistant) -> np.ndarray:
    generation = read_current(assistant.settings.index_dir)
    assert generation is not None
    return np.load(generation_dir(assistant.settings.index_dir, generation) / SENTENCES_FILE)


def test_pooled_vectors_track_sentences_embedded_alone(
    corpus: Path, make_settings: Callable[..., Settings], minilm: Embedder
) -> None:
    assistant = Assistant(make_settings(corpus, embedding=MINILM), embedder=minilm)
    before = minilm.texts_embedded
    report = assistant.build_index(progress=False)
    snapshot = assistant.snapshot()
    keys = snapshot.sentence_keys
    # One model pass per chunk made every sentence vector.
    assert minilm.texts_embedded - before == report.chunks == len(snapshot.all_chunks)
    assert report.sentences_embedded == len(keys) and report.sentences_alone == 0
    pooled = _sentence_matrix(assistant).astype(np.float32)
    alone = minilm.embed([snapshot.sentence_text(k) for k in keys])
    assert np.allclose(np.linalg.norm(pooled, axis=1), 1.0, atol=1e-2)
    same = np.sum(pooled * alone, axis=1)
    assert float(np.median(same)) > 0.75
    # Each pooled vector is closest to its own sentence among the sentences of its chunk.
    rows = assistant.serving().sentence_rows
    own = 0
    for chunk in snapshot.all_chunks:
        first, count = rows[chunk.id], len(chunk.sentences)
        if count < 2:
            continue
        sims = pooled[first : first + count] @ alone[first : first + count].T
        own += int(np.sum(np.argmax(sims, axis=1) == np.arange(count)))
    multi = sum(len(c.sentences) for c in snapshot.all_chunks if len(c.sentences) > 1)
    assert own / multi > 0.8  # by chance it would be about a third


def test_separate_mode_embeds_each_sentence_alone(
    corpus: Path, make_settings: Callable[..., Settings], minilm: Embedder
) -> None:
    settings = make_settings(
        corpus,
        embedding=EmbeddingSettings(backend="sentence-transformers", sentence_vectors="separate"),
    )
    assistant = Assistant(settings, embedder=minilm)
    report = assistant.build_index(progress=False)
    snapshot = assistant.snapshot()
    assert report.sentences_alone == report.sentences_embedded == len(snapshot.sentence_keys)
    expected = minilm.embed([snapshot.sentence_text(k) for k in snapshot.sentence_keys])
    assert np.allclose(_sentence_matrix(assistant), expected, atol=2e-3)


def test_sentences_past_the_model_window_are_embedded_alone(
    tmp_path: Path, make_settings: Callable[..., Settings], minilm: Embedder
) -> None:
    sources = tmp_path / "long"
    sources.mkdir()
    sentence = "La coopérative {n} de Poitiers accompagne les associations du quartier."
    paragraph = " ".join(sentence.format(n=n) for n in range(60))  # about 900 tokens
    (sources / "long.txt").write_text(paragraph + "\n", encoding="utf-8")
    chunking = ChunkingSettings(max_tokens=1200)  # one chunk, longer than the 256-token window
    assistant = Assistant(
        make_settings(sources, chunking=chunking, embedding=MINILM), embedder=minilm
    )
    report = assistant.build_index(progress=False)
    snapshot = assistant.snapshot()
    assert report.chunks == 1
    assert 0 < report.sentences_alone < report.sentences_embedded == len(snapshot.sentence_keys)
    vectors = _sentence_matrix(assistant).astype(np.float32)
    assert np.isfinite(vectors).all()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)
    last = minilm.embed([snapshot.sentence_text(snapshot.sentence_keys[-1])])[0]
    assert float(vectors[-1] @ last) > 0.99  # the cut-off sentence, embedded on its own
