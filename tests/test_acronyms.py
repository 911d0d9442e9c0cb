"""Acronyms and spelled-out names are one thing: a question that says SCIC is answered by a
text that says "société coopérative d'intérêt collectif", and the reverse (field case 15)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.retrieve.concepts import concept_weights, coverage, question_concepts
from assistant.retrieve.retriever import HybridRetriever
from assistant.text.acronyms import (
    DEFAULT_TABLE,
    Acronyms,
    builtin_pairs,
    definitions,
    spelled_out,
)
from assistant.text.analysis import fold, terms
from assistant.text.glossary import Glossary
from tests.conftest import answered, indexed

DATA = Path(__file__).parent / "data" / "acronyms"
CASE15 = (DATA / "statuts-cooperatifs.txt").read_text(encoding="utf-8")


# -- finding pairs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "acronym", "expansion"),
    [
        (
            "Il s'agit d'une coopérative d'activité et d'emploi (CAE) née en 2004.",
            "CAE",
            "coopérative d'activité et d'emploi",
        ),
        (
            "La SCIC (société coopérative d'intérêt collectif) du Clain.",
            "SCIC",
            "société coopérative d'intérêt collectif",
        ),
        (
            "L’Economie Sociale & Solidaire (ESS) pèse 10 % de l'emploi.",
            "ESS",
            "Economie Sociale & Solidaire",
        ),
        (
            "une société coopérative et participative (SCOP) du bâtiment",
            "SCOP",
            "société coopérative et participative",
        ),  # letters inside words: CO-opérative
        (
            "Les sociétés coopératives d’intérêt collectif (Scic) se multiplient.",
            "Scic",
            "sociétés coopératives d’intérêt collectif",
        ),
    ],
)
def test_definitions_in_parentheses_both_ways(text: str, acronym: str, expansion: str) -> None:
    assert [(p.acronym, p.expansion) for p in definitions(text, "doc")] == [(acronym, expansion)]
    assert definitions(text, "doc")[0].source == "defined in doc"


@pytest.mark.parametrize(
    "text",
    [
        "Le rapport (voir plus loin) le montre.",
        "Le bilan est en ligne (PDF).",  # no words before that PDF abbreviates
        "Ozon accompagne des entrepreneurs. (CAE)",  # not across a sentence end
        "La SCIC (la SCIC du Clain) ouvre.",  # a name that contains the acronym
    ],
)
def test_no_definition_where_the_letters_do_not_fit(text: str) -> None:
    assert definitions(text) == []


def test_initials_spell_an_acronym_through_connectors() -> None:
    found = spelled_out(CASE15, ["SCIC", "CAE", "SIAE"])
    assert ("cae", "coopérative d'activité et d'emploi") in found
    assert ("siae", "structures d'insertion par l'activité économique") in found
    assert ("scic", "société coopérative d'intérêt collectif") in found


@pytest.mark.parametrize(
    "text",
    [
        "La coopérative accompagne entrepreneurs et élus.",  # no connector: a clause
        "La coopérative Ozon accompagne 48 entrepreneurs.",  # a number ends the run
        "la commune a employé du monde",  # "a" is too short to give a letter
    ],
)
def test_initials_alone_do_not_make_a_name(text: str) -> None:
    assert spelled_out(text, ["cae"]) == []


def test_builtin_table_names_its_sources() -> None:
    pairs = builtin_pairs()
    assert all(p.source for p in pairs)
    table = {p.acronym for p in pairs}
    assert {"ESS", "SCOP", "SCIC", "CAE", "SIAE", "PTCE"} <= table
    scop = {p.expansion for p in pairs if p.acronym == "SCOP"}
    assert {
        "société coopérative et participative",
        "société coopérative ouvrière de production",
    } <= scop
    assert DEFAULT_TABLE.name == "acronyms-fr.tsv"


def test_builtin_table_rejects_a_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("SCIC\tsociété coopérative d'intérêt collectif\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv:1"):
        builtin_pairs(path)


def test_corpus_pairs_come_first_then_the_table_then_initials() -> None:
    texts = {
        "a": "Le CLAP organise une bourse aux vélos.",
        "b": "Le comité local d'action partagée de Lusignan compte 35 bénévoles.",
        "c": "Les sociétés coopératives d'intérêt collectif (SCIC) du département.",
    }
    acronyms = Acronyms.from_corpus(texts)
    assert acronyms.expansions("SCIC")[0] == "sociétés coopératives d'intérêt collectif"
    assert acronyms.expansions("clap") == ("comité local d'action partagée",)
    sources = {p.acronym: p.source for p in acronyms.pairs}
    assert sources["CLAP"] == "spelled out in b"
    assert sources["SCIC"] == "defined in c"
    assert "loi" in sources["PTCE"]  # from the table


def test_an_acronym_only_a_question_uses_is_looked_up_once() -> None:
    texts = {"b": "Le comité local d'action partagée de Lusignan compte 35 bénévoles."}
    acronyms = Acronyms.from_corpus(texts, table=[])
    assert acronyms.pairs == []  # nobody in the corpus writes CLAP: nothing computed yet
    assert acronyms.expansions("CLAP") == ("comité local d'action partagée",)
    assert acronyms.expansions("XYZ") == ()
    assert acronyms.matches("Combien de bénévoles compte le CLAP ?") == [
        ("CLAP", ("comité local d'action partagée",))
    ]


# -- using pairs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case15() -> Acronyms:
    return Acronyms.from_corpus({"statuts-cooperatifs": CASE15})


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Quelle librairie est devenue une SCIC ?",
            [("SCIC", "société coopérative d'intérêt collectif")],
        ),
        ("Quelle Scop du Clain ?", [("Scop", "société coopérative et participative")]),
        (
            "les sociétés coopératives d'intérêt collectif de la Vienne",
            [("sociétés coopératives d'intérêt collectif", "SCIC")],
        ),
        (
            "Combien de salariés en CAE ou en SIAE ?",
            [
                ("CAE", "coopérative d'activité et d'emploi"),
                ("SIAE", "structure d'insertion par l'activité économique"),
            ],
        ),
        ("le sel de la vie", []),  # short acronyms only when written in capitals
        ("Le projet NOVA est-il financé ?", []),  # capitals nobody spells out
    ],
)
def test_matches_in_a_question(
    case15: Acronyms, question: str, expected: list[tuple[str, str]]
) -> None:
    assert [(surface, forms[0]) for surface, forms in case15.matches(question)] == expected


@pytest.mark.parametrize(
    ("name", "text", "named"),
    [
        ("SCIC", CASE15, True),
        ("CAE Ozon", CASE15, True),
        ("SIAE", CASE15, True),
        ("PTCE", CASE15, False),
        ("CAE Loudun", CASE15, False),  # the other words of the name still count
        ("Le Grand Large", CASE15, True),  # plain names as before
        ("Grand Large Montmorillon", CASE15, False),
        ("Société Coopérative d'Intérêt", "La SCIC du Clain recrute.", True),
        ("Activité Ozon", "La CAE Ozon recrute.", True),
        ("Activité Ozon", "La CAE Nova recrute.", False),
        ("CAEs", CASE15, True),  # an acronym's English plural is the acronym
        ("PTCEs", CASE15, False),
    ],
)
def test_a_name_is_named_by_either_form(
    case15: Acronyms, name: str, text: str, named: bool
) -> None:
    assert case15.mentioned(name, fold(text)) is named


def test_an_acronym_and_its_expansion_are_one_concept(case15: Acronyms) -> None:
    glossary = Glossary.load()
    by_acronym = question_concepts(
        "Quelle librairie est devenue une SCIC ?", "fr", glossary, case15
    )
    spelled = "Quelle librairie est devenue une société coopérative d'intérêt collectif ?"
    by_name = question_concepts(spelled, "fr", glossary, case15)
    assert len(by_acronym) == len(by_name) == 3  # librairie, devenue, the SCIC
    evidence = set(terms(CASE15.splitlines()[2], "fr"))
    for concepts in (by_acronym, by_name):
        weights = concept_weights(concepts, {})
        assert coverage(concepts, weights, evidence) == pytest.approx(1.0)
        scic = next(c for c in concepts if "scic" in c.terms)
        assert scic.found_in({"scic"})
        assert not scic.found_in(set(terms("une société anonyme", "fr")))  # one word is not it


def test_an_acronym_concept_takes_the_glossary_translation_of_its_name(case15: Acronyms) -> None:
    concepts = question_concepts("Que fait la CAE Ozon ?", "fr", Glossary.load(), case15)
    cae = next(c for c in concepts if c.surface == "CAE")
    english = set(terms("an activity and employment cooperative", "en"))
    assert cae.found_in(english)
    assert not cae.found_in(set(terms("a cooperative", "en")))  # not "cooperative" alone


def test_keyword_search_adds_the_other_form(case15: Acronyms) -> None:
    index = SimpleNamespace(snapshot=SimpleNamespace(acronyms=case15))
    retriever = HybridRetriever(
        cast(Any, index), cast(Any, None), Glossary.load(), dense_weights={"en": 1.0}
    )
    expanded = retriever.expand("Combien de SIAE compte le département ?", "fr")
    assert "structure d'insertion par l'activité économique" in expanded
    reverse = retriever.expand("Que fait la coopérative d'activité et d'emploi Ozon ?", "fr")
    assert "CAE" in reverse.split()


# -- end to end: a real index over tests/data/acronyms -------------------------------------


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return indexed(DATA, tmp_path_factory.mktemp("acronyms"), embedder)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "fact"),
    [
        # field case 15
        (
            "Quelle librairie est devenue une société coopérative d'intérêt collectif ?",
            "Le Grand Large",
        ),
        ("Quelle librairie est devenue une SCIC ?", "Le Grand Large"),
        (
            "Combien d'entrepreneurs la coopérative d'activité et d'emploi Ozon "
            "accompagne-t-elle ?",
            "48 entrepreneurs",
        ),
        ("Combien d'entrepreneurs la CAE Ozon accompagne-t-elle ?", "48 entrepreneurs"),
        ("Combien de SIAE compte le département ?", "dix-neuf structures"),
        ("Combien de personnes les SIAE ont-elles employées en 2023 ?", "1 350 personnes"),
        # ours: a definition in the text, an acronym only the text uses, initials alone
        ("Combien de structures le PTCE Sud Vienne réunit-il ?", "quatorze structures"),
        (
            "Combien de salariés la société coopérative et participative Les Menuisiers Réunis "
            "emploie-t-elle ?",
            "23 salariés",
        ),
        ("Combien de bénévoles compte le CLAP de Lusignan ?", "35 bénévoles"),
    ],
)
def test_asked_by_the_other_form(assistant: Assistant, question: str, fact: str) -> None:
    answered(assistant, question, fact)


@pytest.mark.slow
def test_the_index_knows_the_pairs_of_its_documents(assistant: Assistant) -> None:
    pairs = {(p.acronym, p.expansion): p.source for p in assistant.snapshot().acronyms.pairs}
    assert pairs[("PTCE", "pôle territorial de coopération économique")].startswith("defined in")
    assert pairs[("CLAP", "comité local d'action partagée")].startswith("spelled out in")


@pytest.mark.slow
def test_an_acronym_nobody_spells_out_is_still_declined(assistant: Assistant) -> None:
    answer = assistant.ask("Combien de bénévoles compte la MJC de Lusignan ?")
    assert answer.abstained, answer.text
