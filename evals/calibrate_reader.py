"""Calibrate the reader's score and the abstention threshold (assistant/answer/calibration.py).

    .venv/bin/python evals/calibrate_reader.py        # or: make train-reader (after training)

The calibrated score is a logistic model over the reader's logit and the selector's
explicit signals (assistant/answer/calibration.py), fitted the way evals/train_selector.py fits
the selector, so that the two can be compared on the same candidates:

- data: questions of the PIAF *development* articles (evals/train_reader.py's split:
  neither trained on nor in evals/piaf.jsonl), and the development set evals/dev.jsonl
  weighted up (24 documents of its own in evals/dev/, in this corpus's genres: PIAF's
  Wikipedia paragraphs are not); candidates are the ones the reader reads in the live
  pipeline (train_selector.collect), labelled by whether they quote an expected answer.
  No question of a reported set (evals/poitiers.jsonl, faq.jsonl, piaf.jsonl) is
  fitted on, so their evaluation measures a calibration that never saw them;
- held out: top-1 selection on the PIAF sample and on the Poitiers set, and on the
  development set by two-fold cross-fitting (each half scored by a model fitted without
  it), with the reader's logit and without it (the selector's signals alone): whether
  the reader adds anything;
- threshold: on the cross-fitted development scores, the value that makes the most
  right decisions, less one for each wrong answer, averaged with its neighbours (a
  plateau, not a one-question peak); the highest of equally good values.

Writes assistant/data/reader/calibration.json (the record holds the measurements above).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "evals"))

from train_reader import development_ids, load  # noqa: E402
from train_selector import (  # noqa: E402
    PIAF,
    Question,
    assistant_for,
    collect,
    decisions,
    fit,
    top1,
)

from assistant.answer.calibration import CALIBRATION_FILE, FEATURES, Calibration  # noqa: E402
from assistant.answer.extractive import ExtractiveAnswerer  # noqa: E402
from assistant.answer.reader import READER_DIR, Reader  # noqa: E402
from assistant.evaluate.piaf import sample_questions  # noqa: E402
from assistant.evaluate.question_sets import EvalItem, load_question_set  # noqa: E402

SMOOTHING = 2  # threshold steps of 0.02 on each side
# In right decisions: a wrong answer undoes a right one. The selector's rule (half a right
# answer, evals/train_selector.py) let the retrained reader's threshold fall to 0.12, where
# "Quel temps fera-t-il demain à Poitiers ?" got "…sera un temps fort…" (tests/test_ask.py);
# a wrong answer misleads where a declined one offers leads.
WRONG_ANSWER_COST = 1.0


def without_logit(questions: list[Question]) -> list[Question]:
    """The same candidates with the selector's signals only (the logit column dropped)."""
    return [([f[1:] for f in feats], labels, a, g) for feats, labels, a, g in questions]


def measure(  # type: ignore[no-untyped-def]
    train: list[Question],
    development: list[Question],
    piaf_eval: list[Question],
    poitiers: list[Question],
):
    """(model fitted on all, cross-fitted top-1 on the development set, top-1 on the PIAF
    sample, top-1 on the Poitiers set, the two fold models with their folds)."""
    folds = [development[0::2], development[1::2]]
    fold_models = [fit(train, folds[1]), fit(train, folds[0])]
    model = fit(train, development)
    crossed = (top1(fold_models[0], folds[0]) + top1(fold_models[1], folds[1])) / 2
    return (
        model,
        crossed,
        top1(model, piaf_eval),
        top1(model, poitiers),
        list(zip(fold_models, folds, strict=True)),
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reader", type=Path, default=READER_DIR)
    parser.add_argument("--questions", type=int, default=600, help="PIAF development questions")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    paragraphs, _ = load(PIAF)
    dev_ids = development_ids(paragraphs, args.seed)
    pool = [q for q in sample_questions(PIAF, 10_000, seed=1) if q.paragraph_id in dev_ids]
    random.Random(args.seed).shuffle(pool)
    train_items = [
        EvalItem(id=q.id, question=q.question, answers=q.answers, sources=(q.paragraph_id,))
        for q in pool[: args.questions]
    ]
    # Every candidate of the shortlist read, scored by the bare logit: the features, not
    # the ranking, are what is fitted.
    answerer = ExtractiveAnswerer(
        reader=Reader(args.reader), calibration=Calibration(), use_reader=True
    )
    piaf_set = load_question_set(REPO / "evals" / "piaf.jsonl")
    piaf = assistant_for(piaf_set)
    train = collect(piaf, train_items, answerer)
    piaf_eval = collect(piaf, piaf_set.items, answerer)
    dev_set = load_question_set(REPO / "evals" / "dev.jsonl")
    development = collect(assistant_for(dev_set), dev_set.items, answerer)
    poitiers_set = load_question_set(REPO / "evals" / "poitiers.jsonl")
    poitiers = collect(assistant_for(poitiers_set), poitiers_set.items, answerer)

    model, crossed, piaf_top1, poitiers_top1, fold_pairs = measure(
        train, development, piaf_eval, poitiers
    )
    _, crossed_alone, piaf_alone, poitiers_alone, _ = measure(
        *(without_logit(q) for q in (train, development, piaf_eval, poitiers))
    )
    print(
        f"top-1 held out, with the reader / the selector's signals alone: PIAF sample "
        f"{piaf_top1:.3f} / {piaf_alone:.3f}; Poitiers {poitiers_top1:.3f} / "
        f"{poitiers_alone:.3f}; development (cross-fitted) {crossed:.3f} / {crossed_alone:.3f}"
    )
    thresholds = [round(float(t), 2) for t in np.arange(0.02, 0.9, 0.02)]
    counts: list[tuple[int, ...]] = []
    for threshold in thresholds:
        counts.append(
            tuple(
                sum(values)
                for values in zip(
                    *(decisions(m, fold, threshold) for m, fold in fold_pairs), strict=True
                )
            )
        )
        right, n_ans, abstained, n_un, wrong = counts[-1]
        print(
            f"  threshold {threshold:.2f}: answered right {right}/{n_ans}, "
            f"abstained right {abstained}/{n_un}, answered wrong {wrong}"
        )
    totals = [c[0] + c[2] - WRONG_ANSWER_COST * c[4] for c in counts]
    # The best mean over each threshold and its neighbours (+-SMOOTHING steps): on a
    # development set of a few hundred questions the best single value jumps with one
    # question; a plateau does not.
    smoothed = [
        float(np.mean(totals[max(0, i - SMOOTHING) : i + SMOOTHING + 1]))
        for i in range(len(totals))
    ]
    # Of equally good thresholds, the highest: when declining costs no more, decline.
    top = max(smoothed)
    at = max(i for i, value in enumerate(smoothed) if value == top)
    best = (smoothed[at], thresholds[at], counts[at])
    right, n_ans, abstained, n_un, wrong = best[2]
    record = {
        "features": list(FEATURES),
        "coefficients": [round(float(c), 4) for c in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 4),
        "threshold": round(best[1], 3),
        "data": (
            f"{len(train)} PIAF development questions and the {len(development)} scored "
            "questions of evals/dev.jsonl (weighted up; threshold on cross-fitted scores)"
        ),
        "top1_held_out": {
            "piaf_sample": round(piaf_top1, 3),
            "piaf_sample_without_reader": round(piaf_alone, 3),
            "poitiers": round(poitiers_top1, 3),
            "poitiers_without_reader": round(poitiers_alone, 3),
            "development_cross_fitted": round(crossed, 3),
            "development_cross_fitted_without_reader": round(crossed_alone, 3),
        },
        "at_threshold_cross_fitted": {
            "answered_right": right, "answerable": n_ans, "abstained_right": abstained,
            "unanswerable": n_un, "answered_wrong": wrong,
        },
        "command": "python evals/calibrate_reader.py " + " ".join(sys.argv[1:]),
    }  # fmt: skip
    path = args.reader / CALIBRATION_FILE
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
