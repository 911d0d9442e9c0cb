"""Accents: a question typed without them gets the answer of the accented question (field
case 03): its words also give the terms of their accented endings."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.text.analysis import accent_variants, as_written, fold, query_terms, terms
from tests.conftest import answered, indexed

DATA = Path(__file__).parent / "data" / "accents"


@pytest.mark.parametrize(
    "word",
    ["activité", "activités", "créée", "hébergé", "fondée", "coopérative", "détournées"],
)
def test_a_word_typed_without_accents_finds_the_documents_term(word: str) -> None:
    assert set(terms(word, "fr")) <= set(query_terms(fold(word)))


def test_accents_are_restored_only_where_none_were_typed() -> None:
    assert accent_variants("activite") == ["activité"]
    assert accent_variants("activité") == []  # typed with its accents: read as typed
    assert accent_variants("2024") == accent_variants("une") == []


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return indexed(DATA, tmp_path_factory.mktemp("accents"), embedder)


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Combien de bénévoles compte la recyclerie des Couronneries ?", "quarantaine"),
        ("Quand la coopérative Roue Libre a-t-elle été créée ?", "mai 2020"),
        ("Où se trouve la boutique de la recyclerie ?", "rue de Nimègue"),
        (
            "Quelle structure a hébergé l'activité de Roue Libre avant sa création ?",
            "Pépinière Solidaire",
        ),
    ],
)
def test_a_question_typed_without_accents_gets_the_same_answer(
    assistant: Assistant, question: str, fact: str
) -> None:
    accented = answered(assistant, question, fact)
    plain = answered(assistant, fold(question), fact)
    assert {c.quote for c in plain.citations} == {c.quote for c in accented.citations}


def test_words_typed_in_lowercase_are_read_as_the_documents_write_them() -> None:
    forms = {"roue": "Roue", "libre": "Libre", "ete": "été", "creee": "créée", "a": "à", "l": "L"}
    typed = "quand l'asso roue libre a-t-elle ete creee ? Roue"
    # Short and grammatical words stay as typed ("a" is not "à"), so do typed capitals.
    assert as_written(typed, forms) == "quand l'asso Roue Libre a-t-elle été créée ? Roue"
    assert as_written("les roue", {"les": "Les", "roue": "Roue"}) == "les Roue"
    # An English question gets the documents' capitals, never French accents.
    english = as_written("when does the roue open?", {"the": "thé", "roue": "Roue"}, "en")
    assert english == "when does the Roue open?"


def test_capitals_count_only_inside_sentences() -> None:
    from assistant.documents import Document, SourceMeta
    from assistant.index.snapshot import Snapshot

    text = (
        "# Faut-il s'inscrire ?\n\nFaut-il payer ? Il faut venir chez Roue Libre. Roue Libre livre."
        " On répare avec Roue Libre."
    )
    doc = Document(SourceMeta(id="d", file="d.md", title="D"), text, sha256="0")
    forms = Snapshot("g", {}, [doc], {}).written_forms
    assert forms.get("roue") == "Roue" and "faut" not in forms  # "Faut-il" opens sentences


def test_a_word_also_written_in_lowercase_or_capitalised_once_is_not_a_name() -> None:
    # "Who is the vice-president in charge of economic development?" must not ask for
    # someone called "Development" because a job title capitalises the word once.
    from assistant.documents import Document, SourceMeta
    from assistant.index.snapshot import Snapshot

    text = (
        "We met Claire Moreau, Director of Community Development, and Claire Moreau's team. "
        "The Economy Office and the economy of the region. The Economy Office opens."
    )
    doc = Document(SourceMeta(id="d", file="d.txt", title="D"), text, sha256="0")
    forms = Snapshot("g", {}, [doc], {}).written_forms
    assert "development" not in forms  # capitalised once, in a title
    assert "economy" not in forms  # written in lowercase too
    assert forms.get("claire") == "Claire"
    assert as_written("who is claire moreau?", forms, "en") == "who is Claire Moreau?"


def test_a_table_cell_opens_like_a_sentence() -> None:
    # A header cell is capitalised whatever it holds: "Quelle subvention a reçu X ?" must
    # not read "Subvention" as a name the evidence has to mention (field case 08).
    from assistant.documents import Document, SourceMeta
    from assistant.index.snapshot import Snapshot

    text = (
        "Structure | Commune | Subvention\nVélo Solidaire | Poitiers | 12 000 €\n"
        "Vélo Solidaire | Migné | 3 000 €"
    )
    doc = Document(SourceMeta(id="d", file="d.docx", title="D"), text, sha256="0")
    forms = Snapshot("g", {}, [doc], {}).written_forms
    assert "subvention" not in forms and "commune" not in forms
    assert forms.get("solidaire") == "Solidaire"  # mid-cell capitals still count


def test_a_folded_prefix_is_the_prefix_folded_where_folding_lengthens_text() -> None:
    # "œ" folds to "oe" and "ﬁ" to "fi": offsets of the text and of its folded form part
    # ways; the check that a name comes before a sentence cuts the folded text at the
    # sentence's offset in the original.
    from assistant.documents import Document, SourceMeta
    from assistant.index.snapshot import Snapshot
    from assistant.text.analysis import fold

    text = "Au cœur de Poitiers, la ﬁlature.\nÉlan Coopératif s’installe. Puis la SCIC."
    doc = Document(SourceMeta(id="d", file="d.md", title="D"), text, sha256="0")
    plain = Document(SourceMeta(id="p", file="p.md", title="P"), "Élan Coopératif", sha256="1")
    snapshot = Snapshot("g", {}, [doc, plain], {})
    assert len(fold(text)) != len(text)
    for end in range(len(text) + 2):
        assert snapshot.folded_prefix("d", end) == fold(text[:end])
    assert snapshot.folded_prefix("p", 4) == "elan"
