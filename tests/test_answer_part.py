"""The part of a long sentence an answer quotes: the clauses around the answer span."""

from __future__ import annotations

from assistant.answer.extractive import answer_part

LONG = (
    "Ouverte en 2021 dans les anciens locaux de la poste du quartier, rénovés par un chantier "
    "d'insertion avec le soutien de la Ville et de trois fondations, la cantine solidaire du "
    "Porteau, qui propose chaque midi un repas à prix libre, a servi 14 300 repas en 2023, "
    "soit une hausse d'un tiers par rapport à l'année précédente, d'après le bilan présenté "
    "par l'association gestionnaire lors de son assemblée générale du printemps."
)


def test_a_short_sentence_is_quoted_whole() -> None:
    text = "Le repair café compte 25 bénévoles."
    assert answer_part(text, 0, len(text), (22, 24)) == (0, len(text))


def test_a_long_sentence_is_cut_to_the_clauses_around_the_span() -> None:
    span = (LONG.index("14 300"), LONG.index("14 300") + len("14 300 repas"))
    start, end = answer_part(LONG, 0, len(LONG), span)
    part = LONG[start:end]
    assert start <= span[0] < span[1] <= end
    assert "14 300 repas" in part and len(part.split()) < len(LONG.split()) / 2
    assert len(part.split()) >= 8  # reads on its own, not a bare number
    assert not part.endswith((",", ";", " "))


def test_a_relative_clause_is_quoted_with_what_it_hangs_on() -> None:
    # "… qui va bénéficier d'une rénovation de 6,1 millions d'euros …" alone does not say
    # what the 6,1 millions renovate.
    text = (
        "Dans deux ans, après une longue concertation avec les habitants et les associations "
        "du quartier, le vingtième tiers-lieu de l'agglomération devrait voir le jour dans "
        "l'ancienne caserne de pompiers de Pont-Achard, qui va bénéficier d'une rénovation "
        "de 6,1 millions d'euros, afin d'accueillir de nouvelles activités liées à la "
        "culture, à l'hébergement, à la restauration et à la création d'entreprises."
    )
    span = (text.index("6,1"), text.index("6,1") + len("6,1 millions d'euros"))
    start, end = answer_part(text, 0, len(text), span)
    part = text[start:end]
    assert "6,1 millions d'euros" in part
    assert not part.startswith("qui") and "caserne de pompiers" in part
