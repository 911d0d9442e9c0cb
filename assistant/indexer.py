"""Building the index: incremental, built aside then switched, one build at a time."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from assistant.analysis import terms
from assistant.chunking import Chunk, chunk_document
from assistant.corpus import load_corpus
from assistant.documents import Document, SkippedFile
from assistant.embeddings import Embedder
from assistant.keyword import KeywordIndex
from assistant.settings import Settings
from assistant.snapshot import (
    CURRENT_FILE,
    SENTENCES_FILE,
    Snapshot,
    generation_dir,
    read_current,
    write_atomic,
)
from assistant.store import ChromaStore, Metadata

log = logging.getLogger(__name__)

# Bump when cleaning or chunking changes what a file turns into: the next build is full.
PIPELINE_VERSION = 2
_EMBED_BATCH = 256  # chunks per progress step; the model batches inside it


class IndexLockedError(RuntimeError):
    """Another build holds the index lock."""


@dataclass
class BuildReport:
    """What a build did. ``added``/``updated``/``removed`` count documents."""

    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    chunks_embedded: int = 0
    chunks_removed: int = 0
    sentences_embedded: int = 0
    generation: str = ""
    changed: bool = False
    added_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    removed_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        lines = [
            f"{self.documents} documents, {self.chunks} chunks "
            f"({self.added} added, {self.updated} updated, {self.removed} removed; "
            f"{self.chunks_embedded} chunks embedded) in {self.seconds:.1f} s",
            f"generation {self.generation}" + ("" if self.changed else " (unchanged)"),
        ]
        lines += [f"skipped {s.path}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


def fingerprint(settings: Settings) -> dict[str, Any]:
    """What must match for a previous generation's chunks and vectors to be reused."""
    return {
        "pipeline": PIPELINE_VERSION,
        "model": settings.embedding.model,
        "max_tokens": settings.chunking.max_tokens,
        "min_tokens": settings.chunking.min_tokens,
    }


def chunk_metadata(doc: Document, chunk: Chunk) -> Metadata:
    """Metadata stored with each vector (what a LangChain retriever hands on)."""
    meta = doc.meta
    return {
        "doc_id": doc.id,
        "title": meta.title,
        "publisher": meta.publisher,
        "date": meta.date or meta.updated,
        "url": meta.url,
        "language": meta.language,
        "file": meta.file,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
    }


def build_index(
    settings: Settings,
    embedder: Embedder,
    store: ChromaStore,
    *,
    progress: bool | None = None,
) -> BuildReport:
    """Bring the index in line with ``settings.sources_dir``; see the module docstring."""
    index_dir = settings.index_dir
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / ".build.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise IndexLockedError(
            f"another build is running on {index_dir} (lock {index_dir / '.build.lock'}); "
            "wait for it to finish"
        ) from exc
    try:
        return _build(settings, embedder, store, progress)
    finally:
        lock.release()


