"""Building the index: incremental, built aside then switched, one build at a time."""

from __future__ import annotations

from assistant.errors import IndexLockedError

import logging
import os
from contextvars import ContextVar
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout
from scipy import sparse

from assistant.text.analysis import ANALYSIS_VERSION, terms
from assistant.index.chunking import Chunk, chunk_document
from assistant.ingest.source_folder import load_corpus
from assistant.documents import Document, SkippedFile
from assistant.embeddings import Embedder, Vectors
from assistant.index.keyword import COUNTS_FILE, KeywordIndex, TermCounts, counts_analysis
from assistant.settings import Settings
from assistant.index.snapshot import (
    CURRENT_FILE,
    SENTENCES_FILE,
    Snapshot,
    generation_dir,
    read_current,
    write_atomic,
)
from assistant.index.store import GenerationStore, Metadata, VectorCollection
from assistant.index.vector_reuse import (
    SentenceKey,
    moved_documents,
    same_text_chunks,
    sentence_sources,
)

log = logging.getLogger(__name__)

# Bump when cleaning or chunking changes what a file turns into: the next build is full.
# 3: web pages read for their main content, hidden text dropped; 4: a unit after a number
# ends a sentence ("de 14 h à 18 h."), publisher and update date read from the file;
# 5: an ordinal in digits is indexed as its number ("30th", "1er" -> "30", "1").
PIPELINE_VERSION = 5
_EMBED_BATCH = 256  # chunks per progress step; the model batches inside it

#: Called as ``(stage, done, total)`` while a build runs: stages "load", "chunk",
#: "diff", "copy", "embed" (chunks), "sentences", "keyword", "save", "switch" (done == total when a stage
#: ends). Set by :func:`build_index` for the thread that builds, so the model loops deep
#: inside report without every function between passing a callback on.
ProgressCallback = Callable[[str, int, int], None]
_REPORT: ContextVar[ProgressCallback | None] = ContextVar("build_progress", default=None)


def _report(stage: str, done: int = 1, total: int = 1) -> None:
    report = _REPORT.get()
    if report is not None:
        report(stage, done, total)


@dataclass
class BuildReport:
    """What a build did. ``added``/``updated``/``removed``/``moved`` count documents, each
    in one of them: a file renamed or moved with its text unchanged is ``moved`` (its new
    id in ``moved_ids``, old path -> new path in ``moved_files``), not added and removed."""

    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    moved: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how files read in this build were read
    seconds: float = 0.0
    chunks_embedded: int = 0  # chunks given a vector by a model pass in this build
    chunks_reused: int = 0  # new chunk ids given the vector of the same text already indexed
    chunks_removed: int = 0
    sentences_embedded: int = 0  # sentences given new vectors (pooled or alone)
    sentences_alone: int = 0  # of those, embedded in a model pass of their own
    generation: str = ""
    changed: bool = False
    added_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    removed_ids: list[str] = field(default_factory=list)
    moved_ids: list[str] = field(default_factory=list)
    moved_files: dict[str, str] = field(default_factory=dict)  # old path -> new path
    stages: dict[str, float] = field(default_factory=dict)  # seconds per build stage

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        # ", N moved" only when there is one: the line reads as before for other builds.
        moved = f", {self.moved} moved" if self.moved else ""
        lines = [
            f"{self.documents} documents, {self.chunks} chunks "
            f"({self.added} added, {self.updated} updated, {self.removed} removed{moved}; "
            f"{self.chunks_embedded} chunks embedded) in {self.seconds:.1f} s",
            f"generation {self.generation}" + ("" if self.changed else " (unchanged)"),
        ]
        lines += [f"moved {before} -> {after}" for before, after in self.moved_files.items()]
        lines += [f"skipped {s.path}: {s.reason}" for s in self.skipped]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def fingerprint(settings: Settings) -> dict[str, Any]:
    """What must match for a previous generation's chunks and vectors to be reused.

    It is stored with each generation (``state.json``), so an index records the embedding
    backend and model that built it; a change of either makes the next build full.
    """
    out: dict[str, Any] = {
        "pipeline": PIPELINE_VERSION,
        "backend": settings.embedding.backend,
        "model": settings.embedding.model,
        "max_tokens": settings.chunking.max_tokens,
        "min_tokens": settings.chunking.min_tokens,
        "sentence_vectors": settings.embedding.sentence_vectors,
    }
    if settings.embedding.backend == "e5":
        # Retrained layers under the same model name must not reuse the old vectors.
        from assistant.embeddings._e5 import revision

        out["revision"] = revision(settings.embedding)
    return out


