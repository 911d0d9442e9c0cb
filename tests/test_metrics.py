"""Each metric on small hand-made cases, and question-set validation that names the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import QuestionSetError
from assistant.evaluate.metrics import (
    contains_any,
    hit_at_k,
    normalise,
    percentile,
    precision_recall,
    reciprocal_rank,
    token_f1,
)
from assistant.evaluate.question_sets import load_question_set
from assistant.evaluate.runner import Record, SystemResult


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("L'ESS pèse 11 % des emplois.", "11%"),
        ("un millier d'établissements (1 000)", "1000"),
        ("une agglomération de 200.000 habitants", "200 000"),
        ("2,5 millions d'euros", "2.5 millions"),
        ("ÉCONOMIE   SOCIALE", "economie sociale"),
        ("l’Élan coopératif", "l'elan cooperatif"),
    ],
)
def test_contains_any_ignores_case_accents_spacing_and_number_formats(
    answer: str, expected: str
) -> None:
    assert contains_any(answer, [expected])


def test_contains_any_is_not_fooled() -> None:
    assert not contains_any("11 % des emplois", ["12%"])
    assert not contains_any("", ["Niort"])
    assert not contains_any("Niort", [""])
    assert normalise("  A\u00a0 b  ") == "a b"


def test_token_f1() -> None:
    assert token_f1("Benoît Hamon", ["Benoit Hamon"]) == 1.0
    # 2 common tokens of 5 given and 2 expected: P = 0.4, R = 1, F1 = 4/7
    assert token_f1("Benoît Hamon était à Niort", ["Benoît Hamon"]) == pytest.approx(4 / 7)
    assert token_f1("rien", ["Benoît Hamon"]) == 0.0
    assert token_f1("Hamon", ["Benoît Hamon", "Hamon"]) == 1.0  # best of the expected


def test_hit_at_k_and_reciprocal_rank() -> None:
    ranked = ["a", "b", "c"]
    assert hit_at_k(ranked, ["b"], 1) == 0.0 and hit_at_k(ranked, ["b"], 2) == 1.0
    assert reciprocal_rank(ranked, ["c", "z"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(ranked, ["z"]) == 0.0


def test_precision_recall_of_abstentions() -> None:
    # abstained on questions 0, 1; questions 1, 2 were unanswerable
    precision, recall = precision_recall([True, True, False], [False, True, True])
    assert (precision, recall) == (0.5, 0.5)
    assert precision_recall([False, False], [True, False]) == (0.0, 0.0)  # never abstains
    assert precision_recall([False], [False]) == (0.0, 1.0)


def test_percentile() -> None:
    assert percentile([], 95) == 0.0
    assert percentile([10.0], 95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile(list(map(float, range(101))), 95) == pytest.approx(95.0)


def _write(path: Path, *rows: object) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows), "utf-8")
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", r"set.jsonl:2: not valid JSON"),
        ({"id": "b", "question": ""}, r":2: 'question' is required"),
        ({"id": "b", "question": "q", "answers": "x"}, r":2: 'answers' must be a list"),
        ({"id": "b", "question": "q", "answerable": "yes"}, r":2: 'answerable' must be true"),
        ({"id": "b", "question": "q", "answerable": False, "answers": ["x"]}, ":2: an unanswer"),
        ({"id": "b", "question": "q", "answers": ["x"], "history": [{"role": "bot"}]}, "history"),
        ({"id": "b", "question": "q", "answers": ["x"], "colour": 1}, r":2: unknown field"),
        ({"id": "a", "question": "q", "answers": ["x"]}, r":2: id 'a' is used twice"),
    ],
)
def test_question_set_errors_name_the_line(tmp_path: Path, row: object, message: str) -> None:
    good = {"id": "a", "question": "Où ?", "answers": ["Niort"], "sources": ["x"]}
    path = _write(tmp_path / "set.jsonl", good, row)
    with pytest.raises(QuestionSetError, match=message):
        load_question_set(path)


def test_question_set_header_points_at_its_sources(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    path = _write(
        tmp_path / "mine.jsonl",
        {"_set": {"name": "mine", "sources": "docs"}},
        {"id": "a", "question": "Où ?", "answers": ["Niort"], "tags": {"language": "fr"}},
        {"id": "b", "question": "Quand ?", "answerable": False},
    )
    qset = load_question_set(path)
    assert qset.name == "mine" and qset.sources == (tmp_path / "docs").resolve()
    assert [i.id for i in qset.items] == ["a", "b"] and not qset.items[1].answerable
    assert qset.items[0].tag("language") == "fr"


def test_repository_question_sets_are_valid() -> None:
    evals = Path(__file__).resolve().parents[1] / "evals"
    corpus = load_question_set(evals / "poitiers.jsonl")
    assert len(corpus.items) >= 100
    english = [i for i in corpus.items if i.tag("language") == "en"]
    assert len(english) * 3 >= len(corpus.items)
    assert sum(not i.answerable for i in corpus.items) >= 15
    piaf = load_question_set(evals / "piaf.jsonl")
    assert piaf.is_piaf and len(piaf.items) == 300


def test_claims_and_citation_scores() -> None:
    from assistant.evaluate.metrics import answer_words, citation_scores, claims

    assert claims("A est vrai. [1] B aussi. [2][3]") == [("A est vrai.", [1]), ("B aussi.", [2, 3])]
    quotes = {1: "Benoît Hamon était à Niort le 28 mars dernier.", 2: "Autre chose."}
    # a verbatim quote supports its sentence; an unrelated one does not
    assert citation_scores("Benoît Hamon était à Niort le 28 mars dernier. [1]", quotes) == (
        1.0,
        1.0,
    )
    assert citation_scores("Il pleuvait beaucoup ce jour-là. [2]", quotes) == (0.0, 0.0)
    # function words do not decide support; content words and numbers do
    assert citation_scores("Benoît Hamon a quitté Niort fâché le 28 mars. [1]", quotes) == (
        0.0,
        0.0,
    )
    assert citation_scores("Hamon était donc bien à Niort le 28 mars. [1]", quotes) == (1.0, 1.0)
    # a wrong number is not supported, whatever the other words
    assert citation_scores("Benoît Hamon était à Niort le 29 mars dernier. [1]", quotes) == (
        0.0,
        0.0,
    )
    # half the sentences supported; an invented marker counts against precision
    precision, recall = citation_scores(
        "Benoît Hamon était à Niort le 28 mars dernier. [1] Il pleuvait. [7]", quotes
    )
    assert (precision, recall) == (0.5, 0.5)
    assert answer_words("Un deux trois. [1] Quatre. [2]") == 4


def _record(answer: str, passage: str, abstained: bool = False) -> Record:
    record = Record(
        id="q", question="Qui a posé la première pierre ?", answerable=True,
        expected=["Benoît Hamon"], expected_sources=["niort"], tags={}, answer=answer,
        abstained=abstained, cited_sources=["niort"], ranked_sources=["niort"],
        quotes_verbatim=1, quotes_total=1, seconds=0.1, passage=passage,
    )  # fmt: skip
    record.score()
    return record


def test_passage_accuracy_counts_the_chosen_passage_not_the_quote() -> None:
    """Issue 14's PIAF measure: the passage the answer was read from holds the gold answer,
    even when the quoted sentence is the wrong one of it; an abstention never counts."""
    passage = "Benoît Hamon était à Niort le 28 mars. Il a posé la première pierre."
    wrong_sentence = _record("Il a posé la première pierre. [1]", passage)
    right = _record("Benoît Hamon était à Niort le 28 mars. [1]", passage)
    declined = _record("Je n'ai pas trouvé la réponse.", passage, abstained=True)
    other = _record("La Maison ouvrira en 2014. [1]", "La Maison ouvrira en 2014.")
    assert (wrong_sentence.correct, wrong_sentence.passage_hit) == (False, True)
    assert (right.correct, right.passage_hit) == (True, True)
    assert not declined.passage_hit and not other.passage_hit
    metrics = SystemResult("assistant", [wrong_sentence, right, declined, other]).metrics()
    assert metrics["passage_accuracy"] == 0.5
    assert metrics["answer_accuracy"] == 0.25