def _build(
    settings: Settings, embedder: Embedder, store: ChromaStore, progress: bool | None
) -> BuildReport:
    started = time.perf_counter()
    index_dir = settings.index_dir
    wanted = fingerprint(settings)
    current = read_current(index_dir)
    old = _load_previous(settings, store, current)
    reusable = old is not None and old.fingerprint == wanted
    previous_docs = {d.meta.file: d for d in old.documents} if old and reusable else {}

    corpus = load_corpus(
        settings.sources_dir,
        max_bytes=int(settings.max_file_mb * 1024 * 1024),
        previous=previous_docs,
    )
    chunks = _chunk_all(settings, embedder, corpus.documents, old if reusable else None)
    report = _diff(old if reusable else None, corpus.documents, chunks)
    report.skipped = corpus.skipped
    report.documents = len(corpus.documents)
    report.chunks = sum(len(c) for c in chunks.values())

    new_meta = {
        chunk.id: chunk_metadata(doc, chunk) for doc in corpus.documents for chunk in chunks[doc.id]
    }
    old_meta = (
        {c.id: chunk_metadata(old.by_id[c.doc_id], c) for c in old.all_chunks}
        if old and reusable
        else {}
    )
    to_add = [cid for cid in new_meta if cid not in old_meta]
    to_remove = [cid for cid in old_meta if cid not in new_meta]
    to_update = [cid for cid in new_meta if cid in old_meta and old_meta[cid] != new_meta[cid]]
    skipped_now = [asdict(s) for s in corpus.skipped]

    if (
        current is not None
        and reusable
        and not (to_add or to_remove or to_update or report.added or report.updated)
        and not report.removed
        and old is not None
        and old.skipped == skipped_now
    ):
        report.generation = current
        report.seconds = time.perf_counter() - started
        return report

    generation = _new_generation_name()
    chunk_by_id = {c.id: c for doc_chunks in chunks.values() for c in doc_chunks}
    try:
        if current is not None and reusable:
            collection = store.copy(current, generation)
        else:
            collection = store.open(generation, create=True)
        collection.delete(to_remove)
        collection.update_metadata(to_update, [new_meta[cid] for cid in to_update])
        _embed_and_add(embedder, collection, [chunk_by_id[c] for c in to_add], new_meta, progress)
        store.close(generation)
        built_at = datetime.now(UTC).isoformat(timespec="seconds")
        snapshot = Snapshot(
            generation=generation,
            fingerprint=wanted,
            documents=corpus.documents,
            chunks=chunks,
            built_at=built_at,
            skipped=skipped_now,
            indexed_at=_indexed_at(corpus.documents, old if reusable else None, built_at),
        )
        target = generation_dir(index_dir, generation)
        target.mkdir(parents=True, exist_ok=True)
        previous_dir = generation_dir(index_dir, current) if current and reusable else None
        reused = write_sentence_vectors(
            target, snapshot, embedder, old if reusable else None, previous_dir, progress
        )
        report.sentences_embedded = len(snapshot.sentence_keys) - reused
        keyword_index(snapshot).save(target)
        # state.json last: a generation without it is incomplete and never served.
        snapshot.save(target)
    except BaseException:
        # Whatever failed, the generation being served is untouched; drop the partial one.
        store.close(generation)
        _drop(settings, store, generation)
        raise
    write_atomic(index_dir / CURRENT_FILE, generation + "\n")
    _prune(settings, store, keep={generation, current} - {None})
    report.generation = generation
    report.changed = True
    report.chunks_embedded = len(to_add)
    report.chunks_removed = len(to_remove)
    report.seconds = time.perf_counter() - started
    return report


def _indexed_at(documents: list[Document], old: Snapshot | None, now: str) -> dict[str, str]:
    """When each document's current text was first indexed: kept for unchanged ones."""
    stamps: dict[str, str] = {}
    for doc in documents:
        before = old.by_id.get(doc.id) if old is not None else None
        if old is not None and before is not None and before.sha256 == doc.sha256:
            stamps[doc.id] = old.indexed_at.get(doc.id) or old.built_at
        else:
            stamps[doc.id] = now
    return stamps


def keyword_index(snapshot: Snapshot) -> KeywordIndex:
    """BM25 over the chunks of ``snapshot``, each analysed in its document's language."""
    return KeywordIndex.build(
        [
            terms(chunk.embed_text, snapshot.by_id[chunk.doc_id].meta.language or "fr")
            for chunk in snapshot.all_chunks
        ]
    )


def write_sentence_vectors(
    target: Path,
    snapshot: Snapshot,
    embedder: Embedder,
    old: Snapshot | None,
    old_dir: Path | None,
    progress: bool | None,
) -> int:
    """Embed every sentence once, at index time, so answering needs only the question's
    embedding. Vectors of sentences already in ``old`` are copied. Returns how many."""
    keys = snapshot.sentence_keys
    dim = embedder.dimension
    vectors = np.zeros((len(keys), dim), dtype=np.float16)
    reused_rows: dict[tuple[str, int], int] = {}
    if old is not None and old_dir is not None and (old_dir / SENTENCES_FILE).exists():
        old_vectors = np.load(old_dir / SENTENCES_FILE, mmap_mode="r")
        old_rows = {key: row for row, key in enumerate(old.sentence_keys)}
        for row, key in enumerate(keys):
            if key in old_rows:
                vectors[row] = old_vectors[old_rows[key]]
                reused_rows[key] = row
    missing = [row for row, key in enumerate(keys) if key not in reused_rows]
    texts = [snapshot.sentence_text(keys[row]) for row in missing]
    from tqdm import tqdm

    disable = None if progress is None else not progress
    with tqdm(total=len(missing), desc="sentences", unit="sent", disable=disable) as bar:
        for start in range(0, len(missing), _EMBED_BATCH * 4):
            rows = missing[start : start + _EMBED_BATCH * 4]
            vectors[rows] = embedder.embed(texts[start : start + len(rows)]).astype(np.float16)
            bar.update(len(rows))
    tmp = target / f".{SENTENCES_FILE}.tmp.npy"
    np.save(tmp, vectors)
    tmp.replace(target / SENTENCES_FILE)
    return len(reused_rows)


