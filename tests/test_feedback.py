"""Feedback: stored as JSONL, turned into question-set entries the eval runner accepts."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.errors import QuestionSetError
from assistant.evaluate.question_sets import load_question_set
from assistant.serve.feedback import FeedbackLog, to_question_set

ANSWER = {
    "text": "Benoît Hamon était à Niort. [1]",
    "citations": [
        {"n": 1, "source_id": "rtes-maison-ess-niort", "quote": "Benoît Hamon était à Niort."}
    ],
    "abstained": False,
    "language": "fr",
    "kind": "extractive",
    "confidence": 0.8,
    "timings": {"total": 0.1},
}
ABSTAINED = {**ANSWER, "text": "Je n'ai pas trouvé.", "abstained": True}


def test_records_keep_question_history_answer_and_citations(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "fb" / "feedback.jsonl")
    history = [{"role": "user", "content": "Avant ?"}, {"role": "assistant", "content": "Oui"}]
    log.append("useful", "Qui ?", ANSWER, history, generation="g1")
    (record,) = log.read()
    assert record["question"] == "Qui ?" and record["history"] == history
    assert (
        record["answer"]["citations"] == ANSWER["citations"] and "timings" not in record["answer"]
    )
    assert record["rating"] == "useful" and record["generation"] == "g1"
    with pytest.raises(ValueError, match="rating"):
        log.append("great", "Qui ?", ANSWER)  # type: ignore[arg-type]


def test_concurrent_appends_never_mix_lines(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    long_answer = {**ANSWER, "text": "x" * 5000}
    threads = [
        threading.Thread(target=lambda: [log.append("wrong", "q", long_answer) for _ in range(25)])
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(log.read()) == 200


def test_damaged_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    path.write_text('{"rating": "useful"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"feedback\.jsonl:2"):
        FeedbackLog(path).read()


def test_export_gives_valid_entries_and_entries_to_review() -> None:
    records = [
        {"at": "t1", "rating": "wrong", "question": "Qui ?", "history": [], "answer": ANSWER},
        {"at": "t2", "rating": "useful", "question": "Qui ?", "history": [], "answer": ANSWER},
        {"at": "t3", "rating": "useful", "question": "Météo ?", "history": [], "answer": ABSTAINED},
        {"at": "t4", "rating": "wrong", "question": "Quand ?", "history": [], "answer": ANSWER},
    ]
    export = to_question_set(records)
    ready = {e["question"]: e for e in export.ready}
    assert set(ready) == {"Qui ?", "Météo ?"}  # the later rating of "Qui ?" wins
    assert ready["Qui ?"]["sources"] == ["rtes-maison-ess-niort"]
    assert ready["Qui ?"]["answers"] == ["Benoît Hamon était à Niort."]
    assert ready["Météo ?"]["answerable"] is False
    (review,) = export.review
    assert review["question"] == "Quand ?" and "Benoît Hamon" in review["notes"]


def test_cli_writes_a_question_set_the_eval_runner_loads(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    log.append("useful", "Qui ?", ANSWER)
    log.append("wrong", "Quand ?", ANSWER, [{"role": "user", "content": "Qui ?"}])
    out = tmp_path / "evals" / "feedback.jsonl"
    assert main(["feedback", str(log.path), "--out", str(out)]) == 0
    questions = load_question_set(out)
    assert [q.question for q in questions.items] == ["Qui ?"]
    assert questions.items[0].tags["origin"] == "feedback"
    review = out.with_name("feedback-review.jsonl")
    entry = json.loads(review.read_text(encoding="utf-8").splitlines()[1])
    assert entry["history"] == [{"role": "user", "content": "Qui ?"}]
    with pytest.raises(QuestionSetError, match="needs 'answers' or 'sources'"):
        load_question_set(review)  # to be completed by a person first
