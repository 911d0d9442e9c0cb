"""One regression test per kind of wrong answer users met, each on small documents of our own
(tests/data/kinds/): headings quoted back, wording, unsupported questions, lists, English
over French, table rows, follow-ups. Acronyms and number spellings have their
own files (test_acronyms.py, test_number_forms.py). Real index, real model."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.embeddings import Embedder
from tests.conftest import answered, indexed

pytestmark = pytest.mark.slow
KINDS = Path(__file__).parent / "data" / "kinds"


def _grants_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Fonds d'initiatives ESS 2024 : les subventions", 1)
    document.add_paragraph("Grand Poitiers a soutenu quatre projets en 2024.")
    rows = [
        ("Structure", "Commune", "Subvention", "Projet"),
        ("Vélo Partagé", "Poitiers", "11 000 €", "atelier mobile de réparation de vélos"),
        ("Répar'Tout", "Migné-Auxances", "7 500 €", "repair café itinérant"),
        ("La Clé des Champs", "Vouneuil", "13 000 €", "épicerie rurale"),
        ("Habitat Commun", "Buxerolles", "4 000 €", "habitat participatif"),
    ]
    table = document.add_table(rows=len(rows), cols=4)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    document.add_paragraph("Les versements ont lieu en deux fois.")
    document.save(str(path))


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    root = tmp_path_factory.mktemp("kinds")
    shutil.copytree(KINDS, root / "sources")
    _grants_docx(root / "sources" / "fonds-initiatives-2024.docx")
    return indexed(root / "sources", root, embedder)


# 1. The heading or the headline is not the answer under it.
def test_an_faq_heading_is_answered_by_its_paragraph_not_quoted_back(assistant: Assistant) -> None:
    question = "Quels sont les horaires de la médiathèque des Couronneries ?"
    answer = answered(assistant, question, "10 heures à 19 heures")
    assert "?" not in answer.text  # neither this heading nor the page's other question


def test_a_headline_is_not_the_answer_to_who_did_it(assistant: Assistant) -> None:
    answer = answered(assistant, "Qui a inauguré la recyclerie de Naintré ?", "Martine Caillaud")
    assert "ouvre à son tour" not in answer.text


# 2. Another wording than the text's.
@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Combien de personnes travaillent dans les structures d'insertion ?", "1 240"),
        ("Combien de lieux accueillent ces salariés en insertion ?", "18 tiers-lieux"),
        ("Qui a cofondé Vélocité ?", "Marie Dupuis"),
    ],
)
def test_other_words_than_the_text_still_find_the_answer(
    assistant: Assistant, question: str, fact: str
) -> None:
    answered(assistant, question, fact)


# 2b. A count answers with what is counted, not with another number of the same text.
@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Combien de bénévoles compte la ressourcerie de Chauvigny ?", "trentaine"),
        ("How many volunteers does the Chauvigny recycling centre have?", "trentaine"),
        ("Combien de salariés emploie la ressourcerie de Chauvigny ?", "neuf salariés"),
        ("How many tonnes did the Chauvigny recycling centre collect?", "140 tonnes"),
    ],
)
def test_a_count_gives_the_number_of_what_is_counted(
    assistant: Assistant, question: str, fact: str
) -> None:
    answered(assistant, question, fact)


# 3. What the sources do not say is declined, in the question's language, with leads.
@pytest.mark.parametrize(
    "question",
    [
        "Qui est l'adjoint chargé de l'économie sociale et solidaire à Niort ?",
        "Quel est le budget du plan local de l'ESS de Poitiers ?",
        "Who is the mayor of Bordeaux?",
        # Poitiers is named, but no text names a mayor or a prefect: nothing says who it is.
        "Who is the mayor of Poitiers?",
        "Qui est le préfet de la Vienne ?",
        # A library's opening hours in the same district are not a swimming pool's, nor
        # a tourist office's in a town the sources name: English questions over French
        # hours, where only the place matches.
        "When does the swimming pool of Les Couronneries open?",
        "What time does the tourist office in Naintré open?",
    ],
)
def test_questions_the_sources_do_not_answer_are_declined(
    assistant: Assistant, question: str
) -> None:
    answer = assistant.ask(question)
    assert answer.abstained, f"{question!r} got {answer.text!r}"
    assert answer.language == ("en" if question.startswith(("Who", "When", "What")) else "fr")


# A sentence about one place of an article is not about a place the article names only
# further on: "environ 35 personnes employées" is La Laiterie's count, not Le Grenier's.
def test_a_count_is_about_the_place_named_before_it(assistant: Assistant) -> None:
    answered(assistant, "Combien de personnes travaillent à La Laiterie ?", "35 personnes")
    for question in (
        "Combien de salariés travaillent au Grenier ?",
        "How many people work at Le Grenier?",
    ):
        answer = assistant.ask(question)
        assert answer.abstained, f"{question!r} got {answer.text!r}"


# "Qui est X ?" asks who X is: the sentence that says it (an apposition, a role), not one
# that only names X ("l'entretien complet avec Odile Bernard"); nothing says who Marc
# Lenoir is.
@pytest.mark.parametrize("question", ["Qui est Odile Bernard ?", "Who is Odile Bernard?"])
def test_who_is_someone_is_answered_by_what_they_are(assistant: Assistant, question: str) -> None:
    answer = answered(assistant, question, "cofondatrices")
    assert "entretien complet" not in answer.text


def test_who_is_someone_the_sources_only_name_is_declined(assistant: Assistant) -> None:
    answer = assistant.ask("Qui est Marc Lenoir ?")
    assert answer.abstained, answer.text


# A year written once above a list of winners scopes the sentences below it, up to the
# next year: "Qui a remporté … 2025 … « Mobilité » ?" is answered by the 2025 section's
# sentence, which does not repeat the year, and never by 2024's winner.
def test_a_year_above_a_list_scopes_the_sentences_below_it(assistant: Assistant) -> None:
    question = "Qui a remporté la catégorie « Mobilité » des Trophées de l'économie locale 2025 ?"
    answer = answered(assistant, question, "Roues Libres")
    assert "Clé de Douze" not in answer.text


def test_a_year_no_section_covers_is_declined(assistant: Assistant) -> None:
    question = "Qui a remporté la catégorie « Mobilité » des Trophées de l'économie locale 2023 ?"
    answer = assistant.ask(question)
    assert answer.abstained, answer.text


# 4. A list answer quotes every item, in order.
def test_a_markdown_list_is_quoted_whole(assistant: Assistant) -> None:
    names = [
        "La Bricole",
        "Pousses Urbaines",
        "Le Bus des Savoirs",
        "Coud'Pouce",
        "Terre d'Accueil",
    ]
    answer = answered(
        assistant, "Quels sont les lauréats du prix Initiatives solidaires 2024 ?", names[0]
    )
    positions = [answer.text.find(name) for name in names]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), answer.text


def test_a_plain_text_list_keeps_its_last_items(assistant: Assistant) -> None:
    answer = answered(
        assistant, "Quels sont les jardins partagés ouverts en 2024 ?", "Jardin des Trois-Cités"
    )
    assert "Jardin de Beaulieu" in answer.text and "Jardin de Saint-Éloi" in answer.text


# 7. An English question over French evidence.
def test_an_english_question_gets_the_french_sentence(assistant: Assistant) -> None:
    answered(assistant, "How many volunteers does the Bellejouanne repair café have?", "25")


# 8. Table rows: the row of the structure asked about. "Répar'Tout" is one name (not
# "répar", the stem of another row's "réparation", and the stop word "tout"), typed with
# either apostrophe, and only its own row names it.
@pytest.mark.parametrize(
    "question",
    [
        "Quelle subvention a reçu Répar'Tout ?",
        "Quelle subvention a reçu Répar’Tout ?",
        "How much did Répar'Tout receive?",
        "How much funding did Répar'Tout get?",
    ],
)
def test_a_table_question_quotes_its_own_row(assistant: Assistant, question: str) -> None:
    answer = answered(assistant, question, "7 500 €")
    assert "11 000 €" not in answer.text and "13 000 €" not in answer.text


# Every row answers for itself, and no other row is quoted beside it: the column
# "Subvention", capitalised as a header cell, is not a name the question asks about
# (field case 08: "Quelle subvention a reçu Coop'Habitat ?" quoted another row first).
_AMOUNTS = {
    "Vélo Partagé": "11 000 €",
    "La Clé des Champs": "13 000 €",
    "Habitat Commun": "4 000 €",
}


@pytest.mark.parametrize("structure", sorted(_AMOUNTS))
def test_each_row_answers_for_its_own_structure(assistant: Assistant, structure: str) -> None:
    answer = answered(assistant, f"Quelle subvention a reçu {structure} ?", _AMOUNTS[structure])
    others = [amount for name, amount in _AMOUNTS.items() if name != structure]
    assert not any(amount in answer.text for amount in [*others, "7 500 €"]), answer.text


# 10. A follow-up answers the new question, not the previous answer again.
def test_a_follow_up_does_not_repeat_the_previous_answer(assistant: Assistant) -> None:
    first = answered(assistant, "Qu'est-ce qu'une SCIC ?", "société coopérative")
    history = [
        {"role": "user", "content": "Qu'est-ce qu'une SCIC ?"},
        {"role": "assistant", "content": first.text},
    ]
    answer = answered(assistant, "Et combien y en a-t-il dans la Vienne ?", "14", history=history)
    assert "associe autour d'un même projet" not in answer.text


# 10b. "And the year before?" asks about another year: answered from that year's facts, or
# declined when the sources have none, never with the previous year's.
def test_a_follow_up_about_the_year_before_is_about_that_year(assistant: Assistant) -> None:
    first = "Quels sont les lauréats du prix Initiatives solidaires 2024 ?"
    history = [
        {"role": "user", "content": first},
        {"role": "assistant", "content": answered(assistant, first, "La Bricole").text},
    ]
    earlier = answered(assistant, "Et l'année précédente ?", "Vélocité", history=history)
    assert "La Bricole" not in earlier.text
    before_that = [
        {"role": "user", "content": "Qui a reçu le prix Initiatives solidaires en 2023 ?"},
        {"role": "assistant", "content": earlier.text},
    ]
    for question in ("Et l'année d'avant ?", "And the year before?"):
        answer = assistant.ask(question, history=before_that)
        assert answer.abstained, f"{question!r} (2022) answered: {answer.text}"


# 9. A buried fact: a one-number question over a 70-word sentence is answered with the
# clause that holds the number, marked "…", the number itself marked as the answer span.
def test_a_fact_buried_in_a_long_sentence_is_quoted_with_its_clause(
    assistant: Assistant,
) -> None:
    question = (
        "Combien de tonnes de déchets les ressourceries du Haut-Poitou ont-elles détournées ?"
    )
    answer = answered(assistant, question, "640 tonnes")
    assert "…" in answer.text and "bâtiments agricoles" not in answer.text
    citation = answer.citations[0]
    assert citation.answer_start is not None and citation.answer_end is not None
    document = assistant.snapshot().by_id[citation.source_id]
    assert document.text[citation.answer_start : citation.answer_end] == "640 tonnes"


# Speed: the selector's first candidates are read first, and a sure answer among them
# that passes the checks ends the reading; otherwise every candidate of the shortlist is.
def test_a_sure_first_reading_ends_the_reading(assistant: Assistant) -> None:
    from assistant.answer.extractive import ExtractiveAnswerer

    index = assistant.serving()
    query = assistant.query("Combien de personnes travaillent à La Laiterie ?", [], "fr", index)

    def score(sure: float) -> list[Any]:
        answerer = ExtractiveAnswerer(
            use_reader=True, reader=assistant.extractive.reader, read_first=2, sure=sure
        )
        return answerer.score(query)

    everything, early = score(1.0), score(0.0)
    assert sum(c.reading is not None for c in everything) == min(6, len(everything))
    assert sum(c.reading is not None for c in early) == 2
    assert "35 personnes" in everything[0].text and early[0].text == everything[0].text


# 3. A sentence on the topic that does not hold the asked fact is no answer.
def test_an_answer_to_when_says_when(assistant: Assistant) -> None:
    # The anniversary sentence names the visit too; only the other one says when it was.
    answer = answered(
        assistant, "Quand a eu lieu la visite de la ministre à Châtellerault ?", "14 octobre"
    )
    assert "40 ans" not in answer.text
