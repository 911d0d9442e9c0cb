"""Questions about a document itself (who wrote it, when it was published or last updated)
are answered by its byline or date line, on documents of our own (tests/data/facts/);
a document the sources do not hold is not answered by another's byline."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answer.document_facts import fact_asked
from assistant.documents import Document, SourceMeta
from assistant.embeddings import Embedder
from assistant.text.fact_lines import find_fact
from tests.conftest import answered, indexed_copy

FACTS = Path(__file__).parent / "data" / "facts"


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Qui a écrit l'article sur le vélo-cargo ?", "author"),
        ("Who is the author of this page?", "author"),
        ("Quand la page a-t-elle été mise à jour pour la dernière fois ?", "updated"),
        ("When was the news item published?", "published"),
        ("Et il est sorti en quelle année, celui-là ?", "published"),
        # Events the texts report, not facts about a document.
        ("Quand le palmarès a-t-il été publié ?", None),
        ("Who wrote the law on the social economy?", None),
    ],
)
def test_the_fact_asked_about_a_document(question: str, fact: str | None) -> None:
    assert fact_asked(question) == fact


def test_fact_lines_are_found_by_their_form_and_long_sentences_are_not_one() -> None:
    text = (
        "Titre\n\nPar Frank Niedercorn\n\nPublié le 10 avril 2013 - mis à jour le 18 février"
        " 2019\n\nLe rapport, publié le 12 mai 2023 après deux ans d'enquête auprès de toutes"
        " les épiceries solidaires de la Vienne et de leurs bénévoles, dit que la fréquentation"
        " a doublé.\n"
    )
    doc = Document(SourceMeta(id="d", file="d.txt", title="Titre"), text, sha256="0")
    for fact, value in [
        ("author", "Frank Niedercorn"),
        ("published", "10 avril 2013"),
        ("updated", "18 février 2019"),
    ]:
        line = find_fact(doc, fact)  # type: ignore[arg-type]
        assert line is not None and text[line.value[0] : line.value[1]] == value
    only_prose = Document(
        SourceMeta(id="p", file="p.txt", title="P"), text.split("\n\n")[-1], sha256="0"
    )
    assert find_fact(only_prose, "published") is None


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return indexed_copy(FACTS, tmp_path_factory, embedder)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("Qui a écrit l'article sur le vélo-cargo à Buxerolles ?", "Camille Roussel"),
        ("Quand l'article sur les vélos-cargos a-t-il été publié ?", "3 février 2024"),
        ("Who wrote the article about repair cafés?", "Jane Whitfield"),
        ("When was the repair café article last updated?", "March 5, 2024"),
    ],
)
def test_a_byline_or_date_line_answers_with_the_value_as_its_span(
    assistant: Assistant, question: str, value: str
) -> None:
    answer = answered(assistant, question, value)
    citation = answer.citations[0]
    assert citation.answer_start is not None and citation.answer_end is not None
    text = assistant.snapshot().by_id[citation.source_id].text
    assert text[citation.answer_start : citation.answer_end] == value


@pytest.mark.slow
def test_a_follow_up_asks_about_the_document_of_the_previous_question(
    assistant: Assistant,
) -> None:
    history = [
        {"role": "user", "content": "Qui a écrit l'article sur le vélo-cargo ?"},
        {"role": "assistant", "content": "Rédigé par Camille Roussel [1]"},
    ]
    answered(assistant, "Et il a été publié quand, celui-là ?", "3 février 2024", history=history)


@pytest.mark.slow
def test_an_article_the_sources_do_not_hold_gets_no_other_byline(assistant: Assistant) -> None:
    answer = assistant.ask("Qui est l'auteur de l'article sur le tramway de Bordeaux ?")
    assert "Camille Roussel" not in answer.text and "Jane Whitfield" not in answer.text


@pytest.mark.slow
def test_a_date_inside_a_sentence_is_answered_as_any_fact(assistant: Assistant) -> None:
    answered(
        assistant,
        "Quand le rapport de l'Observatoire de l'alimentation solidaire a-t-il été publié ?",
        "12 mai 2023",
    )
