"""Fit the sentence selector (assistant/answer/selector.py) and calibrate its abstention threshold.

    .venv/bin/python evals/train_selector.py [--train 2000]

1. Fits a logistic regression on candidate sentences (label: the sentence contains an
   expected answer) of PIAF questions that are *not* in the evaluation sample
   evals/piaf.jsonl, plus the Poitiers set's questions (weighted up, since PIAF's
   Wikipedia paragraphs are not this corpus).
2. Reports, held out: top-1 selection on the PIAF sample, and on the Poitiers set by
   two-fold cross-fitting (each half scored by a model fitted without it).
3. Calibrates the threshold on the cross-fitted Poitiers scores: the value that makes the
   most right decisions (answer right, or abstain on an unanswerable question), less a
   half for each wrong answer (a wrong answer misleads, an abstention only disappoints).
Prints the fit to paste into assistant/answer/selector.py's FITS, under the embedding backend it
ran under (``ASSISTANT_EMBEDDING__BACKEND``; the ``dense`` signal is that model's cosine).
Needs scikit-learn (a dependency of sentence-transformers).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.answer import selector
from assistant.answer.about_corpus import answer_corpus_question
from assistant.answer.document_facts import DocumentFactAnswerer
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.cli.eval_command import settings_for
from assistant.core import Assistant
from assistant.evaluate.metrics import contains_any
from assistant.evaluate.piaf import sample_questions
from assistant.evaluate.question_sets import EvalItem, QuestionSet, load_question_set
from assistant.retrieve.conversation import conversation_language
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
PIAF = REPO.parent / "shared/external/piaf-v1.1.json"

# features, labels, answerable, grounded (names and numbers of the question are in it)
Question = tuple[list[list[float]], list[bool], bool, list[bool]]


def assistant_for(qset: QuestionSet) -> Assistant:
    args = argparse.Namespace(sources=None, index=None)
    assistant = Assistant(settings_for(qset, Settings(), args))
    assistant.build_index(progress=False)
    return assistant


def collect(
    assistant: Assistant, items: list[EvalItem], answerer: ExtractiveAnswerer | None = None
) -> list[Question]:
    """Each question's candidates: features, labels, grounded. With a reading ``answerer``,
    only the candidates the reader read, their features led by its logit."""
    index = assistant.serving()
    answerer = answerer or ExtractiveAnswerer(use_reader=False)
    out: list[Question] = []
    for item in items:
        if item.tag("type") == "corpus":
            continue
        history = list(item.history)
        language = conversation_language(item.question, history)
        if answer_corpus_question(item.question, language, index.snapshot):
            continue  # answered without a score
        # The query Assistant.stream answers: the candidates fitted are the ones the
        # live pipeline scores.
        query = assistant.query(item.question, history, language, index)
        if next(DocumentFactAnswerer().stream(query), None) is not None:
            continue
        candidates = answerer.score(query)
        if answerer.use_reader:
            candidates = [c for c in candidates if c.reading is not None]
        labels = [
            item.answerable
            and contains_any(
                " ".join(c.passage.document.text[a:b] for a, b in c.spans()), item.answers
            )
            for c in candidates
        ]
        kept = {id(c) for c in answerer.grounded(query, candidates)}
        grounded = [id(c) in kept for c in candidates]
        out.append(([c.features for c in candidates], labels, item.answerable, grounded))
    return out


def top1(model: LogisticRegression, questions: list[Question]) -> float:
    right = 0
    answerable = [q for q in questions if q[2]]
    for features, labels, _, _ in answerable:
        if features:
            right += labels[int(np.argmax(model.decision_function(np.asarray(features))))]
    return right / max(1, len(answerable))


def decisions(
    model: LogisticRegression, questions: list[Question], threshold: float
) -> tuple[int, int, int, int, int]:
    answered_right = abstained_right = answered_wrong = 0
    for features, labels, answerable, grounded in questions:
        best, label = 0.0, False
        if features:
            probs = model.predict_proba(np.asarray(features))[:, 1] * np.asarray(grounded)
            i = int(np.argmax(probs))
            best, label = float(probs[i]), labels[i]
        answered_wrong += int(best >= threshold and not label)
        if answerable:
            answered_right += int(best >= threshold and label)
        else:
            abstained_right += int(best < threshold)
    n_ans = sum(q[2] for q in questions)
    return answered_right, n_ans, abstained_right, len(questions) - n_ans, answered_wrong


POITIERS_WEIGHT = 5.0
# In right decisions. A wrong answer misleads where an abstention only disappoints, so it
# costs half a right answer (a quarter until this release, which let the e5 reader answer 9
# of the corpus set's 28 unanswerable questions, cross-fitted, at its best threshold).
WRONG_ANSWER_COST = 0.5


def fit(piaf: list[Question], poitiers: list[Question]) -> LogisticRegression:
    rows = [
        (f, lab, 1.0) for feats, labels, _, _ in piaf for f, lab in zip(feats, labels, strict=True)
    ]
    rows += [
        (f, lab, POITIERS_WEIGHT)
        for feats, labels, _, _ in poitiers
        for f, lab in zip(feats, labels, strict=True)
    ]
    x = np.asarray([r[0] for r in rows])
    y = np.asarray([r[1] for r in rows])
    weights = np.asarray([r[2] for r in rows])
    return LogisticRegression(C=1.0, max_iter=5000).fit(x, y, sample_weight=weights)


def development_paragraphs() -> set[str]:
    """Source ids of the PIAF paragraphs no trained model here saw (the development
    articles of evals/train_reader.py's split, which evals/train_embedder.py shares)."""
    sys.path.insert(0, str(REPO / "evals"))
    from train_reader import development_ids, load

    return development_ids(load(PIAF)[0], 13)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=int, default=2000, help="PIAF training questions")
    args = parser.parse_args()

    piaf_set = load_question_set(REPO / "evals/piaf.jsonl")
    held_out = {item.id for item in piaf_set.items}
    pool = [q for q in sample_questions(PIAF, 10_000, seed=1) if q.id not in held_out]
    if Settings().embedding.backend == "e5":
        # The e5 model was fine-tuned on PIAF: on the questions it saw, its cosine is more
        # telling than on a user's question, and a selector fitted there would trust it too
        # much. Fit on the development articles it never saw (evals/train_embedder.py).
        unseen = development_paragraphs()
        pool = [q for q in pool if q.paragraph_id in unseen]
    random.Random(5).shuffle(pool)
    train_items = [
        EvalItem(id=q.id, question=q.question, answers=q.answers, sources=(q.paragraph_id,))
        for q in pool[: args.train]
    ]
    piaf = assistant_for(piaf_set)
    train = collect(piaf, train_items)
    piaf_eval = collect(piaf, piaf_set.items)
    poitiers_set = load_question_set(REPO / "evals/poitiers.jsonl")
    poitiers = collect(assistant_for(poitiers_set), poitiers_set.items)
    folds = [poitiers[0::2], poitiers[1::2]]
    fold_models = [fit(train, folds[1]), fit(train, folds[0])]
    model = fit(train, poitiers)
    print(f"trained on {len(train)} PIAF questions and {len(poitiers)} Poitiers questions")
    crossed = (top1(fold_models[0], folds[0]) + top1(fold_models[1], folds[1])) / 2
    print(
        f"top-1 selection, held out: PIAF sample {top1(model, piaf_eval):.3f}, Poitiers "
        f"(cross-fitted) {crossed:.3f}"
    )

    best = (-1, 0.0)
    for threshold in np.arange(0.02, 0.9, 0.02):
        a_right, n_ans, u_right, n_un, wrong = (
            a + b
            for a, b in zip(
                decisions(fold_models[0], folds[0], float(threshold)),
                decisions(fold_models[1], folds[1], float(threshold)),
                strict=True,
            )
        )
        total = a_right + u_right - WRONG_ANSWER_COST * wrong
        print(
            f"  threshold {threshold:.2f}: answered right {a_right}/{n_ans}, "
            f"abstained right {u_right}/{n_un}, answered wrong {wrong}"
        )
        if total > best[0]:
            best = (total, float(threshold))
    backend = Settings().embedding.backend
    print(
        f"\n# paste into assistant/answer/selector.py, FITS ({backend!r}: the backend it ran under)"
    )
    print(f'    "{backend}": Fit(')
    print("        (" + ", ".join(f"{c:.3f}" for c in model.coef_[0]) + "),")
    print(f"        intercept={model.intercept_[0]:.3f}, threshold={best[1]:.2f},")
    print("    ),")
    for name, c in zip(selector.FEATURES, model.coef_[0], strict=True):
        print(f"#   {name:16} {c:+.3f}")


if __name__ == "__main__":
    main()
