"""BM25 over chunks as a sparse matrix: a query costs a few column sums, not a loop."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

from assistant.analysis import query_terms

FILE = "keyword.npz"


@dataclass
class KeywordIndex:
    """Chunk-by-term BM25 weights (CSC, so a term's column is one slice) and the vocabulary."""

    weights: sparse.csc_matrix
    vocabulary: dict[str, int]

    @classmethod
    def build(
        cls, documents: Sequence[list[str]], k1: float = 1.2, b: float = 0.75
    ) -> KeywordIndex:
        """``documents`` are the analysed terms of each chunk, in chunk order."""
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for row, doc_terms in enumerate(documents):
            for term in doc_terms:
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
        shape = (len(documents), max(1, len(vocabulary)))
        tf = sparse.coo_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape
        ).tocsr()
        tf.sum_duplicates()
        lengths = np.asarray([len(d) for d in documents], dtype=np.float32)
        average = float(lengths.mean()) if len(documents) else 1.0
        df = np.bincount(tf.indices, minlength=shape[1]).astype(np.float32)
        idf = np.log1p((len(documents) - df + 0.5) / (df + 0.5)).astype(np.float32)
        # Row-wise length normalisation, applied to the non-zeros only.
        norm = k1 * (1 - b + b * lengths / max(average, 1e-9))
        row_of = np.repeat(np.arange(shape[0]), np.diff(tf.indptr))
        data = tf.data
        tf.data = (data * (k1 + 1) / (data + norm[row_of])) * idf[tf.indices]
        return cls(weights=tf.tocsc(), vocabulary=vocabulary)

    def scores(self, terms: Sequence[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every chunk for the query ``terms`` (duplicates count once)."""
        columns = sorted({self.vocabulary[t] for t in terms if t in self.vocabulary})
        if not columns:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        summed = np.asarray(self.weights[:, columns].sum(axis=1)).ravel()
        return summed.astype(np.float32)

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """Top ``k`` chunk rows with a positive score, best first."""
        scores = self.scores(query_terms(question))
        return top_k(scores, k)

    def save(self, directory: Path) -> None:
        tmp = directory / f".{FILE}.tmp.npz"
        w = self.weights
        np.savez(
            tmp,
            data=w.data,
            indices=w.indices,
            indptr=w.indptr,
            shape=np.asarray(w.shape),
            vocabulary=np.frombuffer(json.dumps(self.vocabulary).encode(), dtype=np.uint8),
        )
        tmp.replace(directory / FILE)

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        with np.load(directory / FILE) as data:
            weights = sparse.csc_matrix(
                (data["data"], data["indices"], data["indptr"]), shape=tuple(data["shape"])
            )
            vocabulary = json.loads(data["vocabulary"].tobytes().decode())
        return cls(weights=weights, vocabulary=vocabulary)


def top_k(scores: npt.NDArray[np.float32], k: int) -> list[tuple[int, float]]:
    """Indices and values of the ``k`` largest positive scores, best first."""
    positive = int(np.count_nonzero(scores > 0))
    k = min(k, positive)
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    order = part[np.argsort(-scores[part], kind="stable")]
    return [(int(i), float(scores[i])) for i in order]
