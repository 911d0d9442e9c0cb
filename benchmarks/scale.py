"""How indexing, asking, start-up and memory grow with the corpus, beside a plain pipeline.

    .venv/bin/python benchmarks/scale.py --sizes corpus 2000 10000 30000 100000
    .venv/bin/python benchmarks/scale.py --sizes 10000 --chroma server
    .venv/bin/python benchmarks/scale.py --report        # tables and plots from the results

Corpora come from ``benchmarks/scale_corpus.py`` (``--data``, default ``bench-data/``);
``corpus`` is the five documents of ``sources/``. Every measurement runs in a fresh child
process, so each peak RSS (VmHWM) belongs to one job, and start-up is a real cold start.
For each size and pipeline:

- build: wall time and stages of a full build, chunks per second, and, in the same process
  right after, the raw throughput of the same model on a random sample of the same chunk
  texts (``SentenceTransformer.encode``, same batch size): the physical limit; the ratio
  build/raw is the headline (1.0 = no overhead at all);
- query: process start to first answer on the existing index, then every question of the
  set (``evals/piaf.jsonl``, or ``evals/poitiers.jsonl`` for ``corpus``), with the time
  of each stage (median, p95) and the answers scored as ``assistant eval`` scores them;
- incremental (ours, ``--incremental`` size): one document edited, re-indexed, restored.

"ours" is the assistant. "plain" is the LangChain pipeline a tutorial builds: the same
cleaned texts, ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``,
``langchain_chroma.Chroma`` with the same model through ``HuggingFaceEmbeddings``, dense
top-k, the top chunk as the answer. ``--chroma server`` runs both against a real
``chroma run`` on loopback. Results accumulate in ``--out``/scale.json (one entry per
size, pipeline, store and job; a rerun replaces its entries).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servers import chroma_server  # beside this file

REPO = Path(__file__).resolve().parents[1]
PLAIN_CHUNK_SIZE, PLAIN_OVERLAP, PLAIN_K = 1000, 200, 10
STAGES_OURS = ("embed", "dense", "keyword", "fusion", "selection", "total")
STAGES_PLAIN = ("embed", "dense", "total")


# -- in the child process ------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settings_for(job: dict[str, Any]) -> Any:
    from assistant.settings import ChromaSettings, Settings

    chroma = ChromaSettings(**job["chroma"]) if job.get("chroma") else ChromaSettings()
    return Settings(sources_dir=Path(job["sources"]), index_dir=Path(job["index"]), chroma=chroma)


def child_build_ours(job: dict[str, Any]) -> dict[str, Any]:
    from assistant.core import Assistant

    assistant = Assistant(settings_for(job))
    started = time.perf_counter()
    assistant.embedder.embed(["chargement"])  # the model load is start-up, not indexing
    model_load = time.perf_counter() - started
    started = time.perf_counter()
    report = assistant.build_index(progress=False)
    seconds = time.perf_counter() - started
    snapshot = assistant.snapshot()
    texts = [c.embed_text for c in snapshot.all_chunks]
    raw = raw_throughput(assistant.embedder, texts, job["raw_sample"])
    tokens = assistant.embedder.count_tokens(texts)
    return {
        "documents": report.documents,
        "chunks": report.chunks,
        "sentences": len(snapshot.sentence_keys),
        "tokens_mean": statistics.fmean(tokens) if tokens else 0.0,
        "seconds": seconds,
        "stages": report.stages,
        "chunks_per_s": report.chunks / seconds,
        "model_load_s": model_load,
        **raw,
        "ratio": (report.chunks / seconds) / raw["raw_chunks_per_s"],
        "skipped": len(report.skipped),
        "peak_rss_mb": peak_rss_mb(),
    }


def raw_throughput(embedder: Any, texts: list[str], sample: int) -> dict[str, Any]:
    """The model alone on (a random sample of) the build's chunk texts: texts per second."""
    chosen = texts if len(texts) <= sample else random.Random(7).sample(texts, sample)
    started = time.perf_counter()
    if hasattr(embedder.model, "encode"):  # sentence-transformers: the library alone
        embedder.model.encode(
            chosen, batch_size=embedder.settings.batch_size, normalize_embeddings=True
        )
    else:  # e5: its torch network has no encode(); the embedder's own batches are the model
        embedder.embed(chosen)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    embedder.count_tokens(chosen)
    tokenize = time.perf_counter() - started
    return {
        "raw_texts": len(chosen),
        "raw_seconds": seconds,
        "raw_chunks_per_s": len(chosen) / seconds,
        "tokenize_share": tokenize / seconds,
    }


