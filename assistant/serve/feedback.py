"""Feedback from the chat ("useful" / "wrong"), kept as JSONL and turned into question sets.

Each line holds the question, the conversation before it, the answer and its citations,
so a useful answer becomes a regression question and a wrong one a question to review.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Rating = Literal["useful", "wrong"]
_ANSWER_FIELDS = ("text", "citations", "abstained", "language", "kind", "confidence")


class FeedbackLog:
    """Appends feedback records to one JSONL file; safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(
        self,
        rating: Rating,
        question: str,
        answer: Mapping[str, Any],
        history: Sequence[Mapping[str, str]] = (),
        generation: str = "",
    ) -> dict[str, Any]:
        """Store one rating and return the record written."""
        if rating not in ("useful", "wrong"):
            raise ValueError(f"rating must be 'useful' or 'wrong', not {rating!r}")
        record = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rating": rating,
            "question": question,
            "history": [{"role": m["role"], "content": m["content"]} for m in history],
            "answer": {key: answer.get(key) for key in _ANSWER_FIELDS},
            "generation": generation,
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write() on an O_APPEND descriptor: lines from several workers never mix.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        return record

    def read(self) -> list[dict[str, Any]]:
        """Every record; a damaged line raises ValueError naming it."""
        if not self.path.exists():
            return []
        records = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{self.path}:{number}: not valid JSON ({exc.msg})") from exc
        return records


@dataclass
class Export:
    """Question-set entries made from feedback: ready ones and ones a person must finish."""

    ready: list[dict[str, Any]]
    review: list[dict[str, Any]]


def to_question_set(records: Sequence[Mapping[str, Any]]) -> Export:
    """Turn feedback into question-set entries (see :mod:`assistant.evaluate.question_sets`).

    A useful answer gives an entry expecting the same sources and quote; a useful
    "not found" gives an unanswerable entry. A wrong answer gives an entry to review: the
    right answer is unknown, so it lacks ``answers``/``sources`` until someone adds them.
    The latest rating of a question (with the same history) wins.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for record in records:
        latest[_entry_id(record)] = record
    export = Export(ready=[], review=[])
    for entry_id, record in latest.items():
        answer = record["answer"]
        citations = answer.get("citations") or []
        entry: dict[str, Any] = {"id": entry_id, "question": record["question"]}
        if record.get("history"):
            entry["history"] = record["history"]
        tags = {"origin": "feedback", "rating": record["rating"], "at": record["at"]}
        tags["language"] = str(answer.get("language") or "")
        entry["tags"] = tags
        if record["rating"] == "useful" and answer.get("abstained"):
            entry["answerable"] = False
            export.ready.append(entry)
        elif record["rating"] == "useful" and citations:
            entry["sources"] = list(dict.fromkeys(c["source_id"] for c in citations))
            entry["answers"] = [citations[0]["quote"]]
            export.ready.append(entry)
        else:
            entry["notes"] = (
                "Marked wrong in the chat. The answer was: "
                + str(answer.get("text") or "")
                + ". Add 'answers' and 'sources', or set 'answerable': false."
            )
            export.review.append(entry)
    return export


def write_jsonl(path: Path, entries: Sequence[Mapping[str, Any]], name: str) -> None:
    """Write a question set with its ``_set`` header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"_set": {"name": name}}, ensure_ascii=False)]
    lines += [json.dumps(entry, ensure_ascii=False) for entry in entries]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _entry_id(record: Mapping[str, Any]) -> str:
    key = json.dumps([record["question"], record.get("history", [])], ensure_ascii=False)
    return "fb-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
