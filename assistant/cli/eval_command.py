"""``python -m assistant eval``: pick the index for the set, run it, print the metrics."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from assistant.core import Assistant
from assistant.evaluate.question_sets import QuestionSet, load_question_set
from assistant.evaluate.runner import EvalRun, evaluate
from assistant.settings import Settings


def settings_for(
    question_set: QuestionSet, settings: Settings, args: argparse.Namespace
) -> Settings:
    """A set with its own sources gets its own index under ``index/sets/<name>``."""
    if question_set.sources is None or args.sources:
        return settings
    root = settings.index_dir / "sets" / question_set.name
    sources = question_set.sources
    if question_set.is_piaf:
        from assistant.evaluate.piaf import export_sources

        target = root / "sources"
        if not (target / "sources.toml").exists():
            export_sources(sources, target)
        sources = target
    index = Path(args.index) if args.index else root / "index"
    return settings.model_copy(update={"sources_dir": sources, "index_dir": index})


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    question_set = load_question_set(args.file)
    if args.limit:
        question_set.items = question_set.items[: args.limit]
    assistant = Assistant(settings_for(question_set, settings, args))
    report = assistant.build_index()
    if report.changed:
        print(report.summary())
    with tqdm(total=len(question_set.items), desc=question_set.name, unit="q") as bar:

        def advance(done: int, total: int) -> None:
            bar.update(1)

        run = evaluate(
            assistant,
            question_set,
            baseline=not args.no_baseline,
            backends=args.llm or [],
            progress=advance,
        )
    print(format_metrics(run))
    data = run.to_dict()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    if not args.no_report:
        from assistant.evaluate.report import compare, write_report

        out = args.out or Path("evals") / "reports" / question_set.name
        old = _read_report(args.compare) if args.compare else None
        written = write_report(data, out)
        print(f"report: {out / 'report.md'} ({len(written)} files)")
        if old is not None:
            text = compare(old, data)
            (out / "compare.md").write_text(text, encoding="utf-8")
            print(text)
    return 0


def _read_report(path: Path) -> dict[str, Any]:
    """A saved report: its folder or its report.json."""
    target = path / "report.json" if path.is_dir() else path
    try:
        data: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read the report to compare with, {target}: {exc}") from exc
    return data


def format_metrics(run: EvalRun) -> str:
    text = _table("metric", run.metrics())
    if run.retrieval:
        text += "\n\n" + _table("retrieval alone and fused", run.retrieval_metrics())
    return text


def _table(title: str, metrics: dict[str, dict[str, float]]) -> str:
    names = list(metrics)
    # Every metric any system has (generative backends add their own), first seen first.
    keys: list[str] = list(dict.fromkeys(k for values in metrics.values() for k in values))
    width = max(14, *(len(n) + 2 for n in names))
    lines = [f"{title:32}" + "".join(f"{n:>{width}}" for n in names)]
    for key in keys:
        cells = [_fmt(metrics[n][key]) if key in metrics[n] else "–" for n in names]
        lines.append(f"{key:32}" + "".join(f"{c:>{width}}" for c in cells))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and value > 1:
        return str(int(value))
    return f"{value:.3f}" if isinstance(value, float) else str(value)