def plain_documents(job: dict[str, Any]) -> list[Any]:
    """The same cleaned texts the assistant indexes, as LangChain documents."""
    from langchain_core.documents import Document as LCDocument

    from assistant.ingest.source_folder import load_corpus

    corpus = load_corpus(Path(job["sources"]))
    return [
        LCDocument(page_content=d.text, metadata={"doc_id": d.id, "title": d.meta.title})
        for d in corpus.documents
    ]


def plain_store(job: dict[str, Any], create: bool) -> tuple[Any, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaConfig
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings

    from assistant.embeddings import resolve_model
    from assistant.settings import EmbeddingSettings

    os.environ["HF_HUB_OFFLINE"] = "1"
    embeddings = HuggingFaceEmbeddings(
        model_name=resolve_model(EmbeddingSettings().model),
        encode_kwargs={"normalize_embeddings": True, "batch_size": EmbeddingSettings().batch_size},
    )
    config = ChromaConfig(anonymized_telemetry=False)
    if job.get("chroma"):
        client = chromadb.HttpClient(
            host=job["chroma"]["host"], port=job["chroma"]["port"], settings=config
        )
    else:
        client = chromadb.PersistentClient(path=job["index"], settings=config)
    store = Chroma(
        collection_name="plain",
        client=client,
        embedding_function=embeddings,
        collection_metadata={"hnsw:space": "cosine"},
        create_collection_if_not_exists=create,
    )
    return store, embeddings


def child_build_plain(job: dict[str, Any]) -> dict[str, Any]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    started = time.perf_counter()
    store, embeddings = plain_store(job, create=True)
    embeddings.embed_query("chargement")
    model_load = time.perf_counter() - started
    started = time.perf_counter()
    documents = plain_documents(job)
    loaded = time.perf_counter() - started
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=PLAIN_CHUNK_SIZE, chunk_overlap=PLAIN_OVERLAP, add_start_index=True
    )
    chunks = splitter.split_documents(documents)
    split = time.perf_counter() - started - loaded
    batch = 4096  # under Chroma's largest batch
    for start in range(0, len(chunks), batch):
        store.add_documents(chunks[start : start + batch])
    seconds = time.perf_counter() - started
    from assistant.embeddings import Embedder

    raw = raw_throughput(Embedder(), [c.page_content for c in chunks], job["raw_sample"])
    return {
        "documents": len(documents),
        "chunks": len(chunks),
        **raw,
        "ratio": (len(chunks) / seconds) / raw["raw_chunks_per_s"],
        "seconds": seconds,
        "stages": {"load": loaded, "split": split, "embed": seconds - loaded - split},
        "chunks_per_s": len(chunks) / seconds,
        "model_load_s": model_load,
        "peak_rss_mb": peak_rss_mb(),
    }


def announce_first(seconds: float) -> None:
    print(f"FIRST {seconds:.4f}", flush=True)


def process_age() -> float:
    """Seconds since this process started (the kernel's clock, so imports count too)."""
    ticks = os.sysconf("SC_CLK_TCK")
    started = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19]) / ticks
    return float(Path("/proc/uptime").read_text().split()[0]) - started


def child_query_ours(job: dict[str, Any]) -> dict[str, Any]:
    marks = {"interpreter": process_age()}
    from assistant.core import Assistant
    from assistant.evaluate.question_sets import load_question_set
    from assistant.evaluate.runner import SystemResult

    marks["imports"] = process_age()
    items = load_question_set(Path(job["questions"])).items
    assistant = Assistant(settings_for(job))
    assistant.embedder.embed(["chargement"])
    marks["model"] = process_age()
    assistant.serving()
    marks["index"] = process_age()
    answer = assistant.ask(items[0].question, list(items[0].history))
    marks["first answer"] = process_age()
    announce_first(time.perf_counter() - job["t0"])
    documents = assistant.snapshot().by_id
    for item in items[: job["warmup"]]:
        assistant.ask(item.question, list(item.history))
    stages: dict[str, list[float]] = {s: [] for s in STAGES_OURS}
    result = SystemResult("ours")
    for item in items:
        answer = assistant.ask(item.question, list(item.history))
        for stage in STAGES_OURS:
            stages[stage].append(answer.timings.get(stage, 0.0) * 1000)
        quotes = answer.citations
        verbatim = sum(1 for c in quotes if documents[c.source_id].text[c.start : c.end] == c.quote)
        record = scored_record(
            item,
            answer.text,
            answer.abstained,
            [] if answer.abstained else answer.sources(),
            list(answer.metadata.get("ranked_sources", [])),
            (verbatim, len(quotes)),
            answer.timings.get("total", 0.0),
        )
        result.records.append(record)
    return {**query_summary(stages, result), "startup_marks": marks}


