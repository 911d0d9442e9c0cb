"""Index build time for the corpus and for PIAF's paragraphs, against raw model throughput.

    .venv/bin/python benchmarks/index_build.py [--piaf ../shared/external/piaf-v1.1.json]

Prints one table of medians. "raw_encode_s" is `SentenceTransformer.encode` on exactly
the texts a build embeds (every chunk, then every sentence), same batch size, same
process: the physical limit of this machine; "ratio_raw/build" is the share of the build
time that this irreducible work takes (1.0 would be a build with no overhead).
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
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def measure(
    name: str, sources: Path, work: Path, embedder: Embedder, repeats: int
) -> dict[str, float]:
    builds, rebuilds = [], []
    assistant = None
    for _ in range(repeats):
        index = work / f"index-{name}"
        shutil.rmtree(index, ignore_errors=True)
        assistant = Assistant(Settings(sources_dir=sources, index_dir=index), embedder=embedder)
        started = time.perf_counter()
        report = assistant.build_index(progress=False)
        builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        assistant.build_index(progress=False)
        rebuilds.append(time.perf_counter() - started)
    assert assistant is not None
    snapshot = assistant.snapshot()
    texts = [c.embed_text for c in snapshot.all_chunks]
    sentences = [snapshot.sentence_text(key) for key in snapshot.sentence_keys]
    raws = []
    for _ in range(repeats):
        started = time.perf_counter()
        embedder.model.encode(
            texts, batch_size=embedder.settings.batch_size, normalize_embeddings=True
        )
        raws.append(time.perf_counter() - started)
    build, raw = statistics.median(builds), statistics.median(raws)
    return {
        "documents": report.documents,
        "chunks": report.chunks,
        "sentences": len(sentences),
        "build_s": build,
        "raw_encode_s": raw,
        "ratio_raw/build": raw / build,
        "chunks_per_s": report.chunks / build,
        "rebuild_same_s": statistics.median(rebuilds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--piaf", type=Path, default=REPO.parent / "shared/external/piaf-v1.1.json")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    embedder = Embedder()
    started = time.perf_counter()
    embedder.embed(["warm-up"])
    print(f"model load: {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = {"corpus": measure("corpus", REPO / "sources", work, embedder, args.repeats)}
        if args.piaf.exists():
            piaf_sources = work / "piaf-sources"
            export_sources(args.piaf, piaf_sources)
            rows["piaf"] = measure("piaf", piaf_sources, work, embedder, args.repeats)
    columns = list(next(iter(rows.values())))
    print(f"{'set':8}" + "".join(f"{c:>17}" for c in columns))
    for name, row in rows.items():
        print(f"{name:8}" + "".join(f"{row[c]:>17.2f}" for c in columns))


if __name__ == "__main__":
    main()
