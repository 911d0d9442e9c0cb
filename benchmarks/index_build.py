"""Full index builds of one corpus under several settings, side by side in one run.

    .venv/bin/python benchmarks/index_build.py [--sources DIR] [--repeats 1]

By default the corpus is PIAF's 1,518 paragraphs (exported from
``../shared/external/piaf-v1.1.json``). Variants: sentence vectors ``pooled`` from the
chunk's own model pass (the default) or embedded ``separate``\\ly, and model batches of
8 (the default) or 64. For each: the build's median seconds, chunks per second, and the
ratio to the raw model (``SentenceTransformer.encode`` of the same chunk texts, batch 8,
measured in the same run): 1.0 is a build that costs nothing but the chunks' embeddings.
Also a rebuild with nothing changed.
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
from assistant.piaf import export_sources
from assistant.settings import EmbeddingSettings, Settings

REPO = Path(__file__).resolve().parents[1]
VARIANTS = {
    "pooled, batch 8": EmbeddingSettings(),
    "separate, batch 8": EmbeddingSettings(sentence_vectors="separate"),
    "pooled, batch 64": EmbeddingSettings(batch_size=64),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, help="default: PIAF's paragraphs")
    parser.add_argument("--piaf", type=Path, default=REPO.parent / "shared/external/piaf-v1.1.json")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = args.sources
        if sources is None:
            sources = work / "piaf-sources"
            export_sources(args.piaf, sources)
        model = Embedder().model  # one model for every variant: settings change batching
        model.encode(["chauffe"])
        rows: dict[str, dict[str, float]] = {}
        texts: list[str] = []
        for name, embedding in VARIANTS.items():
            embedder = Embedder(embedding)
            embedder._model = model  # the same loaded weights, not a second copy
            builds, rebuilds = [], []
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
            rows[name] = {
                "chunks": report.chunks,
                "sentences": report.sentences_embedded,
                "build_s": statistics.median(builds),
                "chunks_per_s": report.chunks / statistics.median(builds),
                "rebuild_s": statistics.median(rebuilds),
            }
        started = time.perf_counter()
        model.encode(texts, batch_size=EmbeddingSettings().batch_size, normalize_embeddings=True)
        raw = time.perf_counter() - started
    print(f"raw model on the {len(texts)} chunk texts: {raw:.1f} s ({len(texts) / raw:.1f}/s)")
    columns = ["chunks", "sentences", "build_s", "chunks_per_s", "rebuild_s", "ratio"]
    print(f"{'variant':20}" + "".join(f"{c:>14}" for c in columns))
    for name, row in rows.items():
        row["ratio"] = raw / row["build_s"]
        print(f"{name:20}" + "".join(f"{row[c]:>14.2f}" for c in columns))


if __name__ == "__main__":
    main()
