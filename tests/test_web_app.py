"""The chat's handlers without a browser: failures, empty input, feedback, start over."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from assistant.answers import Answer
from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.serve.web_chat import OUTPUTS, ChatApp
from assistant.settings import Settings


class BrokenAssistant(Assistant):
    """Fails the way a lost Chroma server does, halfway through a stream."""

    def stream(
        self, question: str, history: Any = None, *, llm: str | None = None
    ) -> Iterator[str | Answer]:
        yield "Début "
        raise ConnectionError("Chroma server at 127.0.0.1:8000 is unreachable")


def _app(tmp_path: Path, cls: type[Assistant] = Assistant) -> ChatApp:
    settings = Settings(
        sources_dir=tmp_path / "none",
        index_dir=tmp_path / "index",
        web={"feedback_file": tmp_path / "fb.jsonl"},
    )
    return ChatApp(cls(settings))


def _is_skip(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


def test_an_empty_question_changes_nothing(tmp_path: Path) -> None:
    (update,) = list(_app(tmp_path).respond("   ", [], [], []))
    assert len(update) == len(OUTPUTS) and all(_is_skip(v) for v in update)


def test_a_failure_shows_a_clear_message_and_keeps_the_conversation(tmp_path: Path) -> None:
    updates = list(_app(tmp_path, BrokenAssistant).respond("Who runs Cobalt?", [], [], []))
    chat, _box, panel, turns, conversation, *_ = updates[-1]
    message = chat[-1]["content"]
    assert message.startswith("The service cannot answer right now:")
    assert "unreachable" in message and "Traceback" not in message
    assert _is_skip(panel) and turns == [] and conversation == []  # nothing half-recorded


def test_rating_writes_feedback_for_the_right_turn(tmp_path: Path) -> None:
    app = _app(tmp_path)
    turns = [
        {"question": "Q1", "answer": {"text": "A1", "citations": [], "language": "fr"}},
        {"question": "Q2", "answer": {"text": "A2", "citations": [], "language": "en"}},
    ]
    app.rate(turns, gr.LikeData(None, {"index": 3, "value": "A2", "liked": False}))
    app.rate(turns, gr.LikeData(None, {"index": 9, "value": "?", "liked": True}))  # no such turn
    (record,) = app.feedback.read()
    assert record["question"] == "Q2" and record["rating"] == "wrong"


def test_start_over_empties_everything_but_keeps_the_language(tmp_path: Path) -> None:
    turns = [{"question": "Q", "answer": {"language": "en", "citations": []}}]
    chat, box, panel, new_turns, conversation, header, send, clear = _app(tmp_path).start_over(
        turns
    )
    assert chat == [] and new_turns == [] and conversation == [] and box["value"] == ""
    assert "Cited passages will show here" in panel and send["value"] == "Send"
    assert clear["value"] == "Start over"
    assert header.startswith("# Grand Poitiers ESS assistant")


@pytest.mark.parametrize(("language", "label"), [("fr", "Envoyer"), ("en", "Send")])
def test_chrome_follows_the_language(tmp_path: Path, language: str, label: str) -> None:
    _box, _header, send, _clear = _app(tmp_path).chrome(language)
    assert send["value"] == label


@pytest.mark.slow
def test_generative_answer_in_the_chat_says_what_the_guard_removed(
    tmp_path: Path, embedder: Embedder
) -> None:
    from tests.conftest import SOURCES
    from tests.openai_replay import replay_server

    with replay_server() as server:
        settings = Settings(
            sources_dir=SOURCES,
            index_dir=tmp_path / "index",
            generation={"base_url": server.url, "choices": ["openai:replayed"]},
        )
        app = ChatApp(Assistant(settings, embedder=embedder))
        question = "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"
        # Read each update as it comes: Gradio sends it then, and the list is reused.
        shown = [u[0][-1]["content"] for u in app.respond(question, [], [], [], "openai:replayed")]
    drafts, final = shown[1:-1], shown[-1]
    assert any("12 millions" in d for d in drafts)  # the model's text streamed as written
    assert "12 millions" not in final and "Benoît Hamon a posé" in final
    assert r"2 phrase\(s\) du modèle retirée" in final  # escaped Markdown
