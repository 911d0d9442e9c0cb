"""The embedding seam: what a backend must do, and the errors it raises."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class TextEmbedder(Protocol):
    """What retrieval and the citation guard need of an embedding model: the seam a unit
    test fills with a tiny fake while the slow tests keep the real model
    (:class:`~assistant.embeddings.Embedder` is the implementation).

    ``embed`` returns one L2-normalised float32 row per text (passages: what is searched),
    ``embed_query`` one row for a question; ``dimension`` is a row's length;
    ``count_tokens`` the model's token count per text; ``multilingual``: whether a French
    question's dense ranking can be trusted.
    """

    @property
    def dimension(self) -> int: ...

    @property
    def multilingual(self) -> bool: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


class EmbeddingBackend(ABC):
    """One embedding library. Constructors are cheap: the model loads on first use.

    Every method returns L2-normalised float32 rows, so cosine similarity is a dot
    product. ``passages`` embeds what is searched (chunks, sentences), ``queries`` what
    searches (questions); a backend whose model wants prefixes (e5: ``query: `` and
    ``passage: ``) adds them itself.
    """

    #: Reads French and English alike, so a French question's dense ranking is trusted.
    multilingual: bool = False

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Length of a vector; loads the model."""

    @abstractmethod
    def passages(self, texts: Sequence[str]) -> Vectors:
        """An ``(len(texts), dimension)`` array for texts to be searched."""

    @abstractmethod
    def queries(self, texts: Sequence[str]) -> Vectors:
        """An ``(len(texts), dimension)`` array for search questions."""

    @abstractmethod
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Model tokens per text, without special tokens or prefixes."""

    def passages_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[Vectors, list[Vectors | None]]:
        """Passage vectors and, from the same model pass, one vector per character span.

        Returns ``(vectors, per_text)``: per text a ``(len(spans), dimension)`` array
        (NaN rows for spans the pass did not reach) or None, and the caller embeds those
        spans alone. This default has no token vectors to pool, so it is always None.
        """
        return self.passages(texts), [None] * len(texts)

    @property
    def pools_spans(self) -> bool:
        """Whether :meth:`passages_with_spans` may pool span vectors from a passage's pass.

        When False, every span vector is the span embedded alone: a function of its text,
        which an index may reuse wherever that text recurs. A backend that overrides
        :meth:`passages_with_spans` is taken to pool.
        """
        return type(self).passages_with_spans is not EmbeddingBackend.passages_with_spans

    @property
    @abstractmethod
    def model(self) -> Any:
        """The library's loaded model object (for benchmarks and adapters); loads it."""
