"""Tests of assistant.ingest.cleaning and assistant.text.lexicon, on the real sources and
made-up text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.cleaning import clean_text
from assistant.text.lexicon import get_lexicon

SOURCES = Path(__file__).resolve().parents[1] / "sources"
GRAND_POITIERS = "grand-poitiers-economie-sociale-solidaire.txt"
ARTICLE_FR = "coworking-economie-solidaire-poitiers-2022.fr.txt"
ARTICLE_EN = "coworking-economie-solidaire-poitiers-2022.en.txt"


@cache
def cleaned(name: str) -> str:
    language = "en" if name.endswith(".en.txt") else "fr"
    return clean_text((SOURCES / name).read_text(encoding="utf-8"), language)


def all_sources() -> list[str]:
    return sorted(path.name for path in SOURCES.glob("*.txt"))


# --- lexicon ---------------------------------------------------------------------------------


def test_lexicon_lookups_ignore_case_and_apostrophe_style() -> None:
    french = get_lexicon("fr")
    assert french.frequency("Réflexion") == french.frequency("réflexion") > 0
    assert "aujourd’hui" in french
    assert french.frequency("exion") == 0
    assert "exion" not in french
    assert "the" in get_lexicon("en")
    assert "the" not in french


def test_unknown_language_merges_french_and_english() -> None:
    merged = get_lexicon("de")
    assert "réflexion" in merged and "efficient" in merged
    assert get_lexicon("fr-FR") is get_lexicon("fr")


# --- ligatures lost by the PDF extraction ---------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        ("ré exion commune", "réflexion commune"),
        ("sera dé nie et", "sera définie et"),
        ("En n, et en toute logique", "Enfin, et en toute logique"),
        ("un outil e cace pour", "un outil efficace pour"),
        ("Il se diversi e dans", "Il se diversifie dans"),
        ("au l des heures", "au fil des heures"),
    ],
)
def test_lost_ligatures_are_repaired_in_the_real_file(broken: str, repaired: str) -> None:
    raw = (SOURCES / GRAND_POITIERS).read_text(encoding="utf-8")
    assert broken in raw  # the test is about this file as it is
    text = cleaned(GRAND_POITIERS)
    assert repaired in text
    assert broken not in text


def test_ligature_code_points_become_letters() -> None:
    assert clean_text("une ré\ufb02exion e\ufb03cace et di\ufb00érente") == (
        "une réflexion efficace et différente"
    )


GOOD_FRENCH = [
    "Le collectif est spécialisé dans la seconde main et le jeu.",
    "Il a la réponse à tout, enfin presque.",
    "Au fil des heures, l'ESS s'est imposée en Nouvelle-Aquitaine.",
    "Un chiffre d'affaires de 2,5 millions d'euros et 11 % des emplois.",
    "L'agglomération de 200.000 habitants a voté en 2021 une feuille de route.",
    "Il a le droit de dire non, et elle a le sien.",
    "Le dé est jeté : la coopérative a fêté ses 30 ans.",
    "Les Ateliers Méca-Vienne vont créer un chantier d'insertion.",
    "C'est un défi : l’ESS se diversifie et reste efficace.",
    "Benoît Hamon était à Niort le 28 mars dernier.",
    "Le vote fin 2021 « d'une feuille de route » visant à promouvoir l'ESS.",
    "Y a-t-il un fil conducteur ? Oui, à vrai dire.",
    "Ce sont 11% des emplois répartis dans 1 000 établissements.",
    "La newsletter de l'association paraît chaque mois.",
    "Le partage de la valeur est au cœur de l'ESS.",
    "On est formé au b.a. -ba de la vie d'entrepreneur.",
    "Le chiffre de l ESS est cité tel quel.",
    "Tel : 05 49 52 35 35",
]
GOOD_ENGLISH = [
    "It is a question of enhancing it by spreading these values.",
    "A sector that accounts for 11% of jobs in an agglomeration of 200,000 inhabitants.",
    "In total, about 50 people employed for a turnover of 2.5 million euros.",
    "I don't think so, but it's fine if you do.",
    "I don t know why the apostrophe went missing.",
    "The file is on the shelf, and the fish is fresh.",
    "Finally, the official figures were published on February 9, 2022.",
    "Share of jobs in the social economy is 11% in New Aquitaine.",
]


@pytest.mark.parametrize("sentence", GOOD_FRENCH)
def test_good_french_text_is_unchanged(sentence: str) -> None:
    assert clean_text(sentence, "fr") == sentence


@pytest.mark.parametrize("sentence", GOOD_ENGLISH)
def test_good_english_text_is_unchanged(sentence: str) -> None:
    assert clean_text(sentence, "en") == sentence


def test_good_paragraphs_keep_their_structure() -> None:
    text = "\n\n".join(GOOD_FRENCH[:4])
    assert clean_text(text) == text


# --- page furniture --------------------------------------------------------------------------


def test_french_article_furniture_is_removed() -> None:
    text = cleaned(ARTICLE_FR)
    for furniture in (
        "Publicité",
        "Théma",
        "MicrosoftTeams-image.png",
        "Premium",
        "PREMIUM",
        "Je découvre les offres",
        "Vos responsabilités exigent",
        "(Association AY)",
    ):
        assert furniture not in text
    assert text.startswith("Coworking et économie solidaire : les nouveaux atouts de Poitiers\n")
    caption = (
        "Les Usines, nichées dans une ancienne filature, est le plus ancien et le plus "
        "emblématique des tiers-lieux de l'agglomération de Poitiers."
    )
    assert text.count(caption) == 1
    # The article's sentences around the removed lines are all there.
    assert "structure née de la loi sur l'économie sociale et solidaire (ESS) de 2014" in text
    assert "On en recense 150 en France, dont une quinzaine en Nouvelle-Aquitaine" in text
    assert "« L'objectif sera d'accompagner des porteurs de projets" in text
    assert text.endswith("précise Denis Meunier.\n\nFranck Niedercorn")


def test_english_article_furniture_is_removed() -> None:
    text = cleaned(ARTICLE_EN)
    assert "Leave a Comment" not in text
    assert "About the author" not in text
    title = "Coworking and solidarity economy: the new assets of Poitiers"
    assert text.count(title) == 1
    assert text.endswith(
        "“The objective will be to support project leaders across Vienne”, specifies Denis Meunier."
    )


def test_repeated_url_lines_keep_one_clean_occurrence() -> None:
    text = cleaned(GRAND_POITIERS)
    assert text.count("https://www.grandpoitiers.fr/ess?") == 1
    assert ".https" not in text
    assert "https://www.grandpoitiers.fr/\n" in text  # a URL given once stays


@pytest.mark.parametrize(
    "line",
    [
        "Publicité",
        "Advertisement",
        "Contenu sponsorisé",
        "Leave a Comment",
        "Laisser un commentaire",
        "About the author",
        "À propos de l'auteur",
        "Partager",
        "Partager sur Facebook",
        "Share this article",
        "Facebook Twitter LinkedIn",
        "photo_2022-03-31.JPG",
        "assets/logo.svg",
        "Je découvre les offres",
        "Abonnez-vous",
        "Subscribe",
        "© Association AY",
    ],
)
def test_furniture_lines_are_dropped(line: str) -> None:
    before, after = "Le premier paragraphe reste.", "Le second paragraphe reste."
    assert clean_text(f"{before}\n\n{line}\n\n{after}") == f"{before}\n\n{after}"


def test_short_subscription_pitch_paragraph_is_dropped() -> None:
    text = "Texte de l'article.\n\nNouveau : abonnez-vous à notre newsletter !\n\nFin de l'article."
    assert clean_text(text) == "Texte de l'article.\n\nFin de l'article."


def test_long_paragraph_mentioning_subscriptions_stays() -> None:
    paragraph = (
        "L'association propose des offres premium à ses adhérents, des abonnements solidaires "
        "et des paniers de légumes livrés chaque semaine dans les quartiers. "
    ) * 3
    assert clean_text(paragraph.strip()) == paragraph.strip()


def test_duplicated_line_and_credited_caption_are_dropped() -> None:
    caption = "Les Usines, nichées dans une ancienne filature, à Ligugé."
    text = f"{caption}\n{caption} (Photo Jean Dupont)\n\nSuite.\nSuite."
    assert clean_text(text) == f"{caption}\n\nSuite."


def test_rubric_label_above_the_title_is_dropped_but_not_elsewhere() -> None:
    assert clean_text("Tribune\n\nLe titre\n\nLe texte.") == "Le titre\n\nLe texte."
    assert clean_text("Le titre\n\nTribune\n\nLe texte.") == "Le titre\n\nTribune\n\nLe texte."


# --- wrapping, hyphenation, whitespace ------------------------------------------------------


def test_hard_wrapped_lines_are_reflowed_in_the_real_file() -> None:
    lines = cleaned(GRAND_POITIERS).split("\n")
    assert any("une réflexion commune avec les acteurs de l’ESS" in line for line in lines)
    # Joined because the first line is wrap-long, although the next starts uppercase.
    assert any("tant par Grand Poitiers que par les acteurs locaux." in line for line in lines)
    assert lines[0] == "Grand Poitiers Communauté urbaine"
    # Short lines (a heading, an address block) stay on their own.
    text = "\n".join(lines)
    assert "GRAND POITIERS\n84, rue des Carmélites\n86 000 Poitiers\nTel : 05 49 52 35 35" in text
    assert "Q'est-ce que l’ESS ?\nESS, c’est pour « économie sociale et solidaire »." in text


def test_wrapped_sentence_continuing_in_lowercase_is_joined() -> None:
    assert clean_text("Une feuille de route\nsera définie.") == "Une feuille de route sera définie."
    assert clean_text("Fin de phrase.\nnouvelle ligne") == "Fin de phrase.\nnouvelle ligne"


def test_list_of_similar_lines_is_not_taken_for_wrapped_text() -> None:
    items = "\n".join(
        [
            "Les Ateliers Cord'âges : inclusion sociale et bien-être mental des personnes",
            "Le Collectif Mélusine : seconde main, jeu et réemploi des matériaux du bâtiment",
            "Les Ateliers Méca-Vienne : mécanique auto et garage solidaire pour la mobilité",
            "Un quatrième lauréat : les jardins partagés et la cuisine collective du quartier",
        ]
    )
    assert clean_text(items) == items


def test_end_of_line_hyphenation() -> None:
    text = "Les coopé-\nratives sont nombreuses en Nouvelle-\nAquitaine et le bien-\nêtre compte."
    assert clean_text(text) == (
        "Les coopératives sont nombreuses en Nouvelle-Aquitaine et le bien-être compte."
    )


def test_characters_and_whitespace_are_normalised() -> None:
    raw = "\ufeffLa\u00a0coopé\u00adrative\u200b\tsolidaire \r\n\r\n\r\n\r\nPage\u202f2 \rSuite"
    assert clean_text(raw) == "La coopérative solidaire\n\nPage 2\nSuite"


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    for name in all_sources():
        text = cleaned(name)
        assert "\n\n\n" not in text
        assert "  " not in text
        assert text == text.strip()


@pytest.mark.parametrize("raw", ["", " ", "\n\n", "\ufeff\u200b \t\r\n"])
def test_empty_input_gives_empty_output(raw: str) -> None:
    assert clean_text(raw) == ""


# --- idempotence -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", all_sources())
def test_cleaning_real_files_is_idempotent(name: str) -> None:
    language = "en" if name.endswith(".en.txt") else "fr"
    once = cleaned(name)
    assert once
    assert clean_text(once, language) == once


_PIECES = [
    "ré", "exion", "En", "n", "e", "cace", "l", "au", "des", "dé", "nie", "diversi", "fil",
    "de", "la", "coopé-", "ratives", "Nouvelle-", "Aquitaine", "Publicité", "Share",
    "https://x.fr/a", ".https://x.fr/a", "logo.png", "(Crédit)", "«", "»", ".", ",", ":", "?",
    "2,5", "11 %", "\ufb01", "\u00ad", "\u00a0", "\t", " ", "  ", "\n", "\n\n", "\r\n",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(st.sampled_from(_PIECES), max_size=40).map(" ".join),
        st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
    ),
    st.sampled_from(["fr", "en", "de"]),
)
def test_clean_text_never_raises_and_is_idempotent(raw: str, language: str) -> None:
    once = clean_text(raw, language)
    assert clean_text(once, language) == once
