"""Unicode forms: a question pasted in decomposed form (NFD, from a macOS file name or a PDF)
gets the answer of the same question typed (NFC), over documents in either form (field
case 05)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.embeddings import Embedder
from tests.conftest import answered, indexed

DATA = Path(__file__).parent / "data" / "unicode-forms"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    return indexed(DATA, tmp_path_factory.mktemp("unicode"), embedder)


def test_the_decomposed_document_is_stored_composed(assistant: Assistant) -> None:
    raw = (DATA / "regie-quartier-nfd.txt").read_text(encoding="utf-8")
    assert not unicodedata.is_normalized("NFC", raw)  # the file really is decomposed
    assert unicodedata.is_normalized("NFC", assistant.snapshot().by_id["regie-quartier-nfd"].text)


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("En quelle année la régie de quartier de Saint-Éloi a-t-elle été créée ?", "2009"),
        ("Quel chiffre d'affaires la régie de quartier a-t-elle réalisé en 2023 ?", "780 000"),
        ("Combien de tonnes de déchets la ressourcerie de Beaulieu a-t-elle détournées ?", "95"),
    ],
)
def test_a_decomposed_question_gets_the_composed_questions_answer(
    assistant: Assistant, question: str, fact: str
) -> None:
    typed = answered(assistant, unicodedata.normalize("NFC", question), fact)
    pasted = answered(assistant, unicodedata.normalize("NFD", question), fact)
    assert pasted.text == typed.text
    assert pasted.question == typed.question  # the question is kept composed
    assert all(unicodedata.is_normalized("NFC", c.quote) for c in pasted.citations)
