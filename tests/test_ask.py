"""Asking questions: each question type, cross-lingual, follow-ups, abstention, corpus
questions, the JSON contract, the CLI and the LangChain adapters, on the real corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer.phrases import NOT_FOUND
from assistant.answers import Answer
from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.evaluate.metrics import contains_any
from assistant.integrations.langchain_adapters import as_retriever, as_runnable
from assistant.settings import Settings
from tests.conftest import SOURCES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    root = tmp_path_factory.mktemp("ask")
    settings = Settings(sources_dir=SOURCES, index_dir=root / "index")
    built = Assistant(settings, embedder=embedder)
    built.build_index(progress=False)
    return built


def _check_citations(assistant: Assistant, answer: Answer) -> None:
    """Every citation quotes its source verbatim at its offsets, and every marker exists."""
    documents = assistant.snapshot().by_id
    assert answer.citations
    for citation in answer.citations:
        text = documents[citation.source_id].text
        assert text[citation.start : citation.end] == citation.quote
        assert citation.title == documents[citation.source_id].meta.title
        assert f"[{citation.n}]" in answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


@pytest.mark.parametrize(
    ("question", "expected", "source"),
    [
        ("Combien de structures sont accueillies aux Usines ?", ["trentaine"], None),
        ("En quelle année sont nées Les Usines ?", ["2012"], None),
        (
            "Qui a posé la première pierre de la Maison de l'ESS à Niort ?",
            ["Benoît Hamon"],
            "rtes-maison-ess-niort",
        ),
        ("Où Charlélie Flamant a-t-il fait ses études ?", ["Orléans", "Eindhoven"], None),
        (
            "Quel est le budget consacré par Grand Poitiers au milieu associatif ?",
            ["35,2 M€"],
            "rtes-grand-poitiers",
        ),
        ("What is an activity and employment cooperative?", ["CAE", "entrepreneurs"], None),
    ],
    ids=["how_many", "when", "who", "where", "amount", "what"],
)
def test_question_types(
    assistant: Assistant, question: str, expected: list[str], source: str | None
) -> None:
    answer = assistant.ask(question)
    assert not answer.abstained, answer.text
    assert contains_any(answer.text, expected), answer.text
    if source:
        assert source in answer.sources()
    _check_citations(assistant, answer)
    assert 1 <= len(answer.citations) <= 4


def test_english_question_finds_french_evidence(assistant: Assistant) -> None:
    answer = assistant.ask("Who laid the first stone of the SSE house in Niort?")
    assert answer.language == "en"
    assert not answer.abstained
    assert answer.sources()[0] == "rtes-maison-ess-niort"  # a French-only document
    assert "Benoît Hamon" in answer.text
    _check_citations(assistant, answer)


@pytest.mark.parametrize(
    ("question", "preferred", "other"),
    [
        (
            "How many people work at Les Usines?",
            "tiers-lieux-poitiers-2022-en",
            "tiers-lieux-poitiers-2022-fr",
        ),
        (
            "Combien de personnes sont employées aux Usines ?",
            "tiers-lieux-poitiers-2022-fr",
            "tiers-lieux-poitiers-2022-en",
        ),
    ],
)
def test_translation_in_the_question_language_comes_first(
    assistant: Assistant, question: str, preferred: str, other: str
) -> None:
    answer = assistant.ask(question)
    assert answer.sources()[0] == preferred
    assert other not in answer.sources()  # the rendering does not crowd the answer...
    assert answer.metadata.translations[preferred] == other  # ...but is linked from it
    found = [d.metadata["source_id"] for d in as_retriever(assistant, k=30).invoke(question)]
    assert other in found  # ...and stays among the retrieved passages, behind its twin
    top = found[:12]  # the passages the answerer reads (retrieval.passages)
    assert top.count(other) < top.count(preferred)
    assert found.index(preferred) < found.index(other)


def test_follow_up_uses_the_conversation(assistant: Assistant) -> None:
    first = "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"
    history = [
        {"role": "user", "content": first},
        {"role": "assistant", "content": assistant.ask(first).text},
    ]
    answer = assistant.ask("Et à quelle date ?", history=history)
    assert not answer.abstained
    assert "28 mars" in answer.text
    assert answer.metadata.standalone_question.startswith(first)
    alone = assistant.ask("Et à quelle date ?")
    assert "28 mars" not in alone.text or alone.abstained


@pytest.mark.parametrize(
    "question",
    [
        "Quel temps fera-t-il demain à Poitiers ?",
        "Who is the mayor of Bordeaux?",
        "Quels étaient les lauréats 2021 du Coup de cœur ESS ?",
        "Quelle est la recette de la tarte aux pommes ?",
    ],
)
def test_abstains_when_the_sources_do_not_answer(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained, answer.text
    assert answer.text.startswith(NOT_FOUND[answer.language])
    # the closest passages are offered as leads, and they too are verbatim
    assert answer.citations
    _check_citations(assistant, answer)


def test_abstention_speaks_the_question_language(assistant: Assistant) -> None:
    answer = assistant.ask("What will the weather be like tomorrow in Poitiers?")
    assert answer.abstained and answer.text.startswith(NOT_FOUND["en"])


def test_corpus_questions_are_answered_from_the_manifest(assistant: Assistant) -> None:
    sources = assistant.ask("Quelles sont vos sources ?")
    assert not sources.abstained and sources.kind == "corpus"
    assert len(sources.citations) == 5
    assert "Les Echos" in sources.text and "RTES" in sources.text
    _check_citations(assistant, sources)
    about = assistant.ask("Que dit le document du RTES sur Niort ?")
    assert about.sources() == ["rtes-maison-ess-niort"]
    assert "Benoît Hamon" in about.text
    _check_citations(assistant, about)


def test_empty_question_and_bad_history(assistant: Assistant) -> None:
    assert assistant.ask("   ").abstained
    with pytest.raises(ValueError, match="history"):
        assistant.ask("Qui ?", history="not a list")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"history\[0\]"):
        assistant.ask("Qui ?", history=[{"role": "robot", "content": "x"}])


def test_json_contract(assistant: Assistant) -> None:
    answer = assistant.ask("Combien d'emplois représente l'ESS à Grand Poitiers ?")
    data = json.loads(json.dumps(answer.to_dict()))
    assert {"text", "citations", "abstained", "language"} <= set(data)
    assert data["language"] == "fr" and data["abstained"] is False
    for citation in data["citations"]:
        assert {"n", "source_id", "title", "url", "quote", "start", "end", "score"} <= set(citation)
        assert isinstance(citation["start"], int) and isinstance(citation["score"], float)


def test_langchain_runnable_and_retriever(assistant: Assistant) -> None:
    runnable = as_runnable(assistant)
    question = "Combien de personnes sont employées aux Usines ?"
    answer = runnable.invoke({"question": question, "history": []})
    assert isinstance(answer, Answer) and "50 personnes" in answer.text
    assert runnable.invoke(question).text == answer.text
    docs = as_retriever(assistant, k=3).invoke("Maison de l'ESS à Niort")
    assert len(docs) == 3 and docs[0].metadata["source_id"] == "rtes-maison-ess-niort"
    assert docs[0].page_content in assistant.snapshot().by_id["rtes-maison-ess-niort"].text


def test_cli_ask_prints_answer_and_sources(assistant: Assistant) -> None:
    settings = assistant.settings
    common = ["--sources", str(settings.sources_dir), "--index", str(settings.index_dir)]
    question = "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"
    text = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", question, *common],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert "Benoît Hamon" in text and "[1] Première pierre pour la Maison" in text
    data = json.loads(
        subprocess.run(
            [sys.executable, "-m", "assistant", "ask", question, "--json", *common],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout
    )
    assert data["citations"][0]["source_id"] == "rtes-maison-ess-niort"


def test_index_is_built_on_first_use(tmp_path: Path, embedder: Embedder) -> None:
    settings = Settings(sources_dir=SOURCES, index_dir=tmp_path / "fresh")
    answer = Assistant(settings, embedder=embedder).ask("Où se trouvent Les Usines ?")
    assert (tmp_path / "fresh" / "CURRENT").exists()
    assert answer.citations
