"""The reader's logit made a probability, with the explicit signals a model cannot see.

A logistic model over the reader's relevance logit and the selector's explicit signals
(:data:`assistant.answer.selector.FEATURES`: names and numbers present, the kind of information
asked, passage rank...) gives the probability that a candidate answers; the abstention
threshold applies to it. Both come from ``evals/calibrate_reader.py``, fitted as the
selector is (PIAF development articles and the development set evals/dev.jsonl; the
threshold on cross-fitted scores), and live in ``assistant/data/reader/calibration.json``
beside the reader's weights.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answer import selector

if TYPE_CHECKING:
    from assistant.answer.reader import Reader

CALIBRATION_FILE = "calibration.json"
# The reader's relevance logit, the selector's signals in their order, and whether the
# candidate passes the explicit checks (ExtractiveAnswerer.grounded: the names, numbers,
# counted noun and office the question asks about): +1 it does, -1 it does not, 0 the
# question asks for none of them. Passing them all is evidence the logit does not see.
FEATURES = ("logit", *selector.FEATURES, "grounded")


@dataclass(frozen=True)
class Calibration(selector.Fit):
    """A :class:`~assistant.answer.selector.Fit` over :data:`FEATURES`: ``probability =
    sigmoid(intercept + coefficients · features)``; answer when at or above ``threshold``.
    The default (no file) is the bare reader: sigmoid of its logit."""

    coefficients: tuple[float, ...] = (1.0,) + (0.0,) * (len(FEATURES) - 1)
    intercept: float = 0.0
    threshold: float = 0.5

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """Read ``path``; ValueError naming the file when it does not fit :data:`FEATURES`."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError(
                f"{path}: calibrated for features {data.get('features')}, expected "
                f"{list(FEATURES)}; rerun evals/calibrate_reader.py"
            )
        return cls(
            tuple(float(c) for c in data["coefficients"]),
            float(data["intercept"]),
            float(data["threshold"]),
        )

    @classmethod
    def from_reader(cls, reader: Reader) -> Calibration:
        """The calibration stored beside ``reader``'s weights, or the default."""
        path = reader.directory / CALIBRATION_FILE
        return cls.load(path) if path.is_file() else cls()

    @staticmethod
    def features(*, logit: float, signals: Sequence[float], grounded: float = 0.0) -> list[float]:
        """The feature vector, in :data:`FEATURES` order: the logit, ``signals``
        (:func:`assistant.answer.selector.feature_vector`'s output), then ``grounded``."""
        return [logit, *signals, grounded]