def child_query_plain(job: dict[str, Any]) -> dict[str, Any]:
    from assistant.evaluate.question_sets import load_question_set
    from assistant.evaluate.runner import SystemResult

    items = load_question_set(Path(job["questions"])).items
    store, embeddings = plain_store(job, create=False)

    def ask(question: str) -> tuple[list[Any], dict[str, float]]:
        started = time.perf_counter()
        vector = embeddings.embed_query(question)
        embedded = time.perf_counter()
        docs = store.similarity_search_by_vector(vector, k=PLAIN_K)
        done = time.perf_counter()
        return docs, {
            "embed": embedded - started,
            "dense": done - embedded,
            "total": done - started,
        }

    ask(items[0].question)
    announce_first(time.perf_counter() - job["t0"])
    for item in items[: job["warmup"]]:
        ask(item.question)
    stages: dict[str, list[float]] = {s: [] for s in STAGES_PLAIN}
    result = SystemResult("plain")
    for item in items:
        question = " ".join(
            [m["content"] for m in item.history if m["role"] == "user"] + [item.question]
        )
        docs, timings = ask(question)
        for stage in STAGES_PLAIN:
            stages[stage].append(timings[stage] * 1000)
        ranked = list(dict.fromkeys(str(d.metadata.get("doc_id", "")) for d in docs))
        top = docs[0].page_content if docs else ""
        record = scored_record(
            item, top, not docs, ranked[:1], ranked, (len(docs[:1]),) * 2, timings["total"]
        )
        result.records.append(record)
    return query_summary(stages, result)


def scored_record(
    item: Any,
    answer: str,
    abstained: bool,
    cited: list[str],
    ranked: list[str],
    quotes: tuple[int, int],
    seconds: float,
) -> Any:
    """One question's outcome, scored as ``assistant eval`` scores it."""
    from assistant.evaluate.runner import Record

    record = Record(
        id=item.id,
        question=item.question,
        answerable=item.answerable,
        expected=list(item.answers),
        expected_sources=list(item.sources),
        tags=dict(item.tags),
        answer=answer,
        abstained=abstained,
        cited_sources=cited,
        ranked_sources=ranked,
        quotes_verbatim=quotes[0],
        quotes_total=quotes[1],
        seconds=seconds,
    )
    record.score()
    return record


def query_summary(stages: dict[str, list[float]], result: Any) -> dict[str, Any]:
    from assistant.evaluate.metrics import percentile

    metrics = result.metrics()
    return {
        "questions": len(result.records),
        "ms": {
            stage: {"median": statistics.median(v), "p95": percentile(v, 95)}
            for stage, v in stages.items()
            if v
        },
        "quality": {
            key: metrics[key]
            for key in ("answer_accuracy", "source_hit_rate", "hit@1", "hit@5", "mrr")
            if key in metrics
        },
        "peak_rss_mb": peak_rss_mb(),
    }


def child_incremental(job: dict[str, Any]) -> dict[str, Any]:
    """Edit one document, re-index, restore it, re-index; a few documents; medians."""
    from assistant.core import Assistant

    assistant = Assistant(settings_for(job))
    assistant.embedder.embed(["chargement"])
    sources = Path(job["sources"])
    started = time.perf_counter()
    report = assistant.build_index(progress=False)
    unchanged = time.perf_counter() - started
    assert not report.changed, "the index should be up to date before the edits"
    files = sorted(p for p in sources.rglob("*.txt"))
    chosen = random.Random(3).sample(files, min(3, len(files)))
    edits, restores, embedded, stages = [], [], [], []
    for path in chosen:
        original = path.read_bytes()
        path.unlink()  # the corpus is hard links: write a new file, never the shared one
        path.write_bytes(original + "\nUne phrase ajoutée pour mesurer la mise à jour.\n".encode())
        started = time.perf_counter()
        report = assistant.build_index(progress=False)
        edits.append(time.perf_counter() - started)
        embedded.append(report.chunks_embedded)
        stages.append(report.stages)
        path.unlink()
        path.write_bytes(original)
        started = time.perf_counter()
        assistant.build_index(progress=False)
        restores.append(time.perf_counter() - started)
    return {
        "chunks": report.chunks,
        "unchanged_s": unchanged,
        "edit_s": statistics.median(edits),
        "restore_s": statistics.median(restores),
        "edits": edits,
        "chunks_embedded": embedded,
        "stages": {k: statistics.median(s[k] for s in stages) for k in stages[0]},
        "peak_rss_mb": peak_rss_mb(),
    }


CHILD_JOBS = {
    ("build", "ours"): child_build_ours,
    ("build", "plain"): child_build_plain,
    ("query", "ours"): child_query_ours,
    ("query", "plain"): child_query_plain,
    ("incremental", "ours"): child_incremental,
}


