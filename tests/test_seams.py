"""The seams of the package (issue 16): answerers, the store, the embedder, the question
read once, one retrieval path, one error family, typed answer metadata, public names."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import assistant.errors as errors
from assistant.answer.answerer import Answerer, FirstOf, final
from assistant.answers import Answer, Trace
from assistant.core import Assistant
from assistant.embeddings import Embedder, Vectors
from assistant.embeddings.base import TextEmbedder
from assistant.index.store import EmbeddedChromaStore, ServerChromaStore, chroma_store
from assistant.retrieve.query import Query
from assistant.retrieve.retriever import default_dense_weights
from assistant.settings import ChromaSettings, Settings


class Says:
    """An answerer that answers every question with ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.asked: list[Query] = []

    def stream(self, query: Query) -> Iterator[str | Answer]:
        self.asked.append(query)
        yield self.text
        yield Answer(text=self.text, language=query.language)


class Passes:
    """An answerer for another kind of question: it yields nothing."""

    def __init__(self) -> None:
        self.asked = 0

    def stream(self, query: Query) -> Iterator[str | Answer]:
        self.asked += 1
        return iter(())


def test_first_of_asks_each_answerer_until_one_answers() -> None:
    first, second, third = Passes(), Says("deux"), Says("trois")
    chain: Answerer = FirstOf(first, second, third)
    query = SimpleNamespace(language="fr")  # the chain only hands it on
    items = list(chain.stream(query))  # type: ignore[arg-type]
    assert items[0] == "deux" and isinstance(items[-1], Answer) and items[-1].text == "deux"
    assert first.asked == 1 and len(second.asked) == 1 and third.asked == []


def test_final_needs_an_answer_at_the_end_of_the_stream() -> None:
    assert final(iter(["a ", Answer(text="a b")])).text == "a b"
    with pytest.raises(RuntimeError, match="without an answer"):
        final(iter(["a ", "b"]))


def test_the_trace_serialises_only_what_was_set() -> None:
    answer = Answer(text="x", metadata=Trace(generation="g1", notice="down"))
    assert answer.to_dict()["metadata"] == {"generation": "g1", "notice": "down"}
    assert Answer(text="x").to_dict()["metadata"] == {}


def test_the_trace_reads_like_the_dict_it_was() -> None:
    # Scripts written before it was typed (the field cases among them) read it as a dict.
    trace = Trace(generation="g1", ranked_sources=["a"])
    assert trace.get("generation") == "g1" and trace["ranked_sources"] == ["a"]
    assert trace.get("notice") is None and trace.get("nope", 1) == 1
    assert "generation" in trace and "notice" not in trace
    with pytest.raises(KeyError):
        trace["fallback"]


def test_every_error_is_an_assistant_error_with_a_status_and_its_old_base() -> None:
    family = [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__ == errors.__name__
    ]
    assert len(family) >= 13  # the base and the twelve errors the stages raise
    for cls in family:
        assert issubclass(cls, errors.AssistantError), cls
        assert cls.status_code in {404, 409, 422, 500, 502, 503}, cls
    assert issubclass(errors.QuestionSetError, ValueError)
    assert issubclass(errors.StoreUnavailableError, RuntimeError)
    assert errors.IndexModelMismatchError.status_code == 503


def test_the_store_is_chosen_by_the_settings_mode_without_connecting(
    tmp_path: Path, embedder: Embedder
) -> None:
    embedded = chroma_store(Settings(index_dir=tmp_path), embedder)
    assert isinstance(embedded, EmbeddedChromaStore)
    assert embedded.location("g1") == str(tmp_path / "generations" / "g1" / "chroma")
    server = chroma_store(
        Settings(chroma=ChromaSettings(mode="server", host="127.0.0.1", port=9)), embedder
    )
    assert isinstance(server, ServerChromaStore)
    assert server.location("g1").endswith("-g1 on 127.0.0.1:9")


class TinyEmbedder:
    """A two-dimensional stand-in for a model: what a unit test hands a stage."""

    dimension = 2

    def __init__(self, *, multilingual: bool) -> None:
        self.multilingual = multilingual

    def embed(self, texts: list[str]) -> Vectors:
        return np.array([[1.0, 0.0] for _ in texts], dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        return np.array([1.0, 0.0], dtype=np.float32)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]


def test_a_fake_embedder_fills_the_embedding_seam() -> None:
    english_only: TextEmbedder = TinyEmbedder(multilingual=False)
    assert default_dense_weights(english_only) == {"en": 1.0, "fr": 0.0}
    assert default_dense_weights(TinyEmbedder(multilingual=True)) == {"en": 1.0, "fr": 1.0}


def test_the_public_names_import_without_torch_or_chroma() -> None:
    code = (
        "import sys; from assistant import Answer, Assistant, AssistantError, Citation, "
        "Settings; print(sorted({'torch', 'chromadb', 'langchain_core', 'gradio'} "
        "& set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    root = tmp_path_factory.mktemp("seams")
    sources = root / "sources"
    sources.mkdir()
    (sources / "recyclerie.md").write_text(
        "# La Recyclerie du Pays\n\nLa Recyclerie du Pays emploie 12 salariés en insertion "
        "à Poitiers. Elle collecte 300 tonnes d'objets par an.\n",
        encoding="utf-8",
    )
    (sources / "tiers-lieu.md").write_text(
        "# Le tiers-lieu\n\nLe tiers-lieu de Buxerolles a ouvert en 2021. Il accueille un "
        "atelier de réparation de vélos.\n",
        encoding="utf-8",
    )
    built = Assistant(Settings(sources_dir=sources, index_dir=root / "index"), embedder=embedder)
    built.build_index(progress=False)
    return built


@pytest.mark.slow
def test_an_assistant_takes_any_answerer(small: Assistant) -> None:
    says = Says("Toujours la même réponse.")
    other = Assistant(small.settings, embedder=small.embedder, store=small.store, answerer=says)
    answer = other.ask("Combien de salariés la Recyclerie emploie-t-elle ?")
    assert answer.text == "Toujours la même réponse."
    assert answer.metadata.generation == small.snapshot().generation
    # The question reaches the answerer read once: spelled, its kind known.
    (query,) = says.asked
    assert query.kind == "how_many" and query.language == "fr"


@pytest.mark.slow
def test_the_evaluation_and_langchain_retrieve_as_the_answer_does(small: Assistant) -> None:
    from assistant.integrations.langchain_adapters import as_retriever

    question = "Combien de tonnes la recylerie collecte-t-elle ?"  # misspelled on purpose
    query = small.query(question)
    assert "recyclerie" in query.reading.lower()  # read as the documents spell it
    answered_from = [p.chunk.id for p in query.retrieval.passages]
    assert [p.chunk.id for p in small.retrieve(question).passages] == answered_from
    documents = as_retriever(small, k=len(answered_from)).invoke(question)
    # The method older scripts call gives the same retriever.
    same = small.as_retriever(k=len(answered_from)).invoke(question)
    assert [d.page_content for d in same] == [d.page_content for d in documents]
    assert [d.metadata["source_id"] for d in documents] == [
        p.document.id for p in query.retrieval.passages
    ]
    answer = small.ask(question)
    assert not answer.abstained and "300 tonnes" in answer.text
    assert answer.metadata.ranked_sources == list(
        dict.fromkeys(p.document.id for p in query.retrieval.passages)
    )
