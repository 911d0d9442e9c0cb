"""Reports from a small hand-made run: files, Markdown tables, failures and run comparison."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from assistant.evaluate.report import compare, write_report


def _record(
    id: str,
    *,
    kind: str,
    language: str,
    correct: bool,
    answerable: bool = True,
    abstained: bool = False,
    answer: str = "some answer",
    seconds: float = 0.1,
) -> dict[str, Any]:
    return {
        "id": id,
        "question": f"Question {id}?",
        "answerable": answerable,
        "expected": ["11 %"] if answerable else [],
        "expected_sources": ["doc-a"] if answerable else [],
        "tags": {"language": language, "type": kind, "kind": "single"},
        "answer": answer,
        "abstained": abstained,
        "cited_sources": ["doc-a"],
        "ranked_sources": ["doc-a", "doc-b"],
        "quotes_verbatim": 1,
        "quotes_total": 1,
        "seconds": seconds,
        "correct": correct,
        "f1": 1.0 if correct else 0.0,
        "source_hit": answerable,
    }


def _run() -> dict[str, Any]:
    assistant = [
        _record("q1", kind="definition", language="fr", correct=True, answer="11 %"),
        _record(
            "q2",
            kind="figure",
            language="en",
            correct=False,
            answer="wrong | piped\nsecond line",
            seconds=0.3,
        ),
        _record("q3", kind="figure", language="fr", correct=True, answer="11%"),
        _record("q4", kind="out_of_scope", language="fr", correct=False, answerable=False),
    ]
    baseline = [
        {**r, "correct": False, "abstained": False, "seconds": 0.02}
        for r in copy.deepcopy(assistant)
    ]
    return {
        "question_set": "tiny-set",
        "metrics": {
            "assistant": {
                "questions": 4.0,
                "answer_accuracy": 0.6667,
                "source_hit_rate": 1.0,
                "abstention_precision": 0.0,
                "abstention_recall": 0.0,
                "false_abstention_rate": 0.0,
                "quote_verbatim_rate": 1.0,
                "mrr": 0.875,
                "latency_median_ms": 123.4,
                "latency_p95_ms": 280.0,
                "hit@1": 0.75,
                "hit@5": 1.0,
            },
            "baseline": {
                "questions": 4.0,
                "answer_accuracy": 0.0,
                "source_hit_rate": 0.5,
                "abstention_precision": 0.0,
                "abstention_recall": 0.0,
                "false_abstention_rate": 0.0,
                "quote_verbatim_rate": 1.0,
                "mrr": 0.4,
                "latency_median_ms": 20.0,
                "latency_p95_ms": 20.0,
                "hit@1": 0.25,
                "hit@5": 0.5,
            },
        },
        "retrieval": {"dense": {"mrr": 0.4, "hit@1": 0.25}, "hybrid": {"mrr": 0.9, "hit@1": 0.8}},
        "records": {"assistant": assistant, "baseline": baseline},
    }


def _failure_ids(markdown: str) -> list[str]:
    section = markdown.split("## Failures", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [row.split("|")[1].strip() for row in rows[1:]]  # skip the header row


def test_write_report_creates_every_file(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report"
    paths = write_report(_run(), out)
    names = {p.name for p in paths}
    assert names == {
        "report.json",
        "report.md",
        "metrics.png",
        "latency.png",
        "by_type.png",
        "by_language.png",
    }
    for path in paths:
        assert path.parent == out and path.stat().st_size > 0
        if path.suffix == ".png":
            assert path.read_bytes().startswith(b"\x89PNG")
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == _run()


def test_markdown_has_tables_plots_and_definitions(tmp_path: Path) -> None:
    write_report(_run(), tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "tiny-set" in md.splitlines()[0]
    assert "| metric | assistant | baseline |" in md
    assert "| answer_accuracy | 0.667 | 0.000 |" in md
    assert "| latency_median_ms | 123.4 | 20.0 |" in md
    assert "| questions | 4 | 4 |" in md
    assert "| metric | dense | hybrid |" in md
    assert "| mrr | 0.400 | 0.900 |" in md
    for png in ("metrics.png", "latency.png", "by_type.png", "by_language.png"):
        assert f"]({png})" in md
    assert "How to read this report" in md
    assert "abstention_recall" in md.split("How to read this report", 1)[1]


def test_failure_table_lists_exactly_the_failures(tmp_path: Path) -> None:
    write_report(_run(), tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert _failure_ids(md) == ["q2", "q4"]
    assert "wrong \\| piped<br>second line" in md
    assert "(should abstain)" in md


def test_rebuilds_from_saved_json(tmp_path: Path) -> None:
    write_report(_run(), tmp_path / "a")
    saved = json.loads((tmp_path / "a" / "report.json").read_text(encoding="utf-8"))
    write_report(saved, tmp_path / "b")
    first = (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    assert first == (tmp_path / "b" / "report.md").read_text(encoding="utf-8")


def test_compare_flags_improved_regressed_and_deltas() -> None:
    old = _run()
    new = copy.deepcopy(old)
    records = new["records"]["assistant"]
    records[0]["correct"] = False  # q1 regresses
    records[1]["correct"] = True  # q2 improves
    records[3]["abstained"] = True  # q4 (unanswerable) improves
    del records[2]  # q3 removed
    records.append(_record("q5", kind="figure", language="fr", correct=True))
    new["metrics"]["assistant"]["answer_accuracy"] = 0.75
    new["metrics"]["assistant"]["latency_median_ms"] = 100.0
    new["metrics"]["assistant"]["brand_new_rate"] = 0.5

    text = compare(old, new)
    sections = {
        title: text.split(f"### {title}", 1)[1].split("\n#", 1)[0]
        for title in ("Improved", "Regressed", "Added", "Removed")
    }
    assert "`q2`" in sections["Improved"] and "`q4`" in sections["Improved"]
    assert "`q1`" not in sections["Improved"]
    assert "`q1`" in sections["Regressed"] and "`q2`" not in sections["Regressed"]
    assert "`q5`" in sections["Added"] and "`q3`" in sections["Removed"]
    assert "| answer_accuracy | 0.667 | 0.750 | ↑ +0.083 | higher | better |" in text
    assert "| latency_median_ms | 123.4 | 100.0 | ↓ -23.4 | lower | better |" in text
    assert "| mrr | 0.875 | 0.875 | → 0 | higher | same |" in text
    assert "| brand_new_rate | – | 0.500 | – | higher | only in new |" in text
    assert compare(old, new) == text  # deterministic
