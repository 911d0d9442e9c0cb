"""The selector keeps one fit per embedding backend: the ``dense`` signal is that model's
cosine, and each model spreads its cosines differently."""

from __future__ import annotations

from typing import get_args

from assistant.answer import selector
from assistant.settings import EmbeddingSettings


def test_every_fit_names_a_backend_and_fits_the_features() -> None:
    backends = set(get_args(EmbeddingSettings.model_fields["backend"].annotation))
    assert set(selector.FITS) <= backends
    for fit in selector.FITS.values():
        assert len(fit.coefficients) == len(selector.FEATURES)
        assert 0.0 < fit.threshold < 1.0


def test_a_backend_without_its_own_fit_gets_the_default() -> None:
    assert selector.fit_for("no-such-backend") is selector.DEFAULT_FIT
    assert selector.fit_for("sentence-transformers") is selector.FITS["sentence-transformers"]


def test_the_probability_rises_with_the_evidence_of_an_answer() -> None:
    fit = selector.DEFAULT_FIT
    # ... position, named, counted
    weak = [0.2, 0.0, 0.0, 0.0, 1.0, 0.2, 0.0, 1.0, 0.0, 1.0, 1.0, 0.2, 0.0, -1.0]
    strong = [0.7, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 2.5, 1.0, 1.0, 1.0]
    assert fit.probability(weak) < fit.threshold <= fit.probability(strong)
