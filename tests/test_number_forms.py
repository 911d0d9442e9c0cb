"""Numbers as people type them: "12000", "12.000", "12 000" (with any space French typography
uses), "2.5" / "2,5" are one number for keyword search, the question's concepts and the
grounding check (field case 18)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.index.keyword import TermCounts, counts_analysis
from assistant.retrieve.concepts import concept_weights, coverage, question_concepts
from assistant.settings import Settings
from assistant.text.analysis import ANALYSIS_VERSION, normalise_numbers, terms
from assistant.text.numbers import numbers, stated_numbers
from tests.conftest import answered, indexed

DATA = Path(__file__).parent / "data" / "number-forms"
NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("12000", "12000"),
        ("12 000", "12000"),
        (f"12{NBSP}000", "12000"),
        (f"12{NNBSP}000", "12000"),
        (f"12{THIN}000", "12000"),
        ("12.000", "12000"),  # French thousands dot
        ("12,000", "12000"),  # English thousands comma
        ("1 350", "1350"),
        ("1.350.000", "1350000"),
        ("1,350,000", "1350000"),
        ("2,5", "2.5"),
        ("2.5", "2.5"),
        ("2,50", "2.5"),
        ("3,0", "3"),
        ("1 350,5", "1350.5"),
        ("1.350,5", "1350.5"),
        ("1,350.5", "1350.5"),
        ("0,125", "0.125"),  # a thousands group never follows a lone 0
        ("35,2 M€", "35.2"),
        ("86 000 Poitiers", "86000"),
    ],
)
def test_every_spelling_of_a_number_reads_the_same(written: str, canonical: str) -> None:
    assert numbers(written) == {canonical}
    assert canonical in normalise_numbers(written)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le bâtiment B323", set()),  # an id
        ("la 2e édition, le 1er prix", set()),  # ordinals
        ("ouvert de 9h30 à 18h", set()),
        ("bilan du 31/12/2023", {"2023"}),  # a date gives its year, not its day
        ("bilan du 31.12.2023", {"2023"}),
        ("en 2023 150 personnes", {"2023", "150"}),  # a year is not a thousands head
        ("Tél. 05 49 52 35 35", {"05", "49", "52", "35"}),  # pairs are not thousands groups
        ("versions 1,2,3", set()),
    ],
)
def test_ids_dates_and_lists_are_not_misread(text: str, expected: set[str]) -> None:
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("question", "stated"),
    [
        ("Les Usines emploient-elles plus de 100 personnes ?", set()),
        ("Do more than 50 people work there?", set()),
        ("Is the budget over 12 000 euros?", set()),
        ("Au moins 20 salariés en 2022 ?", {"2022"}),
        ("Combien de lieux en 2023 ?", {"2023"}),
        ("Qui a reçu 12 000 € ?", {"12000"}),
    ],
)
def test_a_bound_the_question_compares_with_is_not_a_stated_number(
    question: str, stated: set[str]
) -> None:
    assert stated_numbers(question) == stated


def test_the_grounding_check_and_the_guard_read_numbers_alike() -> None:
    import assistant.answer.extractive
    import assistant.answer.guard

    assert assistant.answer.extractive.numbers is numbers
    assert assistant.answer.guard.numbers is numbers


@pytest.mark.parametrize("language", ["fr", "en"])
def test_keyword_terms_agree_on_every_spelling(language: str) -> None:
    spellings = ["12000", "12 000", f"12{NBSP}000", f"12{NNBSP}000", "12.000", "12,000"]
    forms = {tuple(terms(f"une subvention de {s} euros", language)) for s in spellings}
    assert len(forms) == 1
    assert "12000" in next(iter(forms))
    assert terms("2,5 millions", language)[0] == terms("2.5 millions", language)[0] == "2.5"


def test_concepts_see_the_same_number_as_the_text() -> None:
    text = f"L'association a reçu une subvention de 12{NNBSP}000 euros de la Région."
    found = set(terms(text, "fr"))
    for question in ["Qui a reçu 12000 euros ?", "Qui a reçu 12.000 euros ?"]:
        concepts = question_concepts(question, "fr")
        number = [c for c in concepts if c.surface == "12000"]
        assert number and number[0].found_in(found), concepts
        weights = concept_weights(concepts, {})
        assert coverage(concepts, weights, found) > 0.5


def test_term_counts_record_their_analysis(tmp_path: Path) -> None:
    """Counts analysed otherwise (numbers read "200,000" -> "200.000" before) are not reused."""
    counts = TermCounts.count([["subvent", "12000"]])
    assert counts.analysis == ANALYSIS_VERSION
    counts.save(tmp_path)
    assert counts_analysis(tmp_path) == ANALYSIS_VERSION
    assert TermCounts.load(tmp_path).analysis == ANALYSIS_VERSION
    # a file saved before versions were recorded
    matrix = sparse.csr_matrix(np.ones((1, 1), dtype=np.float32))
    old = tmp_path / "old"
    old.mkdir()
    np.savez(
        old / "keyword-counts.npz",
        data=matrix.data,
        indices=matrix.indices,
        indptr=matrix.indptr,
        shape=np.asarray(matrix.shape),
        vocabulary=np.frombuffer(b'{"x": 0}', dtype=np.uint8),
    )
    assert counts_analysis(old) == 1 != ANALYSIS_VERSION
    assert counts_analysis(tmp_path / "none") == 0


@pytest.mark.slow
def test_a_build_reanalyses_term_counts_of_an_older_analysis(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Terms analysed before numbers had one spelling are analysed again, even when no
    document changed; the vectors are kept."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "grant.txt").write_text(
        "Une subvention\n\nThe association received a grant of 12,000 euros.\n", encoding="utf-8"
    )
    built = Assistant(
        Settings(sources_dir=sources, index_dir=tmp_path / "index"), embedder=embedder
    )
    built.build_index(progress=False)
    generation = built.serving().directory
    old = TermCounts.load(generation)
    # What the previous analysis (version 1) made of "12,000": the decimal 12.000.
    vocabulary = {("12.000" if t == "12000" else t): c for t, c in old.vocabulary.items()}
    TermCounts(old.matrix, vocabulary, analysis=1).save(generation)
    report = built.build_index(progress=False)
    assert report.changed and report.chunks_embedded == 0
    current = built.serving()
    assert current.directory != generation
    assert counts_analysis(current.directory) == ANALYSIS_VERSION
    assert "12000" in current.keyword.vocabulary and "12.000" not in current.keyword.vocabulary


# -- end to end: a real index over tests/data/number-forms ----------------------------------


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return indexed(DATA, tmp_path_factory.mktemp("number-forms"), embedder)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "fact"),
    [
        # field case 18
        ("Quelle association a reçu une subvention de 12 000 euros ?", "Entraide Mobilité"),
        ("Quelle association a reçu une subvention de 12000 euros ?", "Entraide Mobilité"),
        ("Quelle association a reçu une subvention de 12.000 euros ?", "Entraide Mobilité"),
        (
            "Quelle Scop réalise un chiffre d'affaires de 2,5 millions d'euros ?",
            "Bâtisseurs du Clain",
        ),
        (
            "Quelle Scop réalise un chiffre d'affaires de 2.5 millions d'euros ?",
            "Bâtisseurs du Clain",
        ),
        ("Which cooperative has a turnover of 2.5 million euros?", "Bâtisseurs du Clain"),
        ("En quelle année les structures d'insertion ont-elles accueilli 1350 personnes ?", "2023"),
        # ours: English thousands comma, no-break and narrow no-break spaces, a trailing zero
        ("Quelle association a reçu une subvention de 12,000 euros ?", "Entraide Mobilité"),
        ("Quelle ressourcerie a collecté 86400 kilos d'objets ?", "Le Grenier du Clain"),
        ("Quel festival a attiré 1250 visiteurs ?", "Les Voix du Partage"),
        ("Où le repas complet coûte-t-il 3.5 euros ?", "La Cantine du Faubourg"),
    ],
)
def test_asked_in_another_spelling(assistant: Assistant, question: str, fact: str) -> None:
    answered(assistant, question, fact)


@pytest.mark.slow
def test_a_number_the_sources_do_not_hold_is_still_declined(assistant: Assistant) -> None:
    answer = assistant.ask("Quelle association a reçu une subvention de 13 000 euros ?")
    assert answer.abstained, answer.text
