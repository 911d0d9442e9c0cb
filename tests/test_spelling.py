"""Typos (issue 15): a misspelled question word is read as the documents spell it, and a
word no document uses never weighs the most."""

from __future__ import annotations

import pytest

from assistant.core import Assistant
from assistant.documents import Document, SourceMeta
from assistant.embeddings import Embedder
from assistant.index.snapshot import Snapshot
from assistant.retrieve.concepts import UNKNOWN_IDF, Concept, concept_weights
from assistant.text.glossary import Glossary
from assistant.text.spelling import Vocabulary, correct, corrections, max_edits
from tests.conftest import answered, indexed

FACT = "La recyclerie de Poitiers emploie 12 salariés."
RECYCLERIE = f"""La recyclerie de Poitiers

{FACT} Elle collecte des meubles et des vêtements dans le quartier des Couronneries.
Ses upcycleurs en font des objets neufs.

Sa boutique ouvre le mercredi et le samedi, rue de la Cueille.
"""
RESSOURCERIE = """La ressourcerie de Niort

La ressourcerie de Niort emploie 8 salariés en insertion. Elle a ouvert en 2015 et \
travaille avec le café associatif Chez Moreau.
"""


def vocabulary(*texts: str) -> Vocabulary:
    return Vocabulary.from_texts([(text, "fr") for text in texts])


# -- the correction ------------------------------------------------------------------


def test_misspelled_words_are_read_as_the_documents_spell_them() -> None:
    found = corrections("combein de salariés a la recylerie de Poitier ?", vocabulary(FACT), "fr")
    # "combein": two letters swapped, one edit from the asking word; "recylerie": a
    # letter left out; "Poitier", typed as a name, one edit from a name of the documents.
    assert found == {"combein": "combien", "recylerie": "recyclerie", "Poitier": "Poitiers"}


def test_the_asking_word_that_opens_the_question_is_corrected_however_short() -> None:
    # "Qel est le rôle de… ?" was declined: three letters are too few for a correction,
    # but the first word of a question is one of a dozen asking words.
    words = vocabulary(FACT)
    assert correct("Qel est le rôle de la recyclerie ?", words, "fr").startswith("Quel est")
    assert correct("Whn did it open?", words, "en") == "When did it open?"
    # Only the opening word, and only when it is no word itself.
    assert correct("Que fait la recyclerie ?", words, "fr") == "Que fait la recyclerie ?"
    assert "qel" in correct("Le qel de la recyclerie ?", words, "fr")


def test_the_correction_keeps_the_documents_accents_and_the_typed_capital() -> None:
    words = vocabulary("Elle compte une quarantaine de bénévoles.")
    assert correct("Combein de benevols ?", words, "fr") == "Combien de bénévoles ?"


def test_words_the_documents_use_or_right_words_are_left_as_typed() -> None:
    words = vocabulary(FACT, "La mairie de Poitiers")
    for question in [
        "Combien de salaries a la recyclerie ?",  # accents aside, the documents' words
        "Qui est le maire de Poitiers ?",  # a French word: not a typo of "mairie"
        "Qui est le Maire de Poitiers ?",  # nor typed with a capital
        "Quel est le CA de 2023 ?",  # short words and numbers
    ]:
        assert corrections(question, words, "fr") == {}, question
    # Another form of a term the index holds ("recycleri"): found as typed.
    assert corrections("les recycleries", words, "fr", known={"recycleri"}) == {}
    assert corrections("les recycleries", words, "fr") == {"recycleries": "recyclerie"}


def test_the_edits_allowed_grow_with_the_word() -> None:
    assert [max_edits(w) for w in ("les", "vélo", "boutique", "recyclerie")] == [0, 1, 2, 2]
    words = vocabulary("Elle collecte des meubles. La recyclerie ouvre.")
    assert corrections("la recicleri ouvre", words, "fr") == {"recicleri": "recyclerie"}
    assert corrections("des muebels", words, "fr") == {}  # 7 letters: one edit only


def test_a_tie_goes_to_the_word_the_documents_use_most() -> None:
    words = vocabulary("Un marché. Les marchés, les marchés.")
    # "marchs" is one edit from "marche" and from "marches": the more frequent wins.
    assert corrections("les marchs", words, "fr") == {"marchs": "marchés"}


def test_a_name_typed_with_a_capital_becomes_only_a_name_one_edit_away() -> None:
    words = vocabulary(RESSOURCERIE, FACT)
    assert corrections("Qui tient le café Chez Moreaux ?", words, "fr") == {"Moreaux": "Moreau"}
    # Two edits from a name: another name, left as typed.
    assert corrections("Qui tient le café Chez Morvaux ?", words, "fr") == {}
    # A capital typed on purpose: not corrected into a common word of the documents.
    assert corrections("Que fait la Ressourcrie ?", words, "fr") == {}
    assert corrections("Que fait la ressourcrie ?", words, "fr") == {"ressourcrie": "ressourcerie"}
    # A question's first word is capitalised whatever it is.
    assert corrections("Ressourcrie de Niort ?", words, "fr") == {"Ressourcrie": "Ressourcerie"}


