"""Raw model throughput by batch size and torch threads, on real chunk texts.

    .venv/bin/python benchmarks/embed_tuning.py [--sources bench-data/size-2000] [--n 600]

Chunks the sources with the assistant's chunker, takes ``--n`` chunk texts (fixed seed),
and encodes them with each setting (three rounds, median), so the defaults in
``EmbeddingSettings`` rest on numbers from this machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import torch

from assistant.embeddings import Embedder
from assistant.index.chunking import chunk_document
from assistant.ingest.source_folder import load_corpus
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, default=REPO / "bench-data/size-2000")
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--batches", type=int, nargs="+", default=[16, 32, 64, 128, 256])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    settings = Settings()
    embedder = Embedder()
    texts = [
        chunk.embed_text
        for doc in load_corpus(args.sources).documents
        for chunk in chunk_document(
            doc,
            embedder.count_tokens,
            max_tokens=settings.chunking.max_tokens,
            min_tokens=settings.chunking.min_tokens,
        )
    ]
    texts = random.Random(7).sample(texts, min(args.n, len(texts)))
    tokens = statistics.fmean(embedder.count_tokens(texts))
    model = embedder.model
    model.encode(texts[:32])
    print(f"{len(texts)} chunk texts, {tokens:.0f} tokens on average")
    print(f"{'threads':>8}{'batch':>8}{'texts/s':>10}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for batch in args.batches:
            rounds = []
            for _ in range(3):
                started = time.perf_counter()
                model.encode(texts, batch_size=batch, normalize_embeddings=True)
                rounds.append(time.perf_counter() - started)
            print(f"{threads:>8}{batch:>8}{len(texts) / statistics.median(rounds):>10.1f}")


if __name__ == "__main__":
    main()
