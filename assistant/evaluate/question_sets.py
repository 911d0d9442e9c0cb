"""Question sets: JSONL files of questions with expected answers and sources.

One JSON object per line. An optional first line ``{"_set": {...}}`` describes the set:
``name``, and ``sources``: a folder of documents, or a PIAF/SQuAD JSON file whose
paragraphs become the documents (paths relative to the set file).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import QuestionSetError

_FIELDS = {"id", "question", "history", "answers", "sources", "answerable", "tags", "notes"}


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    answerable: bool = True
    history: tuple[dict[str, str], ...] = ()
    tags: dict[str, str] = field(default_factory=dict)

    def tag(self, name: str, default: str = "") -> str:
        return str(self.tags.get(name, default))


@dataclass
class QuestionSet:
    name: str
    path: Path
    items: list[EvalItem]
    sources: Path | None = None  # None: the assistant's configured sources

    @property
    def is_piaf(self) -> bool:
        return self.sources is not None and self.sources.suffix == ".json"


def load_question_set(path: Path) -> QuestionSet:
    """Read and validate ``path``; every problem names its line."""
    if not path.is_file():
        raise QuestionSetError(f"{path}: no such question set")
    name, sources = path.stem, None
    items: list[EvalItem] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(data, dict):
            raise QuestionSetError(f"{where}: expected a JSON object")
        if "_set" in data:
            header = data["_set"]
            if not isinstance(header, dict):
                raise QuestionSetError(f"{where}: '_set' must be an object")
            name = str(header.get("name", name))
            if header.get("sources"):
                sources = (path.parent / str(header["sources"])).resolve()
            continue
        item = _item(where, data)
        if item.id in seen:
            raise QuestionSetError(f"{where}: id {item.id!r} is used twice")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise QuestionSetError(f"{path}: no questions")
    return QuestionSet(name=name, path=path, items=items, sources=sources)


def _item(where: str, data: dict[str, Any]) -> EvalItem:
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise QuestionSetError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(_FIELDS)}")
    for key in ("id", "question"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise QuestionSetError(f"{where}: '{key}' is required and must be non-empty text")
    answerable = data.get("answerable", True)
    if not isinstance(answerable, bool):
        raise QuestionSetError(f"{where}: 'answerable' must be true or false")
    answers = _strings(where, data, "answers")
    sources = _strings(where, data, "sources")
    if answerable and not answers and not sources:
        raise QuestionSetError(f"{where}: an answerable question needs 'answers' or 'sources'")
    if not answerable and answers:
        raise QuestionSetError(f"{where}: an unanswerable question cannot have 'answers'")
    history = data.get("history", [])
    if not isinstance(history, list) or not all(
        isinstance(m, dict)
        and m.get("role") in ("user", "assistant")
        and isinstance(m.get("content"), str)
        for m in history
    ):
        raise QuestionSetError(
            f"{where}: 'history' must be a list of {{'role': 'user'|'assistant', 'content': str}}"
        )
    tags = data.get("tags", {})
    if not isinstance(tags, dict):
        raise QuestionSetError(f"{where}: 'tags' must be an object")
    return EvalItem(
        id=data["id"],
        question=data["question"],
        answers=answers,
        sources=sources,
        answerable=answerable,
        history=tuple(history),
        tags={str(k): str(v) for k, v in tags.items()},
    )


def _strings(where: str, data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QuestionSetError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)
