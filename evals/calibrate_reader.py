"""Calibrate the reader's score and the abstention threshold (assistant/calibration.py).

    .venv/bin/python evals/calibrate_reader.py        # or: make train-reader (after training)

Data held apart from everything reported: questions of the PIAF *development* articles
(evals/train_reader.py's split: neither trained on nor in evals/piaf.jsonl), asked against
the whole PIAF index, each twice:

- as is (answerable): candidates are labelled by whether they quote the expected answer;
- with every candidate of the question's own article removed (unanswerable): the near
  misses a reader must decline, since the PIAF index holds no second answer.

A logistic regression over the calibration features (the reader's logit first) gives the
probability; the threshold is the one that makes the most right decisions (answer right,
or abstain when nothing answers), counting each wrong answer as ``--wrong-cost`` lost
decisions, since a wrong answer misleads where an abstention only disappoints.
Writes assistant/data/reader/calibration.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "evals"))

from train_reader import PIAF, load, split_articles  # noqa: E402

from assistant.calibration import CALIBRATION_FILE, FEATURES, Calibration  # noqa: E402
from assistant.conversation import conversation_language  # noqa: E402
from assistant.core import Assistant  # noqa: E402
from assistant.eval_cli import settings_for  # noqa: E402
from assistant.extractive import ExtractiveAnswerer  # noqa: E402
from assistant.metrics import contains_any  # noqa: E402
from assistant.questions import question_type  # noqa: E402
from assistant.questionset import load_question_set  # noqa: E402
from assistant.reader import READER_DIR, Reader  # noqa: E402
from assistant.settings import Settings  # noqa: E402

# One question's candidates: (features, labels, grounded)
Rows = tuple[list[list[float]], list[bool], list[bool]]


def collect(
    assistant: Assistant,
    answerer: ExtractiveAnswerer,
    question: str,
    answers: list[str],
    article: int,
) -> tuple[Rows, Rows]:
    index = assistant.serving()
    language = conversation_language(question, [])
    retriever = assistant.retriever(index)
    retrieval = retriever.retrieve(
        question, language=language, k=assistant.settings.retrieval.passages
    )
    candidates = answerer.score(
        question,
        kind=question_type(question),
        retrieval=retrieval,
        index=index,
        asked=retriever.expand(question, language),  # as Assistant.stream does
    )
    candidates = [c for c in candidates if c.reading is not None]
    kept = {id(c) for c in answerer.grounded(question, candidates, index)}
    answerable: Rows = ([], [], [])
    unanswerable: Rows = ([], [], [])
    for c in candidates:
        label = contains_any(c.quoted(), answers)
        for rows, use in ((answerable, True), (unanswerable, _article(c.doc_id) != article)):
            if use:
                rows[0].append(c.features)
                rows[1].append(label and rows is answerable)
                rows[2].append(id(c) in kept)
    return answerable, unanswerable


def _article(doc_id: str) -> int:
    return int(doc_id.split("-")[1])


def decide(
    model, questions: list[tuple[Rows, bool]], threshold: float
) -> tuple[int, int, int, int, int]:  # type: ignore[no-untyped-def]
    right = abstained = wrong = n_ans = n_un = 0
    for (features, labels, grounded), answerable in questions:
        best, label = 0.0, False
        if features:
            probs = model.predict_proba(np.asarray(features))[:, 1] * np.asarray(grounded)
            i = int(np.argmax(probs))
            best, label = float(probs[i]), labels[i]
        n_ans += answerable
        n_un += not answerable
        if best >= threshold:
            right += label
            wrong += not label
        else:
            abstained += not answerable
    return right, n_ans, abstained, n_un, wrong


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reader", type=Path, default=READER_DIR)
    parser.add_argument("--questions", type=int, default=300, help="development questions used")
    parser.add_argument("--wrong-cost", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    paragraphs, questions = load(PIAF)
    _, dev_articles = split_articles(paragraphs, args.seed)
    dev = [q for q in questions if paragraphs[q[1]].article in dev_articles][: args.questions]
    piaf_set = load_question_set(REPO / "evals" / "piaf.jsonl")
    assistant = Assistant(
        settings_for(piaf_set, Settings(), argparse.Namespace(sources=None, index=None))
    )
    assistant.build_index(progress=False)
    answerer = ExtractiveAnswerer(reader=Reader(args.reader), calibration=Calibration())
    data: list[tuple[Rows, bool]] = []
    for n, (question, pid, _, answer) in enumerate(dev):
        a, u = collect(assistant, answerer, question, [answer], paragraphs[pid].article)
        data += [(a, True), (u, False)]
        if n % 50 == 0:
            print(f"{n}/{len(dev)} questions", flush=True)
    x = np.asarray([f for (rows, _) in data for f in rows[0]])
    y = np.asarray([lab for (rows, _) in data for lab in rows[1]])
    model = LogisticRegression(C=1.0, max_iter=5000).fit(x, y)
    best = (-1e9, 0.5)
    for threshold in np.arange(0.05, 0.96, 0.025):
        right, n_ans, abstained, n_un, wrong = decide(model, data, float(threshold))
        total = right + abstained - args.wrong_cost * wrong
        print(
            f"  threshold {threshold:.3f}: answered right {right}/{n_ans}, "
            f"abstained right {abstained}/{n_un}, answered wrong {wrong}"
        )
        if total > best[0]:
            best = (total, float(threshold))
    right, n_ans, abstained, n_un, wrong = decide(model, data, best[1])
    record = {
        "features": list(FEATURES),
        "coefficients": [round(float(c), 4) for c in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 4),
        "threshold": round(best[1], 3),
        "data": f"{len(dev)} PIAF development questions, answerable and with their article removed",
        "at_threshold": {
            "answered_right": right, "answerable": n_ans, "abstained_right": abstained,
            "unanswerable": n_un, "answered_wrong": wrong,
        },
        "wrong_cost": args.wrong_cost,
        "command": "python evals/calibrate_reader.py " + " ".join(sys.argv[1:]),
    }  # fmt: skip
    path = args.reader / CALIBRATION_FILE
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
