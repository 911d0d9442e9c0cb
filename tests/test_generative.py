"""Generative backends and the citation guard, against real servers and a real model.

The OpenAI-compatible backend talks HTTP to a loopback server replaying recorded
completions (streamed and not); broken backends are real ones that cannot be reached.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer.chat_models import parse_backend
from assistant.answer.guard import parse_claims, says_not_found
from assistant.answers import Answer
from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.errors import BackendError
from assistant.evaluate.question_sets import EvalItem, QuestionSet
from assistant.evaluate.runner import evaluate
from assistant.settings import Settings
from tests.conftest import SOURCES, free_port
from tests.openai_replay import ReplayServer, replay_server

NIORT = "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"


def test_backend_specs() -> None:
    assert parse_backend("extractive").generative is False
    assert parse_backend("openai:gpt-4o-mini").model == "gpt-4o-mini"
    assert parse_backend("gguf:/m/x.gguf").kind == "gguf"
    with pytest.raises(BackendError, match="'ollama:<model>'"):
        parse_backend("claude")
    with pytest.raises(ValueError, match="llm"):
        Settings(llm="mistral")  # the setting itself names the accepted forms


@pytest.mark.parametrize(
    ("raw", "claims"),
    [
        ("A est B. [1] C est D [2].", [("A est B.", [1]), ("C est D.", [2])]),
        ("Un. Deux [1][3]", [("Un.", []), ("Deux", [1, 3])]),
        ("X vaut 2,5 millions [1, 2]. Y.", [("X vaut 2,5 millions.", [1, 2]), ("Y.", [])]),
        ("Fact [Passage 4].", [("Fact.", [4])]),
        ("[1]", []),
    ],
)
def test_claims_and_their_markers(raw: str, claims: list[tuple[str, list[int]]]) -> None:
    assert parse_claims(raw) == claims


def test_not_found_phrase_in_either_language() -> None:
    assert says_not_found("Je n'ai pas trouvé la réponse dans les sources.")
    assert says_not_found("  I could not find the answer in the sources ")
    assert says_not_found("")
    assert not says_not_found("Benoît Hamon. [1]")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    index = tmp_path_factory.mktemp("generative") / "index"
    Assistant(Settings(sources_dir=SOURCES, index_dir=index), embedder=embedder).build_index(
        progress=False
    )
    return index


@pytest.fixture(scope="module")
def replay() -> Iterator[ReplayServer]:
    with replay_server() as server:
        yield server


def _assistant(index_dir: Path, embedder: Embedder, **settings: object) -> Assistant:
    return Assistant(
        Settings(sources_dir=SOURCES, index_dir=index_dir, **settings),  # type: ignore[arg-type]
        embedder=embedder,
    )


@pytest.fixture
def openai(index_dir: Path, embedder: Embedder, replay: ReplayServer) -> Assistant:
    return _assistant(
        index_dir, embedder, llm="openai:replayed-model", generation={"base_url": replay.url}
    )


def _verbatim(assistant: Assistant, answer: Answer) -> None:
    docs = assistant.snapshot().by_id
    for c in answer.citations:
        assert docs[c.source_id].text[c.start : c.end] == c.quote


def test_guard_keeps_the_supported_sentence_and_drops_the_rest(
    openai: Assistant, replay: ReplayServer
) -> None:
    answer = openai.ask(NIORT)
    assert answer.kind == "openai:replayed-model" and not answer.abstained
    assert "Benoît Hamon a posé la première pierre" in answer.text
    assert "12 millions" not in answer.text and "cinéma" not in answer.text
    guard = answer.metadata.guard
    assert guard["sentences"] == 3 and guard["kept"] == 1 and guard["invented_markers"] == [7]
    reasons = {d["sentence"]: d["reason"] for d in guard["dropped"]}
    assert "numbers not in the passage: 12" in reasons["Le chantier a coûté 12 millions d'euros."]
    assert reasons["Elle accueillera aussi un cinéma municipal."].startswith("no citation")
    (citation,) = answer.citations
    assert "Benoît Hamon" in citation.quote and citation.source_id == "rtes-maison-ess-niort"
    _verbatim(openai, answer)
    # The prompt gave numbered passages and the question, and asked for a stream.
    request = replay.requests[-1]
    prompt = request["messages"][-1]["content"]
    assert request["stream"] is True and "[1] (" in prompt and NIORT in prompt
    assert "[7]" in answer.metadata.unguarded["text"]


def test_stream_sends_the_model_text_then_the_checked_answer(openai: Assistant) -> None:
    items = list(openai.stream("How many people are employed at Les Usines?"))
    pieces, answer = items[:-1], items[-1]
    assert isinstance(answer, Answer) and len(pieces) > 3
    draft = "".join(str(p) for p in pieces)
    assert "Napoleon" in draft  # streamed as written...
    assert "Napoleon" not in answer.text and "50 people" in answer.text  # ...checked after
    assert answer.timings["first_token"] > 0 and answer.timings["generation"] > 0


def test_nothing_supported_falls_back_to_the_extractive_answer(openai: Assistant) -> None:
    answer = openai.ask("Combien de structures sont accueillies aux Usines ?")
    assert answer.kind == "extractive" and answer.metadata.fallback is not None
    assert "trentaine" in answer.text and "120" not in answer.text
    assert answer.metadata.guard["kept"] == 0


def test_model_not_found_phrase_gives_an_abstention_with_leads(openai: Assistant) -> None:
    answer = openai.ask("Tu peux me donner la recette du farci poitevin ?")
    assert answer.abstained and answer.text.startswith("Je n'ai pas trouvé")
    assert answer.kind == "openai:replayed-model"


def test_without_the_guard_everything_written_is_shown(
    index_dir: Path, embedder: Embedder, replay: ReplayServer
) -> None:
    assistant = _assistant(
        index_dir,
        embedder,
        llm="openai:replayed-model",
        generation={"base_url": replay.url, "guard": False},
    )
    answer = assistant.ask(NIORT)
    assert "12 millions" in answer.text and "cinéma" in answer.text
    assert "[7]" not in answer.text  # invented markers go, guard or not
    _verbatim(assistant, answer)


@pytest.mark.parametrize("spec", ["ollama:mistral", "openai:any-model"])
def test_unreachable_server_gives_a_clear_notice_and_an_extractive_answer(
    index_dir: Path, embedder: Embedder, spec: str
) -> None:
    dead = f"http://127.0.0.1:{free_port()}" + ("/v1" if spec.startswith("openai") else "")
    assistant = _assistant(index_dir, embedder, llm=spec, generation={"base_url": dead})
    answer = assistant.ask(NIORT)
    assert answer.kind == "extractive" and "Benoît Hamon" in answer.text
    notice = answer.metadata.notice
    assert spec in notice and "extractive answer" in notice
    assert dead in notice and "ASSISTANT_GENERATION__BASE_URL" in notice  # what to fix


def test_missing_extra_names_the_fix(
    index_dir: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # as if not installed
    answer = _assistant(index_dir, embedder, llm="openai:gpt-x").ask(NIORT)
    assert "pip install -e '.[llm]'" in answer.metadata.notice
    answer = _assistant(index_dir, embedder, llm="gguf:/nowhere/model.gguf").ask(NIORT)
    assert "no model file at /nowhere/model.gguf" in answer.metadata.notice


def test_evaluation_reports_each_backend_before_and_after_the_guard(
    openai: Assistant, replay: ReplayServer
) -> None:
    items = [
        EvalItem("niort", NIORT, answers=("Benoît Hamon",), sources=("rtes-maison-ess-niort",)),
        EvalItem("usines", "Combien de structures sont accueillies aux Usines ?", ("trentaine",)),
        EvalItem("farci", "Tu peux me donner la recette du farci poitevin ?", answerable=False),
    ]
    spec = "openai:replayed-model"
    run = evaluate(
        Assistant(
            openai.settings.model_copy(update={"llm": "extractive"}), embedder=openai.embedder
        ),
        QuestionSet("mini", Path("mini.jsonl"), items),
        baseline=False,
        backends=[spec],
    )
    metrics = run.metrics()[spec]
    assert metrics["answer_accuracy"] == 1.0  # the guard and the fallback got both right
    assert metrics["answer_accuracy_before_guard"] == 0.5  # "120 structures" was wrong
    assert metrics["citation_precision"] == 1.0
    assert metrics["citation_precision_before_guard"] < 0.5
    assert metrics["sentences_dropped_rate"] == pytest.approx(3 / 4)
    assert metrics["fallback_rate"] == pytest.approx(1 / 3)
    assert "answer_accuracy_before_guard" not in run.metrics()["assistant"]
