"""Rough edges a new user met on the page (issue 17), each fixed and held here: the answer
menu's names, English answers quoted from French text, and the folders a user creates
left out of git. (Markdown escapes in addresses, one card per paragraph and readable
dates are in tests/test_web_render.py.)"""

from __future__ import annotations

import subprocess

import pytest

from assistant.answers import Answer, Citation, Trace
from assistant.core import Assistant
from assistant.documents import Document, SourceMeta
from assistant.index.snapshot import Snapshot
from assistant.serve.web_chat import _source_language_note, backend_choices
from assistant.settings import Settings
from tests.conftest import REPO


def test_the_answer_menu_names_its_choices_for_people() -> None:
    alone = backend_choices(Assistant(Settings()))
    assert alone == [("Citations seules (sans modèle)", "extractive")]  # hidden: one choice
    english = backend_choices(Assistant(Settings(llm="ollama:mistral")), "en")
    assert english == [
        ("Quotes only (no model)", "extractive"),
        ("ollama:mistral", "ollama:mistral"),
    ]


def _snapshot() -> Snapshot:
    fr = Document(
        SourceMeta(id="page-fr", file="fr.txt", title="Page", language="fr"), "Texte.", "x"
    )
    en = Document(
        SourceMeta(
            id="page-en", file="en.txt", title="The page", language="en", translation_of="page-fr"
        ),
        "Text.",
        "y",
    )
    return Snapshot(generation="g", fingerprint={}, documents=[fr, en], chunks={})


def _answer(language: str, translations: dict[str, str] | None) -> Answer:
    citation = Citation(1, "page-fr", "Page", "", "Texte.", 0, 6, 1.0, language="fr")
    return Answer(
        "Texte. [1]", [citation], language=language, metadata=Trace(translations=translations)
    )


def test_an_english_answer_from_french_text_says_so_and_links_the_english_page() -> None:
    note = _source_language_note(_answer("en", {"page-fr": "page-en"}), "en", _snapshot())
    assert "Quoted from a French source" in note
    assert "[The page](/documents/page-en)" in note
    bare = _source_language_note(_answer("en", None), "en", _snapshot())
    assert "Quoted from a French source" in bare and "English version" not in bare
    assert _source_language_note(_answer("fr", None), "fr", _snapshot()) == ""


@pytest.mark.parametrize(
    "path",
    [
        "index-e5/CURRENT",
        "feedback/feedback.jsonl",
        "sources/uploads/rapport.pdf",
        "sources/.trash/uploads/20261201T070000-rapport.pdf",
        "evals/feedback.jsonl",
        "evals/feedback-review.jsonl",
        "test-artifacts/chat.png",
    ],
)
def test_what_a_user_creates_by_following_the_readme_is_ignored_by_git(path: str) -> None:
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", path], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{path} would show in git status"


def test_refusal_reasons_read_in_french_on_the_french_page() -> None:
    from assistant.serve.web_phrases import reason

    assert reason("fr", "empty file") == "fichier vide"
    assert reason("fr", "over the 512 KB limit (setting max_file_mb)") == (
        "au-delà de la limite de 512 KB (réglage max_file_mb)"
    )
    assert reason("fr", "unsupported format .exe: send .txt, .md").startswith("format .exe")
    assert reason("en", "empty file") == "empty file"
