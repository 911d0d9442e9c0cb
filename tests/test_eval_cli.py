"""`python -m assistant eval` end to end: a set with its own sources, a report, a compare."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SOURCES

pytestmark = pytest.mark.slow


def _eval(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "eval", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        check=True,
    )


def test_eval_writes_a_report_and_compares_runs(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SOURCES / "rtes-maison-ess-niort.txt", docs / "niort.txt")
    rows = [
        {"_set": {"name": "mini", "sources": "docs"}},
        {
            "id": "who",
            "question": "Qui a posé la première pierre de la Maison de l'ESS à Niort ?",
            "answers": ["Benoît Hamon"],
            "sources": ["niort"],
            "tags": {"language": "fr", "type": "who"},
        },
        {
            "id": "none",
            "question": "Quelle est la recette du farci poitevin ?",
            "answerable": False,
        },
    ]
    qset = tmp_path / "mini.jsonl"
    qset.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")

    first = _eval(str(qset), "--out", str(tmp_path / "old"), cwd=tmp_path)
    assert "answer_accuracy" in first.stdout
    report = json.loads((tmp_path / "old" / "report.json").read_text("utf-8"))
    assert report["metrics"]["assistant"]["answer_accuracy"] == 1.0
    # The chosen passage is the index chunk the quote comes from: it holds the answer too.
    assert report["metrics"]["assistant"]["passage_accuracy"] == 1.0
    assert "Benoît Hamon" in report["records"]["assistant"][0]["passage"]
    assert report["metrics"]["assistant"]["abstention_recall"] == 1.0
    for name in ("report.md", "metrics.png", "latency.png", "by_type.png", "by_language.png"):
        assert (tmp_path / "old" / name).stat().st_size > 0
    assert (tmp_path / "index" / "sets" / "mini" / "index" / "CURRENT").exists()

    # Make the old run look worse on one question: the comparison must call it improved.
    report["records"]["assistant"][0]["correct"] = False
    (tmp_path / "old" / "report.json").write_text(json.dumps(report), "utf-8")
    second = _eval(
        str(qset), "--out", str(tmp_path / "new"), "--compare", str(tmp_path / "old"), cwd=tmp_path
    )
    compared = (tmp_path / "new" / "compare.md").read_text("utf-8")
    assert "who" in compared.split("Improved", 1)[1]
    assert "Improved" in second.stdout


def test_eval_names_a_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q", "answers": ["x"]}\n{oops\n', "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "eval", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "bad.jsonl:2: not valid JSON" in done.stderr and "Traceback" not in done.stderr