def test_an_english_word_is_not_corrected_into_a_french_one() -> None:
    french = vocabulary(FACT)
    assert corrections("How many employees at the recyclery?", french, "en") == {}
    # The same word in a French question is a typo of the documents' word.
    assert corrections("Combien à la recyclery ?", french, "fr") == {"recyclery": "recyclerie"}
    # Names and English documents' words are still within reach of an English question.
    both = Vocabulary.from_texts([(RESSOURCERIE, "fr"), ("The shop sells furniture.", "en")])
    found = corrections("Does the café Chez Moreaux sell furnitur?", both, "en")
    assert found == {"Moreaux": "Moreau", "furnitur": "furniture"}


def test_glossary_words_are_never_corrected() -> None:
    french = vocabulary(FACT, "Un atelier de recyclage.")
    assert corrections("Combien à la recyclery ?", french, "fr", keep={"recyclery"}) == {}
    glossary = Glossary.load()
    assert {"volunteers", "recycling", "benevoles"} <= glossary.words


def test_the_vocabulary_is_built_once_per_generation_from_texts_and_titles() -> None:
    doc = Document(SourceMeta(id="d", file="d.txt", title="Le réemploi", language="fr"), FACT, "0")
    snapshot = Snapshot("g", {}, [doc], {})
    words = snapshot.vocabulary
    assert snapshot.vocabulary is words
    assert words.counts["poitiers"] == 1 and "reemploi" in words and "Réemploi" in words
    assert words.names == {"poitiers"}  # "La" opens the sentence, "Le" the title
    assert words.spellings["salaries"] == "salariés"


# -- the weight of a word no document uses ---------------------------------------------


def test_a_misspelling_weighs_at_most_like_an_average_term() -> None:
    idf = {"salari": 1.0, "recycleri": 3.0, "poiti": 2.0}
    concepts = [Concept(w, frozenset({w})) for w in ("salari", "recycleri", "combein")]
    weights = concept_weights(concepts, idf)
    assert weights[:2] == [1.0, 3.0]
    assert weights[2] == pytest.approx(2.0)  # the mean idf, not more than the rarest term
    carried = [Concept("combein", frozenset({"combein"}), weight=0.5)]
    assert concept_weights(carried, idf) == [pytest.approx(1.0)]
    # A word of the language, a number or an acronym the corpus lacks still weighs the
    # most: a sentence without it hardly answers ("Quel temps fera-t-il demain ?").
    for surface in ("demain", "2031", "CAPEE"):
        absent = [Concept(surface, frozenset({surface.lower()}))]
        assert concept_weights(absent, idf) == [UNKNOWN_IDF], surface


# -- through the assistant -----------------------------------------------------------------


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    root = tmp_path_factory.mktemp("spelling")
    sources = root / "sources"
    sources.mkdir()
    (sources / "recyclerie-poitiers.txt").write_text(RECYCLERIE, encoding="utf-8")
    (sources / "ressourcerie-niort.txt").write_text(RESSOURCERIE, encoding="utf-8")
    return indexed(sources, root, embedder)


@pytest.mark.slow
def test_a_misspelled_question_gets_the_answer_of_the_question_typed_right(
    assistant: Assistant,
) -> None:
    typed = "combein de salariés a la recylerie de Poitier ?"
    right = answered(assistant, "Combien de salariés à la recyclerie de Poitiers ?", FACT)
    wrong = answered(assistant, typed, FACT)
    assert {c.quote for c in wrong.citations} == {c.quote for c in right.citations}
    assert wrong.question == typed  # shown as typed


@pytest.mark.slow
def test_only_the_reading_of_the_question_is_corrected(assistant: Assistant) -> None:
    index = assistant.serving()

    def reading(question: str, language: str) -> str:
        return assistant.query(question, [], language, index).reading

    # An English word the French documents lack is not made French; typed in a French
    # question, it is a typo of theirs.
    english = "How many upcyclers work at the recyclerie?"
    assert reading(english, "en") == english
    assert reading("Combien d'upcyclers ?", "fr") == "Combien d'upcycleurs ?"
    assert reading("Qui tient le café Chez Moreaux ?", "fr") == "Qui tient le café Chez Moreau ?"
    assert reading("Qui tient le café Chez Morvaux ?", "fr") == "Qui tient le café Chez Morvaux ?"
