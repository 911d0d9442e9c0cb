"""Headings, questions, lists and prose read off a cleaned document's lines."""

from __future__ import annotations

import pytest

from assistant.text.sentences import split_sentences
from assistant.text.structure import MAX_ITEMS, Structure, analyse, announced_count


def _read(text: str) -> tuple[list[str], list[str], Structure]:
    spans = split_sentences(text)
    structure = analyse(text, spans)
    return [text[a:b] for a, b in spans], list(structure.roles), structure


def test_an_faq_heading_is_a_question_and_heads_its_answer() -> None:
    text = (
        "Quels sont les horaires de la médiathèque ?\n\n"
        "La médiathèque est ouverte du mardi au samedi, de 10 heures à 18 heures. "
        "Elle ferme en août.\n"
    )
    sentences, roles, structure = _read(text)
    assert roles == ["question", "prose", "prose"]
    assert structure.heading == (-1, 0, 0)
    assert sentences[0].endswith("?")


def test_paragraphs_are_numbered_under_their_heading() -> None:
    text = (
        "# Quand la Maison est-elle ouverte ?\n"
        "Du lundi au vendredi de 9 h à 17 h. Le jeudi jusqu'à 19 h.\n\n"
        "Elle ferme en août.\n\n"
        "## Où est-elle ?\n\n"
        "Au 14 rue des Carmélites.\n"
    )
    _, roles, structure = _read(text)
    assert roles[0] == "question"
    # The first paragraph is 0 with or without a blank line after the heading (its two
    # sentences: "17 h." ends the first).
    assert structure.paragraph[1:4] == (0, 0, 1)
    assert structure.paragraph[-1] == 0 and structure.heading[-1] == 4


def test_a_headline_without_closing_punctuation_is_a_heading() -> None:
    text = (
        "Châtellerault inaugure à son tour sa Maison de l'ESS\n\n"
        "La Maison a été inaugurée le 3 mars 2023 par Paul Ferrand.\n"
    )
    _, roles, _ = _read(text)
    assert roles == ["heading", "prose"]


def test_a_markdown_list_after_a_blank_line_is_read_whole() -> None:
    items = [f"Lauréat numéro {n}, une structure de Poitiers." for n in range(1, 6)]
    text = "Les lauréats sont :\n\n" + "\n".join(items) + "\n\nLa remise a lieu en mai.\n"
    _sentences, roles, structure = _read(text)
    assert roles == ["announce", *["item"] * 5, "prose"]
    quoted = [text[a:b] for a, b in structure.items[0]]
    assert quoted == items


def test_an_announced_count_bounds_a_list_inside_a_paragraph() -> None:
    text = (
        "Les trois structures primées sont :\n"
        "Alpha, un atelier.\nBêta, un traiteur.\nGamma, une ludothèque.\n"
        "Chaque lauréat reçoit 5 000 euros.\n"
    )
    _, roles, structure = _read(text)
    assert roles == ["announce", "item", "item", "item", "prose"]
    assert len(structure.items[0]) == 3


def test_an_announcement_left_empty_has_no_items() -> None:
    _, roles, structure = _read("En 2021, les lauréats étaient :")
    assert roles == ["announce"]
    assert structure.items == ((),)


def test_long_lists_are_cut_and_say_so() -> None:
    items = [f"Structure {n}" for n in range(MAX_ITEMS + 3)]
    text = "Les membres sont :\n" + "\n".join(items) + "\n"
    _, _, structure = _read(text)
    assert len(structure.items[0]) == MAX_ITEMS
    assert structure.truncated[0]


def test_announced_count_reads_digits_and_words() -> None:
    assert announced_count("Les cinq structures primées sont :") == 5
    assert announced_count("The 4 winners are:") == 4
    assert announced_count("Les lauréats sont :") is None


def test_table_rows_sit_under_their_header_row() -> None:
    text = (
        "Les subventions accordées\n\n"
        "Structure | Commune | Subvention\n"
        "Vélo Solidaire | Poitiers | 12 000 €\n"
        "Répar'Tout | Chauvigny | 9 500 €\n\n"
        "Les versements ont lieu en juin.\n"
    )
    _, roles, structure = _read(text)
    assert roles == ["heading", "header", "row", "row", "prose"]
    assert structure.heading[2] == structure.heading[3] == 1


def test_an_announcement_followed_by_another_is_empty() -> None:
    text = (
        "En 2022, les 3 lauréats étaient :\n\n"
        "En 2021, les 3 lauréats étaient :\n\n"
        "En 2020, les lauréats étaient :\n\n"
        "Les Ateliers Cord'âges :\n"
    )
    _, roles, structure = _read(text)
    assert roles == ["announce"] * 4
    assert structure.items == ((), (), (), ())


def test_a_title_with_a_year_is_a_heading_but_a_later_data_line_is_not() -> None:
    text = "Prix Coup de cœur ESS 2024\n\nAnnée d'adhésion au RTES: 2007\n11 % des emplois\n"
    _, roles, _ = _read(text)
    assert roles == ["heading", "prose", "prose"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A unit after a number ends a sentence; read as an initial ("J. Dupont") it glued
        # the answer ("présidée par…") to the opening hours before it.
        (
            "Ouvert de 14 h à 18 h. L'association est présidée par Françoise Mazeau.",
            ["Ouvert de 14 h à 18 h.", "L'association est présidée par Françoise Mazeau."],
        ),
        (
            "La visite dure 30 min. Ensuite, on déjeune.",
            ["La visite dure 30 min.", "Ensuite, on déjeune."],
        ),
        # Initials and abbreviations still do not end one.
        ("Signé J. Dupont et M. Martin.", ["Signé J. Dupont et M. Martin."]),
        ("Voir p. 12 du rapport.", ["Voir p. 12 du rapport."]),
    ],
)
def test_a_unit_after_a_number_ends_a_sentence(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected
