"""The reader's logit made a probability, with the explicit signals a model cannot see.

A logistic model over a few features (the reader's relevance logit first) gives the
probability that a candidate answers; the abstention threshold applies to it. Both come
from ``evals/calibrate_reader.py``, fitted on data held apart from what is reported
(PIAF development articles, and the Poitiers set by cross-fitting), and live in
``assistant/data/reader/calibration.json`` beside the reader's weights.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.reader import Reader

CALIBRATION_FILE = "calibration.json"
FEATURES = (
    "logit",  # the reader's relevance logit
    "lexical",  # weighted share of the question's concepts in the candidate and its heading
    "type_missing",  # a number/date/name question, and the candidate holds none
    "rank",  # 1 / (1 + rank of the candidate's passage)
)


@dataclass(frozen=True)
class Calibration:
    """``probability = sigmoid(intercept + coefficients · features)``; answer when at or
    above ``threshold``. The default (no file) is the bare reader: sigmoid of its logit."""

    coefficients: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0)
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
    def features(*, logit: float, lexical: float, type_missing: bool, rank: int) -> list[float]:
        """The feature vector, in :data:`FEATURES` order."""
        return [logit, lexical, float(type_missing), 1.0 / (1 + rank)]

    def probability(self, features: Sequence[float]) -> float:
        z = self.intercept + sum(c * f for c, f in zip(self.coefficients, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