def _load_previous(settings: Settings, store: ChromaStore, current: str | None) -> Snapshot | None:
    if current is None:
        return None
    directory = generation_dir(settings.index_dir, current)
    try:
        snapshot = Snapshot.load(directory, settings.sources_dir)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("previous index %s is unreadable (%s); building from scratch", current, exc)
        return None
    if not store.exists(current):
        log.warning("vectors of generation %s are missing; building from scratch", current)
        return None
    return snapshot


def _chunk_all(
    settings: Settings, embedder: Embedder, documents: Sequence[Document], old: Snapshot | None
) -> dict[str, list[Chunk]]:
    chunks: dict[str, list[Chunk]] = {}
    for doc in documents:
        reused = old.by_id.get(doc.id) if old else None
        if reused is not None and reused is doc:
            chunks[doc.id] = old.chunks[doc.id] if old else []
            continue
        chunks[doc.id] = chunk_document(
            doc,
            embedder.count_tokens,
            max_tokens=settings.chunking.max_tokens,
            min_tokens=settings.chunking.min_tokens,
        )
    return chunks


def _diff(
    old: Snapshot | None, documents: Sequence[Document], chunks: dict[str, list[Chunk]]
) -> BuildReport:
    report = BuildReport()
    old_docs = old.by_id if old else {}
    new_ids = {doc.id for doc in documents}
    for doc in documents:
        before = old_docs.get(doc.id)
        if before is None:
            report.added_ids.append(doc.id)
        elif before.sha256 != doc.sha256 or before.meta != doc.meta or before.text != doc.text:
            report.updated_ids.append(doc.id)
    report.removed_ids = [doc_id for doc_id in old_docs if doc_id not in new_ids]
    report.added = len(report.added_ids)
    report.updated = len(report.updated_ids)
    report.removed = len(report.removed_ids)
    return report


def _embed_and_add(
    embedder: Embedder,
    collection: Any,
    new_chunks: Sequence[Chunk],
    metadata: dict[str, Metadata],
    progress: bool | None,
) -> None:
    if not new_chunks:
        return
    from tqdm import tqdm

    # Longest first keeps padding low inside each model batch.
    ordered = sorted(new_chunks, key=lambda c: len(c.embed_text), reverse=True)
    disable = None if progress is None else not progress
    with tqdm(total=len(ordered), desc="embedding", unit="chunk", disable=disable) as bar:
        for start in range(0, len(ordered), _EMBED_BATCH):
            batch = ordered[start : start + _EMBED_BATCH]
            vectors = embedder.embed([c.embed_text for c in batch])
            collection.add(
                [c.id for c in batch],
                vectors,
                [c.text for c in batch],
                [metadata[c.id] for c in batch],
            )
            bar.update(len(batch))


def _new_generation_name() -> str:
    return f"g{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"


def _drop(settings: Settings, store: ChromaStore, generation: str) -> None:
    store.drop(generation)
    shutil.rmtree(generation_dir(settings.index_dir, generation), ignore_errors=True)


def _prune(settings: Settings, store: ChromaStore, keep: set[str | None]) -> None:
    """Remove generations other than the new and the previous one (and crash leftovers).

    The previous one stays so that a process still serving it can finish its requests.
    """
    root = settings.index_dir / "generations"
    names = {p.name for p in root.iterdir() if p.is_dir()} if root.exists() else set()
    names |= set(store.generations())
    for name in sorted(names - {k for k in keep if k}):
        _drop(settings, store, name)
