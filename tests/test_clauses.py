"""Facts inside long sentences and counts that lean on the sentence before, on documents of
our own (tests/data/clauses/): a long sentence is also read as runs of its clauses, a count
"Il y en a 150" counts what the sentence before names, a bound the question compares with
("plus de 100 personnes ?") need not be in the answer. Real index, real model."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answer.extractive import clause_cuts, clause_windows
from assistant.embeddings import Embedder
from tests.conftest import answered, indexed_copy

CLAUSES = Path(__file__).parent / "data" / "clauses"
LONG = (CLAUSES / "panorama-vienne.txt").read_text(encoding="utf-8").split("\n\n")[1]


def test_a_long_sentence_is_read_as_runs_of_its_clauses() -> None:
    windows = clause_windows(LONG, 0, len(LONG))
    assert len(windows) >= 4
    for a, b in windows:
        assert 8 <= len(LONG[a:b].split()) <= 40
        assert LONG[a:b].count("(") == LONG[a:b].count(")")  # never cut inside brackets
    assert any("La Mousse du Clain" in LONG[a:b] for a, b in windows)
    short = "La recyclerie de Loudun emploie onze salariés en insertion."
    assert clause_windows(short, 0, len(short)) == []


def test_clauses_are_cut_outside_brackets_and_quotes() -> None:
    sentence = "Les lieux (Les Usines, Cobalt) et « A, B » ont, eux aussi, des projets"
    cuts = clause_cuts(sentence)
    pieces = [sentence[a:b] for a, b in itertools.pairwise(cuts)]
    assert pieces == [
        "Les lieux (Les Usines, Cobalt) et « A, B » ont, ",
        "eux aussi, ",
        "des projets",
    ]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return indexed_copy(CLAUSES, tmp_path_factory, embedder)


@pytest.mark.slow
def test_a_fact_at_the_end_of_a_long_sentence_is_quoted_with_its_clauses(
    assistant: Assistant,
) -> None:
    answer = answered(assistant, "Quelle brasserie est devenue une SCIC ?", "La Mousse du Clain")
    assert "…" in answer.text
    assert len(answer.citations[0].quote.split()) < len(LONG.split()) / 2


@pytest.mark.slow
@pytest.mark.parametrize(
    "question", ["Combien de CAE y a-t-il en France ?", "How many CAEs are there in France?"]
)
def test_a_count_that_names_its_noun_in_the_sentence_before(
    assistant: Assistant, question: str
) -> None:
    answered(assistant, question, "150")


@pytest.mark.slow
def test_a_bound_in_a_yes_no_question_is_not_required_in_the_answer(
    assistant: Assistant,
) -> None:
    answered(assistant, "La Filature de Vouneuil emploie-t-elle plus de 100 personnes ?", "60")


@pytest.mark.slow
def test_a_date_clauses_away_from_what_is_asked_does_not_answer(assistant: Assistant) -> None:
    answer = assistant.ask("En quelle année la conserverie de Civray a-t-elle ouvert ?")
    assert "2014" not in answer.text or answer.abstained, answer.text
