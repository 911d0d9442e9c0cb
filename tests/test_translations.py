"""A translated document answers about what its original names: a name the translation
writes otherwise ("La Laiterie", "The Dairy") is looked up in the original, at the same
point of the text, so a sentence is never about a place both texts name only further on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.embeddings import Embedder
from tests.conftest import answered, indexed_copy

TWINS = Path(__file__).parent / "data" / "twins"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return indexed_copy(TWINS, tmp_path_factory, embedder)


@pytest.mark.parametrize(
    "question",
    [
        "What is the turnover of La Laiterie?",
        "How many people work at La Laiterie?",
        "Quel est le chiffre d'affaires de La Laiterie ?",
    ],
)
def test_the_place_the_original_names_first_is_answered_in_both(
    assistant: Assistant, question: str
) -> None:
    answer = answered(assistant, question, "35")
    assert "Grenier" not in answer.text


@pytest.mark.parametrize(
    "question",
    ["How many people work at Le Grenier?", "Quel est le chiffre d'affaires du Grenier ?"],
)
def test_a_place_named_only_further_on_gets_no_other_places_figures(
    assistant: Assistant, question: str
) -> None:
    answer = assistant.ask(question)
    assert answer.abstained, answer.text
