"""Answer spans read off the kind of question (assistant/answer/spans.py)."""

from __future__ import annotations

import pytest

from assistant.answer.spans import typed_span

DELIVERIES = "En 2023, ses coursiers ont effectué 18 500 livraisons et parcouru 41 000 km."
TRADITION = (
    "Une tradition associative depuis plus de trente ans et l'implication de seize Structures "
    "d'Insertion sont à l'origine de cette économie."
)
STAFF = "L'association emploie onze salariés. Elle compte aussi une quarantaine de bénévoles."


@pytest.mark.parametrize(
    ("kind", "question", "sentence", "span"),
    [
        ("how_many", "How many deliveries in 2023?", DELIVERIES, "18 500 livraisons"),
        ("how_many", "Combien de bénévoles ?", STAFF, "une quarantaine de bénévoles"),
        ("how_many", "Combien de salariés ?", STAFF, "onze salariés"),
        (
            "how_many",
            "Combien de tiers-lieux ?",
            "Poitiers compte 18 tiers-lieux.",
            "18 tiers-lieux",
        ),
        (
            "amount",
            "Quelle subvention a reçu Répar'Tout ?",
            "Répar'Tout | 9 500 € | café",
            "9 500 €",
        ),
        ("amount", "Quel budget ?", "Le budget atteint 35,2 M€ en 2016.", "35,2 M€"),
        ("when", "Quand a-t-elle été créée ?", "Créée en mai 2020, elle livre à vélo.", "mai 2020"),
        ("when", "Quand ?", "Inaugurée le 12 avril 2024 par la présidente.", "12 avril 2024"),
        ("when", "Quand l'article a-t-il paru ?", "Publié le 31/03/2022 à 07:00", "31/03/2022"),
        # A duration is not a count, unless a duration is what is asked.
        ("how_many", "How many integration structures?", TRADITION, "seize Structures"),
        ("how_many", "Depuis combien de temps dure cette tradition ?", TRADITION, "trente ans"),
    ],
)
def test_the_span_is_the_part_of_the_kind_asked(
    kind: str, question: str, sentence: str, span: str
) -> None:
    found = typed_span(kind, question, sentence)
    assert found is not None and sentence[found[0] : found[1]] == span


def test_what_the_question_names_is_not_its_answer() -> None:
    # 2023 is asked about, not asked for; nor is a year a count.
    assert typed_span("when", "Qu'a fait la coopérative en 2023 ?", DELIVERIES) is None
    found = typed_span("how_many", "How many deliveries?", DELIVERIES)
    assert found is not None and DELIVERIES[found[0] : found[1]] == "18 500 livraisons"


def test_other_kinds_get_no_span() -> None:
    assert typed_span("who", "Qui a fondé Vélocité ?", "Marie Dupuis l'a fondée.") is None
    assert typed_span("how_many", "Combien ?", "Aucun chiffre ici.") is None


def test_the_terminal_rendering_names_the_part_that_answers() -> None:
    from assistant.answers import Answer, Citation
    from assistant.cli.terminal import answer_as_text

    quote = "Répar'Tout | Migné-Auxances | 7 500 € | repair café itinérant"
    start = 100
    at = start + quote.index("7 500 €")
    citation = Citation(
        1, "fonds", "Fonds 2024", "", quote, start, start + len(quote), 0.9,
        answer_start=at, answer_end=at + len("7 500 €"),
    )  # fmt: skip
    text = answer_as_text(Answer(text=f"{quote} [1]", citations=[citation]))
    assert "    answer: 7 500 €" in text.splitlines()


def test_an_ordinal_is_not_the_count() -> None:
    # "le vingtième devrait voir le jour… 6,1 millions d'euros": "vingtième" holds
    # "vingt" but counts nothing; the span went to it and the quote was cut to its clause.
    sentence = "Dans deux ans, le vingtième ouvrira, avec une rénovation de 6,1 millions d'euros."
    span = typed_span("how_many", "Combien de millions ?", sentence)
    assert span is not None and sentence[span[0] : span[1]].startswith("6,1 millions")


def test_a_number_word_inside_a_name_is_no_count() -> None:
    # New-user trial (issue 17): "Pont-**Neuf à**" was bold beside "14 salariés".
    sentence = "La Trouvaille, rue du Pont-Neuf à Poitiers, emploie 14 salariés."
    start, end = typed_span("how_many", "Et combien de salariés ?", sentence) or (0, 0)
    assert sentence[start:end] == "14 salariés"
    sentence = "Les Trois Tilleuls accueillent cinq familles."
    start, end = typed_span("how_many", "Combien de familles ?", sentence) or (0, 0)
    assert sentence[start:end] == "cinq familles"


def test_the_count_of_the_place_asked_about() -> None:
    # New-user trial (issue 16): the right quote, but "150 en" was highlighted for Poitiers.
    sentence = (
        "Il en existe 150 en France, dont une quinzaine en Nouvelle-Aquitaine et quatre à Poitiers."
    )
    question = "Combien de coopératives d'activités et d'emploi y a-t-il à Poitiers ?"
    start, end = typed_span("how_many", question, sentence) or (0, 0)
    assert sentence[start:end] == "quatre"
    start, end = typed_span("how_many", question.replace("à Poitiers", "en France"), sentence) or (
        0,
        0,
    )
    assert sentence[start:end] == "150"  # a preposition is no counted noun
