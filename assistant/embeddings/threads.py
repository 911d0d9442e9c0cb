"""How many cores torch computes with: all of them to build an index, one to answer.

Measured on this 2-core machine (warm ``ask`` over 40 corpus questions, e5 and the reader):
alone, 2 threads answer in 83 ms median (p95 145) and 1 thread in 105 ms (184); beside one
other busy process, 2 threads take 334 ms (560) and 1 thread 96 ms (163). Two threads wait
at every operation for a core the other process holds; one thread does not, and two
questions asked at once (the web chat, the API) each get a core. Building an index embeds
thousands of sentences in large batches, where every core counts.
"""

from __future__ import annotations

from functools import cache


@cache
def _all_cores() -> int:
    """torch's own default thread count, read before anything changes it."""
    import torch

    return int(torch.get_num_threads())


def use_threads(count: int) -> None:
    """Have torch compute with ``count`` intra-op threads (0: torch's default, all cores).

    Process-wide, as torch's setting is. Imports torch (about a second, once)."""
    import torch

    default = _all_cores()  # read before the first change
    wanted = count or default
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)
