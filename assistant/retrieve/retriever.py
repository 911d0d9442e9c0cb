"""Hybrid retrieval: dense search in Chroma plus BM25, fused by reciprocal rank."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from assistant.documents import Document
from assistant.embeddings import Vectors
from assistant.embeddings.base import TextEmbedder
from assistant.index.chunking import Chunk
from assistant.index.keyword import KeywordIndex, top_k
from assistant.index.snapshot import SENTENCES_FILE, Snapshot
from assistant.index.store import VectorCollection
from assistant.retrieve.concepts import Concept, conversation_concepts
from assistant.settings import RetrievalSettings
from assistant.text.analysis import query_terms
from assistant.text.glossary import Glossary

RRF_K = 60  # the constant of Cormack et al.; larger flattens the head of each list


@dataclass
class Passage:
    """A retrieved chunk with the scores that placed it."""

    chunk: Chunk
    document: Document
    score: float
    dense: float | None = None
    keyword: float | None = None
    dense_rank: int | None = None
    keyword_rank: int | None = None


@dataclass
class Retrieval:
    """What a search found, with how long each stage took (seconds)."""

    passages: list[Passage]
    query_vector: Vectors
    terms: list[str]
    concepts: list[Concept] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class ServingIndex:
    """One generation loaded for answering: snapshot, keyword index, sentence vectors."""

    def __init__(self, snapshot: Snapshot, directory: Path, collection: VectorCollection) -> None:
        self.snapshot = snapshot
        self.directory = directory
        self.collection = collection

    @cached_property
    def keyword(self) -> KeywordIndex:
        return KeywordIndex.load(self.directory)

    @cached_property
    def chunk_rows(self) -> dict[str, int]:
        return {chunk.id: row for row, chunk in enumerate(self.snapshot.all_chunks)}

    @cached_property
    def sentence_vectors(self) -> npt.NDArray[np.float16]:
        """Every sentence's vector (float16), memory-mapped: a question reads a few dozen
        rows, and processes serving the same generation share the pages."""
        vectors: npt.NDArray[np.float16] = np.load(self.directory / SENTENCES_FILE, mmap_mode="r")
        return vectors

    @cached_property
    def sentence_rows(self) -> dict[str, int]:
        """First sentence row of each chunk; its sentences follow in order."""
        rows: dict[str, int] = {}
        row = 0
        for chunk in self.snapshot.all_chunks:
            rows[chunk.id] = row
            row += len(chunk.sentences)
        return rows

    @cached_property
    def idf(self) -> dict[str, float]:
        df = np.diff(self.keyword.weights.indptr)
        n = max(1, self.keyword.weights.shape[0])
        values = np.log1p((n - df + 0.5) / (df + 0.5))
        return {term: float(values[col]) for term, col in self.keyword.vocabulary.items()}

    def warm(self) -> None:
        """Load everything now rather than on the first question."""
        _ = self.keyword, self.chunk_rows, self.sentence_vectors, self.sentence_rows, self.idf
        _ = self.snapshot.acronyms, self.snapshot.vocabulary


def default_dense_weights(embedder: TextEmbedder) -> dict[str, float]:
    """Fusion weight of the dense ranking per question language (keyword: 1), from what
    the model reads: 1 everywhere for a multilingual model; for an English-only one, 0 on
    French questions, where its ranking lowers hit@1 (its hits then only follow the
    keyword hits)."""
    return {"en": 1.0, "fr": 1.0} if embedder.multilingual else {"en": 1.0, "fr": 0.0}


SearchMode = Literal["hybrid", "dense", "keyword"]

# The defaults are the settings' (one place: assistant.settings.RetrievalSettings).
_DEFAULTS = RetrievalSettings.model_fields


class HybridRetriever:
    """Dense + keyword search over a :class:`ServingIndex`, fused by reciprocal rank.

    ``dense_weights`` (question language -> weight, other languages use ``en``) default
    to :func:`default_dense_weights` of the embedder.
    """

    def __init__(
        self,
        index: ServingIndex,
        embedder: TextEmbedder,
        glossary: Glossary | None = None,
        *,
        candidates: int = _DEFAULTS["candidates"].default,
        translation_penalty: float = _DEFAULTS["translation_penalty"].default,
        dense_weights: Mapping[str, float] | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.glossary = glossary
        self.candidates = candidates
        self.translation_penalty = translation_penalty
        self.dense_weights = (
            dict(dense_weights) if dense_weights is not None else default_dense_weights(embedder)
        )

    def expand(self, question: str, language: str) -> str:
        """The question plus glossary translations of its phrases and the other forms of its
        acronyms and spelled-out names ("SCIC" <-> "société coopérative d'intérêt
        collectif", :mod:`assistant.text.acronyms`), for keyword search."""
        extra = self.glossary.translate(question, language) if self.glossary else []
        matches = self.index.snapshot.acronyms.matches(question)
        extra += [form for _, forms in matches for form in forms]
        extra = list(dict.fromkeys(extra))
        return " ".join([question, *extra]) if extra else question

    def retrieve(
        self,
        question: str,
        *,
        language: str,
        k: int = 8,
        mode: SearchMode = "hybrid",
        query_vector: Vectors | None = None,
        previous: Sequence[str] | None = None,
    ) -> Retrieval:
        """The ``k`` best passages for ``question`` (``mode``: hybrid, dense or keyword).

        ``previous`` holds earlier questions of the conversation: a follow-up is searched
        together with the last one, and its concepts carry over at a lower weight.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        if previous:
            question_alone, question = question, f"{previous[-1]} {question}"
        else:
            question_alone = question
        if query_vector is None:
            query_vector = self.embedder.embed_query(question)
        timings["embed"] = time.perf_counter() - started

        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            started = time.perf_counter()
            dense = [
                (h.id, h.score) for h in self.index.collection.query(query_vector, self.candidates)
            ]
            timings["dense"] = time.perf_counter() - started

        started = time.perf_counter()
        expanded = self.expand(question, language)
        terms = query_terms(expanded)
        keyword: list[tuple[str, float]] = []
        if mode in ("hybrid", "keyword"):
            scores = self.index.keyword.scores(terms)
            chunks = self.index.snapshot.all_chunks
            keyword = [(chunks[row].id, score) for row, score in top_k(scores, self.candidates)]
        timings["keyword"] = time.perf_counter() - started

        started = time.perf_counter()
        passages = self._fuse(dense, keyword, language)[:k]
        timings["fusion"] = time.perf_counter() - started
        concepts = conversation_concepts(
            question_alone,
            previous or [],
            language,
            self.glossary,
            acronyms=self.index.snapshot.acronyms,
        )
        return Retrieval(passages, query_vector, terms, concepts, timings)

    def _fuse(
        self, dense: list[tuple[str, float]], keyword: list[tuple[str, float]], language: str
    ) -> list[Passage]:
        snapshot = self.index.snapshot
        found: dict[str, Passage] = {}
        weight = self.dense_weights.get(language, self.dense_weights.get("en", 1.0))
        for rank, (chunk_id, score) in enumerate(dense):
            chunk = snapshot.chunk_by_id.get(chunk_id)
            if chunk is None:  # vectors and snapshot disagree only mid-switch; skip
                continue
            found[chunk_id] = Passage(
                chunk,
                snapshot.by_id[chunk.doc_id],
                weight / (RRF_K + rank + 1),
                dense=score,
                dense_rank=rank,
            )
        for rank, (chunk_id, score) in enumerate(keyword):
            chunk = snapshot.chunk_by_id[chunk_id]
            passage = found.get(chunk_id)
            if passage is None:
                passage = found[chunk_id] = Passage(chunk, snapshot.by_id[chunk.doc_id], 0.0)
            passage.score += 1 / (RRF_K + rank + 1)
            passage.keyword, passage.keyword_rank = score, rank
        self._demote_translations(found.values(), language)
        return sorted(found.values(), key=lambda p: p.score, reverse=True)

    def _demote_translations(self, passages: Iterable[Passage], language: str) -> None:
        """When a text and its translation both match, prefer the question's language.

        The other rendering's best passage is only nudged down, so it stays in reach;
        its further passages take the full penalty, so it cannot crowd the results.
        """
        items = sorted(passages, key=lambda p: p.score, reverse=True)
        languages: dict[str, set[str]] = {}
        for p in items:
            languages.setdefault(_work(p.document), set()).add(p.document.meta.language)
        seen: set[str] = set()
        for p in items:
            if len(languages[_work(p.document)]) < 2 or p.document.meta.language == language:
                continue
            first = p.document.id not in seen
            seen.add(p.document.id)
            p.score *= (1 + self.translation_penalty) / 2 if first else self.translation_penalty


def _work(doc: Document) -> str:
    """Documents that are translations of each other share a work id."""
    return doc.meta.translation_of or doc.id
