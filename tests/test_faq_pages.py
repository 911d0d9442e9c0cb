"""FAQ pages (one question heading, its answer below): a question that asks what a heading
asks is answered by the paragraph or list under it, whole and in order, on pages of our own
(tests/data/faq-pages/). Real index, real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.embeddings import Embedder
from tests.conftest import answered, indexed_copy

pytestmark = pytest.mark.slow
PAGES = Path(__file__).parent / "data" / "faq-pages"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return indexed_copy(PAGES, tmp_path_factory, embedder)


def test_the_paragraph_under_the_heading_is_the_answer_whole(assistant: Assistant) -> None:
    answer = answered(
        assistant, "Quand la Maison des associations est-elle ouverte ?", "9 h à 17 h 30"
    )
    # The sentence that answers comes with the rest of its paragraph, in order (the page
    # opens with the days it is closed), and the next paragraph is another matter.
    assert answer.text.index("fermée") < answer.text.index("9 h à 17 h 30")
    assert "jusqu'à 20 h" in answer.text
    assert "permanences" not in answer.text
    assert "?" not in answer.text


def test_the_list_under_the_heading_is_quoted_whole(assistant: Assistant) -> None:
    answer = answered(assistant, "Où ont lieu les ateliers de réparation ?", "Bel-Air")
    places = ["Bel-Air", "Jaunay-Marigny", "Dissay"]
    positions = [answer.text.find(place) for place in places]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), answer.text


def test_a_heading_about_another_place_does_not_answer(assistant: Assistant) -> None:
    answer = assistant.ask("Quand la Maison des associations de Niort est-elle ouverte ?")
    assert answer.abstained, answer.text