def child(raw: str) -> None:
    job = json.loads(raw)
    result = CHILD_JOBS[(job["job"], job["pipeline"])](job)
    print("RESULT " + json.dumps(result), flush=True)


# -- in the parent -------------------------------------------------------------------


def run_child(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job in a new process; returns its result, with ``startup_s`` for queries."""
    job = {**job, "t0": 0.0}
    started = time.perf_counter()
    # The child cannot see our clock; it reports its own, and we time the FIRST line.
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", json.dumps(job)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    result: dict[str, Any] = {}
    startup = None
    for line in proc.stdout:
        if line.startswith("FIRST ") and startup is None:
            startup = time.perf_counter() - started
        elif line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
    if proc.wait() != 0 or not result:
        raise RuntimeError(f"job {job['job']} {job['pipeline']} failed (exit {proc.returncode})")
    if startup is not None:
        result["startup_s"] = startup
    return result


@contextmanager
def chroma_settings(work: Path) -> Iterator[dict[str, Any]]:
    """Chroma settings of a fresh ``chroma run`` on loopback, for the block."""
    with chroma_server(work) as port:
        yield {"mode": "server", "host": "127.0.0.1", "port": port}


def corpus_for(size: str, data: Path) -> tuple[Path, Path]:
    if size == "corpus":
        return REPO / "sources", REPO / "evals/poitiers.jsonl"
    folder = data / f"size-{size}"
    if not folder.is_dir():
        raise SystemExit(f"{folder} is missing: run benchmarks/scale_corpus.py --sizes {size}")
    return folder, REPO / "evals/piaf.jsonl"


def measure(args: argparse.Namespace, results: dict[str, Any], out: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="scale-", dir=args.work))
    try:
        for size in args.sizes:
            sources, questions = corpus_for(size, args.data)
            for pipeline in args.pipelines:
                with chroma_settings(work) if args.chroma == "server" else _none() as chroma:
                    index = work / f"{size}-{pipeline}-{args.chroma}"
                    job = {
                        "pipeline": pipeline,
                        "sources": str(sources),
                        "questions": str(questions),
                        "index": str(index),
                        "chroma": chroma,
                        "raw_sample": args.raw_sample,
                        "warmup": args.warmup,
                    }
                    key = f"{size}|{pipeline}|{args.chroma}"
                    entry: dict[str, Any] = {}
                    print(f"[{key}] build ...", file=sys.stderr, flush=True)
                    entry["build"] = run_child({**job, "job": "build"})
                    print(f"[{key}] {summary(entry['build'])}", file=sys.stderr, flush=True)
                    # Start-up is for a server restarted on an existing index: let the
                    # build's writes reach the disk first (seconds kept), or the start
                    # measures the kernel's write-back of a just-finished build.
                    synced = time.perf_counter()
                    os.sync()
                    writeback_s = time.perf_counter() - synced
                    entry["query"] = run_child({**job, "job": "query"})
                    entry["query"]["writeback_s"] = writeback_s
                    print(f"[{key}] query {summary(entry['query'])}", file=sys.stderr, flush=True)
                    if pipeline == "ours" and size == str(args.incremental):
                        entry["incremental"] = run_child({**job, "job": "incremental"})
                        print(f"[{key}] {summary(entry['incremental'])}", file=sys.stderr)
                    results[key] = entry
                    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
                    shutil.rmtree(index, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _none() -> Iterator[None]:
    yield None


def summary(result: dict[str, Any]) -> str:
    keys = ("chunks", "seconds", "ratio", "edit_s", "startup_s", "peak_rss_mb")
    parts = [f"{k}={result[k]:.4g}" for k in keys if k in result]
    if "ms" in result:
        parts.append(f"p95={result['ms']['total']['p95']:.1f}ms")
        parts.append(f"quality={result['quality']}")
    return " ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, default=REPO / "bench-data")
    parser.add_argument("--sizes", nargs="+", default=["corpus", "2000", "10000"])
    parser.add_argument("--pipelines", nargs="+", default=["ours", "plain"])
    parser.add_argument("--chroma", choices=["embedded", "server"], default="embedded")
    parser.add_argument("--raw-sample", type=int, default=3000, help="texts for raw throughput")
    parser.add_argument("--warmup", type=int, default=20, help="questions asked before timing")
    parser.add_argument("--incremental", default="10000", help="size of the incremental test")
    parser.add_argument("--work", type=Path, default=None, help="folder for the indexes")
    parser.add_argument("--out", type=Path, default=REPO / "docs/benchmarks")
    parser.add_argument("--report", action="store_true", help="only write tables and plots")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "scale.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    if not args.report:
        measure(args, results, path)
    from scale_report import write_report  # beside this file

    write_report(results, args.out)


if __name__ == "__main__":
    main()
