"""Fit the sentence selector (assistant/selector.py) and calibrate its abstention threshold.

    .venv/bin/python evals/train_selector.py [--train 2000]

1. Fits a logistic regression on candidate sentences of PIAF questions that are *not* in
   the evaluation sample evals/piaf.jsonl (label: the sentence contains a gold answer).
2. Reports top-1 selection accuracy on the PIAF sample and the Poitiers set.
3. Calibrates the threshold on evals/poitiers.jsonl: the value that makes the most right
   decisions (answer right, or abstain on an unanswerable question).
Prints the constants to paste into assistant/selector.py. Needs scikit-learn (a
dependency of sentence-transformers).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant import selector
from assistant.conversation import context_questions, conversation_language
from assistant.core import Assistant
from assistant.eval_cli import settings_for
from assistant.extractive import ExtractiveAnswerer
from assistant.metrics import contains_any
from assistant.piaf import sample_questions
from assistant.questions import question_type
from assistant.questionset import EvalItem, QuestionSet, load_question_set
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
PIAF = REPO.parent / "shared/external/piaf-v1.1.json"

Question = tuple[list[list[float]], list[bool], bool]  # features, labels, answerable


def assistant_for(qset: QuestionSet) -> Assistant:
    args = argparse.Namespace(sources=None, index=None)
    assistant = Assistant(settings_for(qset, Settings(), args))
    assistant.build_index(progress=False)
    return assistant


def collect(assistant: Assistant, items: list[EvalItem]) -> list[Question]:
    index = assistant.serving()
    answerer = ExtractiveAnswerer(threshold=0.0)
    out: list[Question] = []
    for item in items:
        if item.tag("type") == "corpus":
            continue
        history = list(item.history)
        retrieval = assistant.retriever(index).retrieve(
            item.question,
            language=conversation_language(item.question, history),
            k=assistant.settings.retrieval.passages,
            previous=context_questions(item.question, history),
        )
        candidates = answerer.score(
            item.question, kind=question_type(item.question), retrieval=retrieval, index=index
        )
        labels = [
            item.answerable
            and contains_any(
                " ".join(c.passage.document.text[a:b] for a, b in c.spans()), item.answers
            )
            for c in candidates
        ]
        out.append(([c.features for c in candidates], labels, item.answerable))
    return out


def top1(model: LogisticRegression, questions: list[Question]) -> float:
    right = 0
    answerable = [q for q in questions if q[2]]
    for features, labels, _ in answerable:
        if features:
            right += labels[int(np.argmax(model.decision_function(np.asarray(features))))]
    return right / max(1, len(answerable))


def decisions(
    model: LogisticRegression, questions: list[Question], threshold: float
) -> tuple[int, int, int, int]:
    answered_right = abstained_right = 0
    for features, labels, answerable in questions:
        best, label = 0.0, False
        if features:
            probs = model.predict_proba(np.asarray(features))[:, 1]
            i = int(np.argmax(probs))
            best, label = float(probs[i]), labels[i]
        if answerable:
            answered_right += int(best >= threshold and label)
        else:
            abstained_right += int(best < threshold)
    n_ans = sum(q[2] for q in questions)
    return answered_right, n_ans, abstained_right, len(questions) - n_ans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=int, default=2000, help="PIAF training questions")
    args = parser.parse_args()

    piaf_set = load_question_set(REPO / "evals/piaf.jsonl")
    held_out = {item.id for item in piaf_set.items}
    pool = [q for q in sample_questions(PIAF, 10_000, seed=1) if q.id not in held_out]
    random.Random(5).shuffle(pool)
    train_items = [
        EvalItem(id=q.id, question=q.question, answers=q.answers, sources=(q.paragraph_id,))
        for q in pool[: args.train]
    ]
    piaf = assistant_for(piaf_set)
    train = collect(piaf, train_items)
    x = np.asarray([f for feats, _, _ in train for f in feats])
    y = np.asarray([lab for _, labels, _ in train for lab in labels])
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    print(f"trained on {len(train)} PIAF questions, {len(y)} candidates ({y.mean():.1%} positive)")

    piaf_eval = collect(piaf, piaf_set.items)
    poitiers_set = load_question_set(REPO / "evals/poitiers.jsonl")
    poitiers = collect(assistant_for(poitiers_set), poitiers_set.items)
    print(
        f"top-1 selection: PIAF sample {top1(model, piaf_eval):.3f}, "
        f"Poitiers {top1(model, poitiers):.3f}"
    )

    best = (-1, 0.0)
    for threshold in np.arange(0.02, 0.9, 0.02):
        a_right, n_ans, u_right, n_un = decisions(model, poitiers, float(threshold))
        total = a_right + u_right
        print(
            f"  threshold {threshold:.2f}: answered right {a_right}/{n_ans}, "
            f"abstained right {u_right}/{n_un}"
        )
        if total > best[0]:
            best = (total, float(threshold))
    print("\n# paste into assistant/selector.py")
    print("COEFFICIENTS = (" + ", ".join(f"{c:.3f}" for c in model.coef_[0]) + ")")
    print(f"INTERCEPT = {model.intercept_[0]:.3f}")
    print(f"THRESHOLD = {best[1]:.2f}")
    for name, c in zip(selector.FEATURES, model.coef_[0], strict=True):
        print(f"#   {name:16} {c:+.3f}")


if __name__ == "__main__":
    main()