def same_fingerprint(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether a generation's stored fingerprint matches ``wanted``; generations built
    before the backend was recorded were all built by sentence-transformers."""
    return {"backend": "sentence-transformers", **stored} == wanted


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
    store: GenerationStore,
    *,
    progress: bool | None = None,
    on_progress: ProgressCallback | None = None,
) -> BuildReport:
    """Bring the index in line with ``settings.sources_dir``; see the module docstring.

    ``progress`` shows progress bars (None: when the terminal is interactive);
    ``on_progress`` is called with each stage's progress (see :data:`ProgressCallback`),
    for the page that shows a background build."""
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
    token = _REPORT.set(on_progress)
    try:
        return _build(settings, embedder, store, progress)
    finally:
        _REPORT.reset(token)
        lock.release()


def _build(
    settings: Settings, embedder: Embedder, store: GenerationStore, progress: bool | None
) -> BuildReport:
    started = time.perf_counter()
    index_dir = settings.index_dir
    wanted = fingerprint(settings)
    current = read_current(index_dir)
    old = _load_previous(settings, store, current)
    # The previous generation, when its chunks and vectors may be reused (same fingerprint).
    previous = old if old is not None and same_fingerprint(old.fingerprint, wanted) else None
    previous_docs = {d.meta.file: d for d in previous.documents} if previous else {}

    stages: dict[str, float] = {}
    clock = _Stopwatch(stages)
    corpus = load_corpus(
        settings.sources_dir,
        max_bytes=settings.max_file_bytes,
        previous=previous_docs,
    )
    clock.lap("load")
    _report("load")
    chunks = _chunk_all(settings, embedder, corpus.documents, previous)
    clock.lap("chunk")
    _report("chunk")
    moved = moved_documents(previous, corpus.documents) if previous else {}
    report = _diff(previous, corpus.documents, moved)
    report.stages = stages
    report.skipped = corpus.skipped
    report.notes = corpus.notes
    report.documents = len(corpus.documents)
    report.chunks = sum(len(c) for c in chunks.values())

    new_meta = {
        chunk.id: chunk_metadata(doc, chunk) for doc in corpus.documents for chunk in chunks[doc.id]
    }
    old_meta = (
        {c.id: chunk_metadata(previous.by_id[c.doc_id], c) for c in previous.all_chunks}
        if previous
        else {}
    )
    to_add = [cid for cid in new_meta if cid not in old_meta]
    to_remove = [cid for cid in old_meta if cid not in new_meta]
    to_update = [cid for cid in new_meta if cid in old_meta and old_meta[cid] != new_meta[cid]]
    skipped_now = [asdict(s) for s in corpus.skipped]

    if (
        current is not None
        and previous is not None
        and not (to_add or to_remove or to_update or report.added or report.updated)
        and not (report.removed or report.moved)
        and previous.skipped == skipped_now
        # Keyword terms of another analysis version: build a generation with current ones.
        and counts_analysis(generation_dir(index_dir, current)) == ANALYSIS_VERSION
    ):
        report.generation = current
        report.seconds = time.perf_counter() - started
        return report

    generation = _new_generation_name()
    chunk_by_id = {c.id: c for doc_chunks in chunks.values() for c in doc_chunks}
    # New chunk ids whose embedded text the previous generation holds under another id
    # (a renamed or moved file, an unchanged paragraph of a renamed one): same vector.
    same_text = same_text_chunks(previous, chunk_by_id.values()) if previous else {}
    clock.lap("diff")
    _report("diff")
    try:
        if current is not None and previous is not None:
            collection = store.copy(current, generation)
        else:
            collection = store.open(generation, create=True)
        # Read the reused vectors before their old ids are deleted.
        reused = _reused_vectors(collection, to_add, same_text)
        collection.delete(to_remove)
        collection.update_metadata(to_update, [new_meta[cid] for cid in to_update])
        if reused:
            collection.add(
                list(reused),
                np.stack(list(reused.values())),
                [chunk_by_id[cid].text for cid in reused],
                [new_meta[cid] for cid in reused],
            )
        clock.lap("copy")
        _report("copy")
        pooled = _embed_and_add(
            embedder,
            collection,
            [chunk_by_id[c] for c in to_add if c not in reused],
            new_meta,
            progress,
            sentences=settings.embedding.sentence_vectors == "pooled",
        )
        if store.warm_on_build and report.chunks:
            # A Chroma server loads a collection's index on its first query; pay that here,
            # before the switch, rather than in the first question on the new generation.
            collection.ping(embedder.dimension)
        store.close(generation)
        clock.lap("embed")
        _report("embed")
        built_at = datetime.now(UTC).isoformat(timespec="seconds")
        snapshot = Snapshot(
            generation=generation,
            fingerprint=wanted,
            documents=corpus.documents,
            chunks=chunks,
            built_at=built_at,
            skipped=skipped_now,
            indexed_at=_indexed_at(corpus.documents, previous, built_at, moved),
        )
        target = generation_dir(index_dir, generation)
        target.mkdir(parents=True, exist_ok=True)
        previous_dir = generation_dir(index_dir, current) if current and previous else None
        # A vector pooled from a chunk's pass depends on the whole chunk: sentences are
        # matched by their text alone only where every old vector is a sentence alone.
        alone = settings.embedding.sentence_vectors == "separate" or not embedder.pools_spans
        sources = sentence_sources(previous, snapshot, same_text, by_text=alone) if previous else {}
        kept, report.sentences_alone = write_sentence_vectors(
            target, snapshot, embedder, previous, previous_dir, progress, pooled, sources=sources
        )
        report.sentences_embedded = len(snapshot.sentence_keys) - kept
        clock.lap("sentences")
        _report("sentences")
        keywords, counts = keyword_index(snapshot, previous, previous_dir, same_as=same_text)
        keywords.save(target)
        counts.save(target)
        clock.lap("keyword")
        _report("keyword")
        # state.json last: a generation without it is incomplete and never served.
        snapshot.save(target)
        clock.lap("save")
        _report("save")
    except BaseException:
        # Whatever failed, the generation being served is untouched; drop the partial one.
        store.close(generation)
        _drop(settings, store, generation)
        raise
    write_atomic(index_dir / CURRENT_FILE, generation + "\n")
    _prune(settings, store, keep={generation, current} - {None})
    clock.lap("switch")
    _report("switch")
    report.generation = generation
    report.changed = True
    report.chunks_embedded = len(to_add) - len(reused)
    report.chunks_reused = len(reused)
    report.chunks_removed = len(to_remove)
    report.seconds = time.perf_counter() - started
    return report


def _reused_vectors(
    collection: VectorCollection, to_add: Sequence[str], same_text: Mapping[str, str]
) -> dict[str, Vectors]:
    """New chunk id -> the stored vector of the old chunk with its text (``same_text``),
    for the chunks of ``to_add`` that have one in ``collection``; the others are embedded."""
    wanted = sorted({same_text[cid] for cid in to_add if cid in same_text})
    found = collection.vectors(wanted) if wanted else {}
    return {
        cid: found[same_text[cid]] for cid in to_add if cid in same_text and same_text[cid] in found
    }


class _Stopwatch:
    """Adds the seconds since the last lap to ``stages[name]``."""

    def __init__(self, stages: dict[str, float]) -> None:
        self.stages = stages
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = self.stages.get(name, 0.0) + now - self.last
        self.last = now


def _indexed_at(
    documents: list[Document],
    old: Snapshot | None,
    now: str,
    moved: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """When each document's current text was first indexed: kept for unchanged ones, and
    for moved ones (``moved``: new id -> old id), whose text is not new either."""
    moved = moved or {}
    stamps: dict[str, str] = {}
    for doc in documents:
        origin = moved.get(doc.id, doc.id)
        before = old.by_id.get(origin) if old is not None else None
        same = before is not None and (before.sha256 == doc.sha256 or doc.id in moved)
        if old is not None and same:
            stamps[doc.id] = old.indexed_at.get(origin) or old.built_at
        else:
            stamps[doc.id] = now
    return stamps


def keyword_index(
    snapshot: Snapshot,
    old: Snapshot | None = None,
    old_dir: Path | None = None,
    *,
    same_as: Mapping[str, str] | None = None,
) -> tuple[KeywordIndex, TermCounts]:
    """BM25 over the chunks of ``snapshot``, each analysed in its document's language.

    Chunks already in ``old`` keep their term counts (read from ``old_dir``), and so do
    chunks with the text of an old one (``same_as``: new id -> old id) in the same
    language; only new text is analysed, which is most of the cost of a small rebuild of
    a large index.
    """
    chunks = snapshot.all_chunks
    previous: TermCounts | None = None
    if old is not None and old_dir is not None and (old_dir / COUNTS_FILE).exists():
        try:
            previous = TermCounts.load(old_dir)
        except (OSError, ValueError, KeyError):
            previous = None
    old_rows = {c.id: row for row, c in enumerate(old.all_chunks)} if previous and old else {}
    if previous is not None and previous.matrix.shape[0] != len(old_rows):
        previous, old_rows = None, {}  # counts from another build: analyse everything
    if previous is not None and previous.analysis != ANALYSIS_VERSION:
        previous, old_rows = None, {}  # counts from another analysis: analyse everything
    origins = [_count_origin(c, snapshot, old, old_rows, same_as or {}) for c in chunks]
    fresh = [row for row, origin in enumerate(origins) if origin is None]
    added = TermCounts.count(
        [
            terms(chunks[row].embed_text, snapshot.by_id[chunks[row].doc_id].meta.language or "fr")
            for row in fresh
        ],
        previous.vocabulary if previous else None,
    )
    width = added.matrix.shape[1]
    kept = [(row, old_rows[origin]) for row, origin in enumerate(origins) if origin is not None]
    parts = [added.take(range(len(fresh)), width)]
    if previous is not None and kept:
        parts.append(previous.take([old_row for _, old_row in kept], width))
    stacked = sparse.vstack(parts, format="csr")
    # Rows are fresh-then-kept; put them back in chunk order.
    order = np.empty(len(chunks), dtype=np.int64)
    order[np.asarray(fresh + [row for row, _ in kept], dtype=np.int64)] = np.arange(len(chunks))
    counts = TermCounts(sparse.csr_matrix(stacked[order]), added.vocabulary).compact()
    return KeywordIndex.from_counts(counts), counts


def _count_origin(
    chunk: Chunk,
    snapshot: Snapshot,
    old: Snapshot | None,
    old_rows: Mapping[str, int],
    same_as: Mapping[str, str],
) -> str | None:
    """The id of the old chunk whose term counts ``chunk`` keeps, or None to analyse it."""
    if chunk.id in old_rows:
        return chunk.id
    origin = same_as.get(chunk.id)
    if old is None or origin is None or origin not in old_rows:
        return None
    # Terms are stemmed in the document's language: the same text in another is new.
    was = old.by_id[old.chunk_by_id[origin].doc_id].meta.language or "fr"
    now = snapshot.by_id[chunk.doc_id].meta.language or "fr"
    return origin if was == now else None


def write_sentence_vectors(
    target: Path,
    snapshot: Snapshot,
    embedder: Embedder,
    old: Snapshot | None,
    old_dir: Path | None,
    progress: bool | None,
    pooled: dict[str, Vectors] | None = None,
    *,
    sources: Mapping[SentenceKey, SentenceKey] | None = None,
) -> tuple[int, int]:
    """Write a vector for every sentence, so answering needs only the question's embedding.

    Vectors come from ``pooled`` (made in the chunks' own model pass), else from ``old``
    (sentences already indexed under the same key, or under the key ``sources`` gives:
    see :func:`assistant.index.vector_reuse.sentence_sources`), else from embedding the
    sentence alone. Returns how many were reused from ``old`` and how many were embedded
    alone.
    """
    keys = snapshot.sentence_keys
    dim = embedder.dimension
    vectors = np.zeros((len(keys), dim), dtype=np.float16)
    done = np.zeros(len(keys), dtype=bool)
    reused = 0
    if pooled:
        for row, (chunk_id, number) in enumerate(keys):
            chunk_vectors = pooled.get(chunk_id)
            if chunk_vectors is not None and not np.isnan(chunk_vectors[number]).any():
                vectors[row] = chunk_vectors[number]
                done[row] = True
    if old is not None and old_dir is not None and (old_dir / SENTENCES_FILE).exists():
        old_vectors = np.load(old_dir / SENTENCES_FILE, mmap_mode="r")
        old_rows = {key: row for row, key in enumerate(old.sentence_keys)}
        sources = sources or {}
        pairs = [
            (row, old_rows[origin])
            for row, key in enumerate(keys)
            if not done[row]
            and (origin := key if key in old_rows else sources.get(key)) is not None
            and origin in old_rows
        ]
        if pairs:
            new_rows, from_rows = (np.asarray(side) for side in zip(*pairs, strict=True))
            vectors[new_rows] = old_vectors[from_rows]
            done[new_rows] = True
            reused = len(pairs)
    missing = np.flatnonzero(~done)
    texts = [snapshot.sentence_text(keys[row]) for row in missing]
    from tqdm import tqdm

    disable = None if progress is None or len(missing) == 0 else not progress
    with tqdm(total=len(missing), desc="sentences", unit="sent", disable=disable) as bar:
        for start in range(0, len(missing), _EMBED_BATCH * 4):
            rows = missing[start : start + _EMBED_BATCH * 4]
            vectors[rows] = embedder.embed(texts[start : start + len(rows)]).astype(np.float16)
            bar.update(len(rows))
            _report("sentences", start + len(rows), len(missing))
    tmp = target / f".{SENTENCES_FILE}.tmp.npy"
    np.save(tmp, vectors)
    tmp.replace(target / SENTENCES_FILE)
    return reused, len(missing)


def _load_previous(settings: Settings, store: GenerationStore, current: str | None) -> Snapshot | None:
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
    old: Snapshot | None, documents: Sequence[Document], moved: Mapping[str, str]
) -> BuildReport:
    """Documents added, updated, removed and ``moved`` (new id -> old id), each in one."""
    report = BuildReport()
    old_docs = old.by_id if old else {}
    new_ids = {doc.id for doc in documents}
    for doc in documents:
        before = old_docs.get(moved.get(doc.id, doc.id))
        if doc.id in moved and before is not None:
            report.moved_ids.append(doc.id)
            report.moved_files[before.meta.file] = doc.meta.file
        elif before is None:
            report.added_ids.append(doc.id)
        elif before.sha256 != doc.sha256 or before.meta != doc.meta or before.text != doc.text:
            report.updated_ids.append(doc.id)
    gone = set(moved.values())
    report.removed_ids = [
        doc_id for doc_id in old_docs if doc_id not in new_ids and doc_id not in gone
    ]
    report.added = len(report.added_ids)
    report.updated = len(report.updated_ids)
    report.removed = len(report.removed_ids)
    report.moved = len(report.moved_ids)
    return report


def _embed_and_add(
    embedder: Embedder,
    collection: Any,
    new_chunks: Sequence[Chunk],
    metadata: dict[str, Metadata],
    progress: bool | None,
    *,
    sentences: bool,
) -> dict[str, Vectors]:
    """Embed and store ``new_chunks``; with ``sentences``, also return each chunk's sentence
    vectors pooled from the same model pass (chunk id -> one row per sentence)."""
    pooled: dict[str, Vectors] = {}
    if not new_chunks:
        return pooled
    from tqdm import tqdm

    # Longest first keeps padding low inside each model batch.
    ordered = sorted(new_chunks, key=lambda c: len(c.embed_text), reverse=True)
    disable = None if progress is None else not progress
    with tqdm(total=len(ordered), desc="embedding", unit="chunk", disable=disable) as bar:
        for start in range(0, len(ordered), _EMBED_BATCH):
            batch = ordered[start : start + _EMBED_BATCH]
            texts = [c.embed_text for c in batch]
            if sentences:
                vectors, spans = embedder.embed_with_spans(
                    texts, [_sentence_spans(c) for c in batch]
                )
                pooled.update((c.id, v) for c, v in zip(batch, spans, strict=True) if v is not None)
            else:
                vectors = embedder.embed(texts)
            collection.add(
                [c.id for c in batch],
                vectors,
                [c.text for c in batch],
                [metadata[c.id] for c in batch],
            )
            bar.update(len(batch))
            _report("embed", start + len(batch), len(ordered))
    return pooled


def _sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """The chunk's sentences as character spans of its ``embed_text`` (title first)."""
    offset = len(chunk.embed_text) - len(chunk.text) - chunk.start
    return [(start + offset, end + offset) for start, end in chunk.sentences]


def _new_generation_name() -> str:
    return f"g{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"


def _drop(settings: Settings, store: GenerationStore, generation: str) -> None:
    store.drop(generation)
    shutil.rmtree(generation_dir(settings.index_dir, generation), ignore_errors=True)


def _prune(settings: Settings, store: GenerationStore, keep: set[str | None]) -> None:
    """Remove generations other than the new and the previous one (and crash leftovers).

    The previous one stays so that a process still serving it can finish its requests.
    """
    root = settings.index_dir / "generations"
    names = {p.name for p in root.iterdir() if p.is_dir()} if root.exists() else set()
    names |= set(store.generations())
    for name in sorted(names - {k for k in keep if k}):
        _drop(settings, store, name)
