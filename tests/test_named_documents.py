"""How what a question names is read: a month in an English question is a date, not a name
French evidence must spell; a sentence that ends on a unit ("18 h.") does not swallow the
answer after it. Real index, real model."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.embeddings import Embedder
from tests.conftest import answered, indexed

DOCUMENTS = {
    "boutique-solidaire-vivonne.md": (
        "# La Boutique du Clain\n\n"
        "La Boutique du Clain est une association créée en 2014 à Vivonne. La boutique est "
        "ouverte du mardi au samedi de 9 h 30 à 12 h 30 et de 14 h à 18 h. L'association est "
        "présidée par Françoise Mazeau.\n"
    ),
    "forum-bilbao.txt": (
        "Les acteurs de l'ESS de Poitiers ont participé au Forum international de l'ESS à "
        "Bilbao (octobre 2018), avec une délégation de douze personnes.\n"
    ),
}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    root = tmp_path_factory.mktemp("named")
    sources = root / "sources"
    sources.mkdir()
    for name, text in DOCUMENTS.items():
        (sources / name).write_text(text, encoding="utf-8")
    return indexed(sources, root, embedder)


@pytest.mark.slow
def test_the_answer_after_opening_hours_is_its_own_sentence(assistant: Assistant) -> None:
    answer = answered(assistant, "Qui préside la Boutique du Clain ?", "Françoise Mazeau")
    assert "18 h" not in answer.text  # the hours are another sentence


@pytest.mark.slow
def test_a_month_in_an_english_question_is_a_date_not_a_name(assistant: Assistant) -> None:
    answered(assistant, "Where was the international SSE forum held in October 2018?", "Bilbao")
