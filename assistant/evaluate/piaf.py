"""PIAF v1.1 (Etalab, MIT): French SQuAD-style questions over Wikipedia paragraphs.

Each paragraph becomes one source document, so the same pipeline that indexes the
Poitiers corpus indexes PIAF; its questions become an evaluation set.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PiafQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    paragraph_id: str


def paragraph_id(article: int, paragraph: int) -> str:
    return f"piaf-{article:03d}-{paragraph:02d}"


def iter_paragraphs(path: Path) -> Iterator[tuple[str, str, str, list[dict[str, Any]]]]:
    """Yield ``(paragraph id, article title, context, qas)`` in file order."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for a, article in enumerate(data["data"]):
        for p, paragraph in enumerate(article["paragraphs"]):
            yield paragraph_id(a, p), article["title"], paragraph["context"], paragraph["qas"]


def export_sources(path: Path, out_dir: Path, limit: int | None = None) -> int:
    """Write each paragraph as ``<id>.txt`` plus a ``sources.toml``; returns the count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: list[str] = []
    for count, (pid, title, context, _) in enumerate(iter_paragraphs(path)):
        if limit is not None and count >= limit:
            break
        (out_dir / f"{pid}.txt").write_text(context + "\n", encoding="utf-8")
        entries.append(
            "[[document]]\n"
            f"id = {json.dumps(pid)}\nfile = {json.dumps(pid + '.txt')}\n"
            f"title = {json.dumps(title, ensure_ascii=False)}\n"
            'publisher = "PIAF v1.1 (Etalab), from French Wikipedia"\nlanguage = "fr"\n'
        )
    (out_dir / "sources.toml").write_text("\n".join(entries), encoding="utf-8")
    return len(entries)


def sample_questions(
    path: Path, n: int, seed: int = 13, paragraphs: int | None = None
) -> list[PiafQuestion]:
    """A fixed random sample of ``n`` questions (optionally from the first paragraphs only)."""
    pool: list[PiafQuestion] = []
    for count, (pid, _, _, qas) in enumerate(iter_paragraphs(path)):
        if paragraphs is not None and count >= paragraphs:
            break
        for qa in qas:
            answers = tuple(str(a["text"]) for a in qa["answers"])
            pool.append(PiafQuestion(str(qa["id"]), str(qa["question"]), answers, pid))
    rng = random.Random(seed)
    return sorted(rng.sample(pool, min(n, len(pool))), key=lambda q: q.id)


def write_question_set(path: Path, out: Path, n: int, seed: int = 13) -> int:
    """Write a question set of ``n`` sampled PIAF questions, pointing at the PIAF file."""
    from assistant.text.question_kinds import question_type

    relative = Path(os.path.relpath(path.resolve(), out.parent.resolve()))
    lines = [json.dumps({"_set": {"name": out.stem, "sources": relative.as_posix()}})]
    for q in sample_questions(path, n, seed=seed):
        lines.append(
            json.dumps(
                {
                    "id": q.id,
                    "question": q.question,
                    "answers": list(dict.fromkeys(q.answers)),
                    "sources": [q.paragraph_id],
                    "answerable": True,
                    "tags": {"language": "fr", "type": question_type(q.question), "kind": "piaf"},
                },
                ensure_ascii=False,
            )
        )
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return n
