"""Evaluation reports: JSON, Markdown and PNG plots from ``EvalRun.to_dict()`` data.

Everything works on the plain dict, so a report can be rebuilt from a saved ``report.json``
and two saved runs can be compared with :func:`compare`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PRIMARY = "assistant"
"""The system whose failures are listed and whose questions are compared one by one."""

RATE_ORDER = (
    "answer_accuracy",
    "token_f1",
    "passage_accuracy",
    "source_hit_rate",
    "hit@1",
    "hit@3",
    "hit@5",
    "hit@10",
    "mrr",
    "abstention_precision",
    "abstention_recall",
    "false_abstention_rate",
    "quote_verbatim_rate",
)
NOT_RATES = frozenset({"questions"})
LOWER_IS_BETTER = frozenset({"false_abstention_rate"})
NEUTRAL = frozenset({"questions"})

DEFINITIONS = (
    (
        "answer_accuracy",
        "share of answerable questions whose answer contains an expected string "
        "(case-, accent-, spacing- and number-format-insensitive).",
    ),
    ("token_f1", "best SQuAD-style token overlap F1 between the answer and an expected answer."),
    (
        "passage_accuracy",
        "share of answerable questions whose chosen passage (the index chunk the answer "
        "quotes first; the baseline's top chunk) contains an expected string.",
    ),
    ("source_hit_rate", "share of answerable questions where a cited document is an expected one."),
    ("hit@k", "share of questions with an expected document among the top k retrieved ones."),
    ("mrr", "mean reciprocal rank of the first expected document in the retrieved ranking."),
    (
        "abstention_precision",
        "of the questions the system declined, the share that really were unanswerable.",
    ),
    (
        "abstention_recall",
        "of the unanswerable questions, the share the system declined to answer.",
    ),
    (
        "false_abstention_rate",
        "share of answerable questions the system declined (lower is better).",
    ),
    ("quote_verbatim_rate", "share of quotes found word for word in the cited source text."),
    ("latency_median_ms / latency_p95_ms", "median and 95th-percentile time per question, in ms."),
    (
        "citation_precision / citation_recall",
        "ALCE-style: share of citations that support the sentence they follow / share of "
        "sentences their citations support (lexical check, numbers exact).",
    ),
    (
        "…_before_guard",
        "generative backends: the same, on the answer as the model wrote it, each marker "
        "quoting its whole passage (invented markers count as unsupported).",
    ),
    ("sentences_dropped_rate", "generated sentences the citation guard removed."),
    (
        "fallback_rate",
        "answers where nothing generated survived, or the backend failed, so "
        "the extractive answer was given.",
    ),
    ("first_token_median_ms", "median time to the model's first token."),
    ("questions", "number of questions the system was run on."),
)

_HIT_AT = re.compile(r"hit@(\d+)$")


def write_report(run: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write report.json, report.md and the PNG plots into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    json_path = out_dir / "report.json"
    json_path.write_text(json.dumps(run, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(json_path)

    plots = _write_plots(run, out_dir)
    md_path = out_dir / "report.md"
    md_path.write_text(render_markdown(run, [p.name for p in plots]), encoding="utf-8")
    written.append(md_path)
    return [*written, *plots]


def render_markdown(run: dict[str, Any], images: Sequence[str] = ()) -> str:
    """The Markdown report; ``images`` are PNG file names to embed with relative links."""
    metrics = _metrics(run)
    lines = [f"# Evaluation report: {run.get('question_set', '(unnamed)')}", ""]
    counts = ", ".join(f"{name}: {len(recs)}" for name, recs in _records(run).items())
    if counts:
        lines += [f"Questions per system — {counts}.", ""]

    lines += ["## Metrics", ""]
    if metrics:
        lines += _table(metrics, first="metric")
    else:
        lines.append("No metrics recorded.")
    lines.append("")

    retrieval = _float_table(run.get("retrieval") or {})
    if retrieval:
        lines += ["## Retrieval modes", "", "hit@k and MRR of each retrieval mode alone.", ""]
        lines += _table(retrieval, first="metric")
        lines.append("")

    if images:
        lines += ["## Plots", ""]
        for name in images:
            lines += [f"![{_IMAGE_TITLES.get(name, name)}]({name})", ""]

    lines += ["## How to read this report", ""]
    lines += [f"- **{key}**: {text}" for key, text in DEFINITIONS]
    lines += [
        "",
        "Higher is better except for latency and the false abstention rate. A question "
        "counts as right when an answerable one is answered correctly (or, with no expected "
        "answer text, with a correct source) and an unanswerable one is declined.",
        "",
    ]

    lines += _failures_section(run)
    return "\n".join(lines).rstrip() + "\n"


def failures(run: dict[str, Any], system: str = PRIMARY) -> list[dict[str, Any]]:
    """Records of ``system`` that are wrong: see :func:`is_right`."""
    return [r for r in _records(run).get(system, []) if not is_right(r)]


def is_right(record: dict[str, Any]) -> bool:
    """Correct for answerable questions (source hit if no answer text), abstained otherwise."""
    if not record.get("answerable", True):
        return bool(record.get("abstained"))
    if record.get("expected"):
        return bool(record.get("correct"))
    return bool(record.get("source_hit")) and not record.get("abstained")


def compare(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Markdown comparing two runs: metric deltas, then the assistant's questions one by one."""
    lines = [
        f"# Comparison: {old.get('question_set', '?')} → {new.get('question_set', '?')}",
        "",
    ]
    old_metrics, new_metrics = _metrics(old), _metrics(new)
    shared = [s for s in new_metrics if s in old_metrics]
    lines += ["## Metrics", ""]
    if not shared:
        lines += ["No system is present in both runs.", ""]
    for system in shared:
        lines += [f"### {system}", ""]
        lines += _delta_table(old_metrics[system], new_metrics[system])
        lines.append("")
    old_retrieval = _float_table(old.get("retrieval") or {})
    new_retrieval = _float_table(new.get("retrieval") or {})
    for mode in [m for m in new_retrieval if m in old_retrieval]:
        lines += [f"### retrieval: {mode}", ""]
        lines += _delta_table(old_retrieval[mode], new_retrieval[mode])
        lines.append("")

    lines += [f"## Questions ({PRIMARY})", ""]
    old_recs = _by_id(_records(old).get(PRIMARY, []))
    new_recs = _by_id(_records(new).get(PRIMARY, []))
    if not old_recs and not new_recs:
        return "\n".join([*lines, f"No {PRIMARY} records in either run.", ""])
    both = [i for i in new_recs if i in old_recs]
    improved = [i for i in both if not is_right(old_recs[i]) and is_right(new_recs[i])]
    regressed = [i for i in both if is_right(old_recs[i]) and not is_right(new_recs[i])]
    still_right = sum(1 for i in both if is_right(old_recs[i]) and is_right(new_recs[i]))
    added = [i for i in new_recs if i not in old_recs]
    removed = [i for i in old_recs if i not in new_recs]
    lines += [
        f"{len(both)} questions in both runs: {len(improved)} improved, {len(regressed)} "
        f"regressed, {still_right} right in both, "
        f"{len(both) - len(improved) - len(regressed) - still_right} wrong in both. "
        f"{len(added)} added, {len(removed)} removed.",
        "",
    ]
    for title, ids in (("Improved", improved), ("Regressed", regressed)):
        lines += [f"### {title} ({len(ids)})", ""]
        for i in ids:
            lines.append(
                f"- `{i}` {_inline(old_recs[i].get('question', ''))} — before: "
                f"{_outcome(old_recs[i])}; now: {_outcome(new_recs[i])}"
            )
        lines += ["None.", ""] if not ids else [""]
    for title, ids, recs in (("Added", added, new_recs), ("Removed", removed, old_recs)):
        lines += [f"### {title} ({len(ids)})", ""]
        lines += [
            f"- `{i}` {_inline(recs[i].get('question', ''))} — {_verdict(recs[i])}" for i in ids
        ] or ["None."]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# Helpers: data access


