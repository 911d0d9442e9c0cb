"""The number format torch networks run in: bfloat16 where the CPU computes it natively.

Used by the reader (:mod:`assistant.answer.reader`) and the e5 embedding backend
(:mod:`assistant.embeddings._e5`). On this project's 2-core machine (AMD EPYC with
``avx512_bf16``) bfloat16 runs the reader 1.5x faster than float32 with logits within 0.02,
and embeds a question in 12.6 ms against 20.8 ms with a cosine of 0.9999 to the float32
vector (``benchmarks/ask_latency.py``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

Precision = Literal["auto", "float32", "bfloat16"]


def resolve_precision(precision: Precision) -> Literal["float32", "bfloat16"]:
    """``auto``: bfloat16 when the CPU has bfloat16 instructions (``avx512_bf16`` or
    ``amx_bf16`` in ``/proc/cpuinfo``), else float32: without them torch emulates
    bfloat16 and runs slower than float32."""
    if precision != "auto":
        return precision
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "float32"
    return "bfloat16" if re.search(r"\b(avx512_bf16|amx_bf16)\b", flags) else "float32"
