"""Tables (Markdown) and plots (PNG) from the results of ``benchmarks/scale.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

_STAGES = ("embed", "dense", "keyword", "fusion", "selection")


def _size_key(key: str) -> tuple[int, str]:
    size = key.split("|")[0]
    return (0 if size == "corpus" else int(size), key)


def _entries(results: dict[str, Any], pipeline: str, chroma: str) -> list[tuple[str, Any]]:
    found = [
        (k.split("|")[0], v)
        for k, v in results.items()
        if k.split("|")[1] == pipeline and k.split("|")[2] == chroma
    ]
    return sorted(found, key=lambda kv: _size_key(kv[0] + "||"))


def _f(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def tables(results: dict[str, Any]) -> str:
    out: list[str] = []
    for chroma in ("embedded", "server"):
        ours = dict(_entries(results, "ours", chroma))
        plain = dict(_entries(results, "plain", chroma))
        sizes = sorted(set(ours) | set(plain), key=lambda s: _size_key(s + "||"))
        if not sizes:
            continue
        out.append(f"### Indexing ({chroma} Chroma)\n")
        out.append(
            "| corpus | chunks ours | build s | chunks/s | raw chunks/s | **ratio** "
            "| peak RSS MiB | chunks plain | build s | chunks/s | raw chunks/s | ratio "
            "| peak RSS MiB |"
        )
        out.append("|---|" + "---:|" * 12)
        for size in sizes:
            o = ours.get(size, {}).get("build", {})
            p = plain.get(size, {}).get("build", {})
            out.append(
                f"| {size} | {_f(o.get('chunks'), 0)} | {_f(o.get('seconds'))} "
                f"| {_f(o.get('chunks_per_s'))} | {_f(o.get('raw_chunks_per_s'))} "
                f"| **{_f(o.get('ratio'), 2)}** | {_f(o.get('peak_rss_mb'), 0)} "
                f"| {_f(p.get('chunks'), 0)} | {_f(p.get('seconds'))} "
                f"| {_f(p.get('chunks_per_s'))} | {_f(p.get('raw_chunks_per_s'))} "
                f"| {_f(p.get('ratio'), 2)} | {_f(p.get('peak_rss_mb'), 0)} |"
            )
        out.append("\nBuild stages, ours (seconds):\n")
        stage_names = sorted(
            {s for e in ours.values() for s in e.get("build", {}).get("stages", {})},
            key=lambda s: list(_BUILD_ORDER).index(s) if s in _BUILD_ORDER else 99,
        )
        out.append("| corpus | " + " | ".join(stage_names) + " |")
        out.append("|---|" + "---:|" * len(stage_names))
        for size in sizes:
            stages = ours.get(size, {}).get("build", {}).get("stages", {})
            out.append(
                f"| {size} | " + " | ".join(_f(stages.get(s), 2) for s in stage_names) + " |"
            )
        out.append(f"\n### Asking ({chroma} Chroma), milliseconds\n")
        out.append(
            "| corpus | ours median | **ours p95** | "
            + " | ".join(f"{s} med/p95" for s in _STAGES)
            + " | plain median | **plain p95** | plain embed/dense med |"
        )
        out.append("|---|" + "---:|" * (len(_STAGES) + 5))
        for size in sizes:
            oq = ours.get(size, {}).get("query", {}).get("ms", {})
            pq = plain.get(size, {}).get("query", {}).get("ms", {})
            cells = [
                f"{_f(oq.get(s, {}).get('median'), 2)} / {_f(oq.get(s, {}).get('p95'), 2)}"
                for s in _STAGES
            ]
            out.append(
                f"| {size} | {_f(oq.get('total', {}).get('median'))} "
                f"| **{_f(oq.get('total', {}).get('p95'))}** | "
                + " | ".join(cells)
                + f" | {_f(pq.get('total', {}).get('median'))} "
                f"| **{_f(pq.get('total', {}).get('p95'))}** "
                f"| {_f(pq.get('embed', {}).get('median'))} / "
                f"{_f(pq.get('dense', {}).get('median'))} |"
            )
        out.append(f"\n### Start-up, memory and answers ({chroma} Chroma)\n")
        out.append(
            "| corpus | start-up s ours | plain | serving peak RSS MiB ours | plain "
            "| accuracy ours | plain | hit@1 ours | plain | hit@5 ours | plain |"
        )
        out.append("|---|" + "---:|" * 10)
        for size in sizes:
            oq = ours.get(size, {}).get("query", {})
            pq = plain.get(size, {}).get("query", {})
            oqq, pqq = oq.get("quality", {}), pq.get("quality", {})
            out.append(
                f"| {size} | {_f(oq.get('startup_s'))} | {_f(pq.get('startup_s'))} "
                f"| {_f(oq.get('peak_rss_mb'), 0)} | {_f(pq.get('peak_rss_mb'), 0)} "
                f"| {_f(oqq.get('answer_accuracy'), 3)} | {_f(pqq.get('answer_accuracy'), 3)} "
                f"| {_f(oqq.get('hit@1'), 3)} | {_f(pqq.get('hit@1'), 3)} "
                f"| {_f(oqq.get('hit@5'), 3)} | {_f(pqq.get('hit@5'), 3)} |"
            )
        marks = [
            (size, ours[size]["query"])
            for size in sizes
            if "startup_marks" in ours.get(size, {}).get("query", {})
        ]
        if marks:
            out.append(
                "\nWhere the start-up of ours goes (seconds since the process started; "
                "before it, the seconds `sync` took to write the build's data to disk, "
                "where measured):\n"
            )
            names = list(marks[0][1]["startup_marks"])
            out.append("| corpus | sync before | " + " | ".join(names) + " |")
            out.append("|---|" + "---:|" * (len(names) + 1))
            for size, query in marks:
                mark = query["startup_marks"]
                out.append(
                    f"| {size} | {_f(query.get('writeback_s'), 2)} | "
                    + " | ".join(_f(mark.get(n), 2) for n in names)
                    + " |"
                )
        incremental = [(s, e["incremental"]) for s, e in ours.items() if "incremental" in e]
        if incremental:
            out.append(f"\n### Incremental re-index ({chroma} Chroma)\n")
            out.append(
                "| corpus | chunks | nothing changed s | one document edited s (median of 3) "
                "| restored s | chunks embedded | stages of an edit (s) |"
            )
            out.append("|---|---:|---:|---:|---:|---:|---|")
            for size, inc in incremental:
                stages = ", ".join(f"{k} {v:.2f}" for k, v in inc["stages"].items())
                out.append(
                    f"| {size} | {_f(inc['chunks'], 0)} | {_f(inc['unchanged_s'], 2)} "
                    f"| {_f(inc['edit_s'], 2)} | {_f(inc['restore_s'], 2)} "
                    f"| {', '.join(str(n) for n in inc['chunks_embedded'])} | {stages} |"
                )
        out.append("")
    return "\n".join(out)


_BUILD_ORDER = ("load", "chunk", "diff", "copy", "embed", "sentences", "keyword", "save", "switch")


def plots(results: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: list[Path] = []
    # One x per corpus for both pipelines: its size in the assistant's chunks (the plain
    # pipeline cuts the same corpus into fewer, longer chunks).
    size_x = {k.split("|")[0]: v["build"]["chunks"] for k, v in results.items() if "|ours|" in k}
    series = {
        (pipeline, chroma): [
            (size_x.get(size, e["build"]["chunks"]), e)
            for size, e in _entries(results, pipeline, chroma)
        ]
        for pipeline in ("ours", "plain")
        for chroma in ("embedded", "server")
    }
    series = {k: v for k, v in series.items() if v}
    if not series:
        return made

    def draw(name: str, title: str, ylabel: str, pick: Any, log_y: bool = False) -> None:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for (pipeline, chroma), points in series.items():
            for label, getter, style in pick(pipeline):
                xs = [x for x, e in points if getter(e) is not None]
                ys = [getter(e) for _, e in points if getter(e) is not None]
                if xs:
                    ax.plot(xs, ys, style, label=f"{pipeline} {label} ({chroma})")
        ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.set_xlabel("corpus size (chunks as the assistant cuts it)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        made.append(path)

    def get(*keys: str) -> Any:
        def inner(entry: dict[str, Any]) -> Any:
            value: Any = entry
            for key in keys:
                if not isinstance(value, dict) or key not in value:
                    return None
                value = value[key]
            return value

        return inner

    def raw_seconds(entry: dict[str, Any]) -> Any:
        b = entry["build"]
        return b["chunks"] / b["raw_chunks_per_s"] if b.get("raw_chunks_per_s") else None

    draw(
        "scale-build-time",
        "Full index build",
        "seconds",
        lambda p: [("build", get("build", "seconds"), "o-"), ("raw model", raw_seconds, "x:")],
        log_y=True,
    )
    draw(
        "scale-ask-latency",
        "Ask latency, warm",
        "milliseconds",
        lambda p: [
            ("p95", get("query", "ms", "total", "p95"), "o-"),
            ("median", get("query", "ms", "total", "median"), "s--"),
        ],
    )
    draw(
        "scale-memory",
        "Peak resident memory",
        "MiB",
        lambda p: [
            ("indexing", get("build", "peak_rss_mb"), "o-"),
            ("serving", get("query", "peak_rss_mb"), "s--"),
        ],
    )
    return made


BEGIN, END = "<!-- scale tables: begin -->", "<!-- scale tables: end -->"


def write_report(results: dict[str, Any], out: Path) -> None:
    """Write ``scale.md`` and the plots into ``out``, and the tables into the page
    ``out``.md (docs/benchmarks.md) between its markers, if it has them."""
    text = tables(results)
    (out / "scale.md").write_text(text, encoding="utf-8")
    page = out.with_suffix(".md")
    if page.exists():
        content = page.read_text(encoding="utf-8")
        if BEGIN in content and END in content:
            head, rest = content.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            page.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")
    print(text)
    for path in plots(results, out):
        print(f"plot: {path}")