def _records(run: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    records = run.get("records") or {}
    return {str(name): [r for r in recs if isinstance(r, dict)] for name, recs in records.items()}


def _float_table(table: dict[str, Any]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, values in table.items():
        if isinstance(values, dict):
            out[str(name)] = {
                str(k): float(v)
                for k, v in values.items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
    return out


def _metrics(run: dict[str, Any]) -> dict[str, dict[str, float]]:
    return _float_table(run.get("metrics") or {})


def _by_id(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r.get("id", "")): r for r in records}


def _metric_names(tables: Iterable[dict[str, float]]) -> list[str]:
    """Union of metric keys, in order of first appearance."""
    return list(dict.fromkeys(k for table in tables for k in table))


def _is_time(metric: str) -> bool:
    return "latency" in metric or metric.endswith(("_ms", "_seconds"))


def _is_lower_better(metric: str) -> bool:
    return metric in LOWER_IS_BETTER or _is_time(metric)


def _rate_metrics(metrics: dict[str, dict[str, float]]) -> list[str]:
    """Metrics whose every value lies in [0, 1] (known rates first, then the rest in order)."""
    names = _metric_names(metrics.values())
    rates = [
        m
        for m in names
        if m not in NOT_RATES
        and not _is_time(m)
        and all(0.0 <= t[m] <= 1.0 for t in metrics.values() if m in t)
    ]
    rank = {m: i for i, m in enumerate(RATE_ORDER)}
    return sorted(rates, key=lambda m: (rank.get(m, len(rank)), names.index(m)))


# ---------------------------------------------------------------------------------------------
# Helpers: Markdown


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if math.isnan(value):
        return "n/a"
    if metric in NEUTRAL and value.is_integer():
        return str(int(value))
    if _is_time(metric):
        return f"{value:.1f}"
    return f"{value:.3f}"


def _table(columns: dict[str, dict[str, float]], first: str) -> list[str]:
    """Rows are metrics, one column per entry of ``columns``."""
    names = list(columns)
    lines = [
        "| " + " | ".join([first, *names]) + " |",
        "|" + "---|" + "---:|" * len(names),
    ]
    for metric in _metric_names(columns.values()):
        cells = [_fmt(metric, columns[n].get(metric)) for n in names]
        lines.append("| " + " | ".join([metric, *cells]) + " |")
    return lines


def _delta_table(old: dict[str, float], new: dict[str, float]) -> list[str]:
    lines = [
        "| metric | old | new | change | better when | verdict |",
        "|---|---:|---:|---:|---|---|",
    ]
    for metric in _metric_names([new, old]):
        before, after = old.get(metric), new.get(metric)
        better = "—" if metric in NEUTRAL else "lower" if _is_lower_better(metric) else "higher"
        change, verdict = "–", "only in " + ("new" if before is None else "old")
        if before is not None and after is not None:
            delta = after - before
            places = 1 if _is_time(metric) else 3
            if round(delta, places) == 0:
                change, verdict = "→ 0", "same"
            else:
                arrow = "↑" if delta > 0 else "↓"
                change = f"{arrow} {delta:+.{places}f}"
                if metric in NEUTRAL:
                    verdict = "changed"
                else:
                    verdict = "better" if (delta < 0) == _is_lower_better(metric) else "worse"
        lines.append(
            f"| {metric} | {_fmt(metric, before)} | {_fmt(metric, after)} | {change} "
            f"| {better} | {verdict} |"
        )
    return lines


def _cell(text: Any, limit: int = 200) -> str:
    """Table-safe text: truncated, newlines shown as <br>, pipes escaped."""
    value = str(text).strip()
    if len(value) > limit:
        value = value[:limit].rstrip() + "…"
    value = value.replace("\\", "\\\\").replace("|", "\\|")
    return re.sub(r"\r\n|\r|\n", "<br>", value)


def _inline(text: Any, limit: int = 120) -> str:
    value = " ".join(str(text).split())
    return value[:limit].rstrip() + "…" if len(value) > limit else value


def _expected_text(record: dict[str, Any]) -> str:
    if not record.get("answerable", True):
        return "(should abstain)"
    expected = [str(e) for e in record.get("expected") or []]
    if expected:
        return " / ".join(expected)
    sources = [str(s) for s in record.get("expected_sources") or []]
    return "sources: " + ", ".join(sources) if sources else "(nothing expected)"


def _answer_text(record: dict[str, Any]) -> str:
    answer = str(record.get("answer", ""))
    return f"(abstained) {answer}" if record.get("abstained") else answer


def _outcome(record: dict[str, Any]) -> str:
    label = "right" if is_right(record) else "wrong"
    return f'{label} ("{_inline(_answer_text(record), 80)}")'


def _verdict(record: dict[str, Any]) -> str:
    return "right" if is_right(record) else "wrong"


def _failures_section(run: dict[str, Any]) -> list[str]:
    lines = [f"## Failures ({PRIMARY})", ""]
    if PRIMARY not in _records(run):
        return [*lines, f"No {PRIMARY} records in this run.", ""]
    failed = failures(run)
    if not failed:
        return [*lines, "None: every question was answered right.", ""]
    lines += [
        f"{len(failed)} questions: answerable ones not answered correctly, unanswerable ones "
        "not declined.",
        "",
        "| id | question | answer given | expected |",
        "|---|---|---|---|",
    ]
    for r in failed:
        lines.append(
            f"| {_cell(r.get('id', ''))} | {_cell(r.get('question', ''))} "
            f"| {_cell(_answer_text(r))} | {_cell(_expected_text(r))} |"
        )
    lines.append("")
    return lines


# ---------------------------------------------------------------------------------------------
# Helpers: plots

_IMAGE_TITLES = {
    "metrics.png": "Rate metrics per system",
    "latency.png": "Latency per question",
    "by_type.png": "Answer accuracy by question type",
    "by_language.png": "Answer accuracy by language",
}


def _write_plots(run: dict[str, Any], out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    records = _records(run)
    metrics = _metrics(run)
    written: list[Path] = []

    def save(name: str, width: float, draw: Callable[[Axes], None]) -> None:
        fig = Figure(figsize=(width, 4.5), layout="constrained")
        draw(fig.subplots())
        path = out_dir / name
        fig.savefig(path, dpi=110)
        written.append(path)

    rates = _rate_metrics(metrics)
    save(
        "metrics.png",
        max(6.0, 0.9 * len(rates) + 2),
        lambda ax: _grouped_bars(
            ax,
            rates,
            {s: [m.get(r, 0.0) for r in rates] for s, m in metrics.items()},
            "Rate metrics (higher is better, except false_abstention_rate)",
        ),
    )
    save("latency.png", 6.0, lambda ax: _latency(ax, records))
    for tag, name in (("type", "by_type.png"), ("language", "by_language.png")):
        groups, values = _accuracy_by_tag(records, tag)
        save(
            name,
            max(6.0, 0.9 * len(groups) + 2),
            partial(
                _grouped_bars,
                groups=groups,
                values=values,
                title=f"Answer accuracy by {tag} (answerable questions)",
            ),
        )
    return written


def _grouped_bars(
    ax: Axes, groups: Sequence[str], values: dict[str, list[float]], title: str
) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, 1.05)
    if not groups or not values:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
        return
    width = 0.8 / len(values)
    for i, (system, heights) in enumerate(values.items()):
        offsets = [x - 0.4 + width * (i + 0.5) for x in range(len(groups))]
        ax.bar(offsets, heights, width, label=system)
    ax.set_xticks(range(len(groups)), list(groups), rotation=30, ha="right", fontsize=8)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def _latency(ax: Axes, records: dict[str, list[dict[str, Any]]]) -> None:
    data = {
        name: [1000 * float(r.get("seconds", 0.0)) for r in recs]
        for name, recs in records.items()
        if recs
    }
    ax.set_title("Latency per question", fontsize=10)
    ax.set_ylabel("ms")
    if not data:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
        return
    ax.boxplot(list(data.values()), tick_labels=list(data))
    ax.grid(axis="y", alpha=0.3)


def _accuracy_by_tag(
    records: dict[str, list[dict[str, Any]]], tag: str
) -> tuple[list[str], dict[str, list[float]]]:
    """Tag values (with counts) and, per system, the mean ``correct`` of each group.

    Like ``answer_accuracy``, only answerable questions with expected answer text count.
    """
    grouped: dict[str, dict[str, list[bool]]] = {}
    for system, recs in records.items():
        for r in recs:
            if r.get("answerable", True) and r.get("expected"):
                value = str((r.get("tags") or {}).get(tag) or "(none)")
                grouped.setdefault(value, {}).setdefault(system, []).append(bool(r.get("correct")))
    keys = sorted(grouped)
    labels = [f"{k} (n={max(len(v) for v in grouped[k].values())})" for k in keys]
    values = {
        system: [
            sum(grouped[k].get(system, [])) / len(grouped[k][system])
            if grouped[k].get(system)
            else 0.0
            for k in keys
        ]
        for system in records
    }
    return labels, values
