"""A file moved or renamed keeps its vectors: nothing whose embedded text is already in
the index is embedded again, whatever path it now comes from (issue 15), and an edit
embeds only what it changed. Cases over embedded Chroma and a real Chroma server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.index import builder as indexer
from assistant.index.snapshot import SENTENCES_FILE, generation_dir, read_current
from assistant.settings import ChromaSettings, Settings
from tests.conftest import MINILM, answered

pytestmark = pytest.mark.slow

RECYCLERIE = """La recyclerie des Couronneries

La recyclerie des Couronneries a ouvert ses portes en 2019 dans un ancien garage du \
quartier. Elle collecte les objets dont les habitants veulent se séparer, les répare et \
les revend à petit prix. L'association emploie aujourd'hui douze salariés en insertion.

En 2023, la recyclerie a collecté 212 tonnes d'objets, dont les deux tiers ont été revendus \
ou donnés à des familles. Le reste a été confié à des filières de recyclage spécialisées. \
Les meubles et la vaisselle représentent la plus grande part des dons reçus.

La boutique est ouverte le mercredi et le samedi de 10 heures à 18 heures. Les dépôts se \
font le mardi et le jeudi matin, sur le parking situé derrière le bâtiment. Les gros \
meubles peuvent être enlevés à domicile sur rendez-vous.

Des ateliers de réparation de vélos et de petit électroménager ont lieu chaque premier \
samedi du mois. Ils sont animés par des bénévoles et sont gratuits pour les adhérents. \
L'adhésion annuelle à l'association coûte cinq euros.
"""

JARDINS = """Les jardins partagés de Bellejouanne

Les jardins partagés de Bellejouanne occupent une ancienne friche de trois mille mètres \
carrés au pied des immeubles. Quarante familles y cultivent chacune une parcelle, et un \
verger collectif est entretenu par l'ensemble des jardiniers.

L'association qui gère les jardins organise une fête des récoltes chaque année en \
septembre. Les légumes en surplus sont donnés à l'épicerie solidaire du quartier, qui les \
distribue aux foyers qu'elle accompagne.
"""

QUESTION = "Combien de tonnes d'objets la recyclerie a-t-elle collectées en 2023 ?"


@pytest.fixture(params=["embedded", "server"])
def backend(request: pytest.FixtureRequest) -> ChromaSettings:
    if request.param == "embedded":
        return ChromaSettings()
    server: ChromaSettings = request.getfixturevalue("chroma_server")
    return server.model_copy(update={"collection": f"t{uuid.uuid4().hex[:12]}"})


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """Two documents without a sources.toml entry: their ids come from their paths."""
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "recyclerie.txt").write_text(RECYCLERIE, encoding="utf-8")
    (folder / "jardins.txt").write_text(JARDINS, encoding="utf-8")
    return folder


def _collection_metadata(assistant: Assistant) -> dict[str, dict[str, object]]:
    """Chunk id -> the metadata stored with its vector in the served generation."""
    generation = read_current(assistant.settings.index_dir)
    assert generation is not None
    stored = assistant.store.open(generation).raw.get(include=["metadatas"])
    return {i: dict(m or {}) for i, m in zip(stored["ids"], stored["metadatas"] or [], strict=True)}


def _sentence_vectors(assistant: Assistant) -> dict[str, np.ndarray]:
    """Sentence text -> its vector in the served generation (the texts here are unique)."""
    generation = read_current(assistant.settings.index_dir)
    assert generation is not None
    rows = np.load(generation_dir(assistant.settings.index_dir, generation) / SENTENCES_FILE)
    snapshot = assistant.snapshot()
    texts = [snapshot.sentence_text(key) for key in snapshot.sentence_keys]
    assert len(set(texts)) == len(texts) == len(rows)
    return dict(zip(texts, rows, strict=True))


def _same_vectors(before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> bool:
    return before.keys() == after.keys() and all(
        np.array_equal(before[text], after[text]) for text in before
    )


def _assert_moved(
    assistant: Assistant,
    embedder: Embedder,
    sources: Path,
    new_file: str,
    new_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Move ``recyclerie.txt`` to ``new_file``, rebuild, and check nothing was embedded
    and every trace of the document names its new path."""
    assistant.build_index(progress=False)
    old = assistant.snapshot()
    old_vectors = _sentence_vectors(assistant)
    analysed: list[str] = []
    real_terms = indexer.terms

    def counting_terms(text: str, language: str) -> list[str]:
        analysed.append(text)
        return real_terms(text, language)

    monkeypatch.setattr(indexer, "terms", counting_terms)
    target = sources / new_file
    target.parent.mkdir(parents=True, exist_ok=True)
    (sources / "recyclerie.txt").rename(target)
    before = embedder.texts_embedded
    report = assistant.build_index(progress=False)

    assert embedder.texts_embedded == before
    assert report.chunks_embedded == 0 and report.sentences_embedded == 0
    assert report.chunks_reused == len(old.chunks["recyclerie"]) > 1
    assert (report.added, report.updated, report.removed, report.moved) == (0, 0, 0, 1)
    assert report.moved_ids == [new_id]
    assert report.moved_files == {"recyclerie.txt": new_file}
    assert analysed == []  # keyword counts kept too
    summary = report.summary()
    assert "(0 added, 0 updated, 0 removed, 1 moved; 0 chunks embedded)" in summary
    assert f"moved recyclerie.txt -> {new_file}" in summary

    new = assistant.snapshot()
    assert "recyclerie" not in new.by_id
    doc = new.by_id[new_id]
    assert doc.meta.file == new_file and doc.path == sources / new_file
    assert [c.embed_text for c in new.chunks[new_id]] == [
        c.embed_text for c in old.chunks["recyclerie"]
    ]
    assert new.indexed_at[new_id] == old.indexed_at["recyclerie"]  # its text is not new
    stored = _collection_metadata(assistant)
    assert set(stored) == set(new.chunk_by_id)
    for chunk in new.chunks[new_id]:
        assert stored[chunk.id]["file"] == new_file and stored[chunk.id]["doc_id"] == new_id
    assert _same_vectors(old_vectors, _sentence_vectors(assistant))

    answer = answered(assistant, QUESTION, "212 tonnes")
    assert answer.citations[0].source_id == new_id
    assert new.by_id[answer.citations[0].source_id].meta.file == new_file
    # The vectors found under the new ids are the old ones: dense search still finds it.
    generation = read_current(assistant.settings.index_dir)
    assert generation is not None
    hits = assistant.store.open(generation).query(embedder.embed_query(QUESTION), 1)
    assert new.chunk_by_id[hits[0].id].doc_id == new_id


def test_renamed_file_embeds_nothing_and_is_cited_at_its_new_name(
    sources: Path,
    make_settings: Callable[..., Settings],
    embedder: Embedder,
    backend: ChromaSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assistant = Assistant(make_settings(sources, chroma=backend), embedder=embedder)
    _assert_moved(
        assistant,
        embedder,
        sources,
        "recyclerie-couronneries.txt",
        "recyclerie-couronneries",
        monkeypatch,
    )


def test_file_moved_into_a_subfolder_embeds_nothing_and_is_cited_there(
    sources: Path,
    make_settings: Callable[..., Settings],
    embedder: Embedder,
    backend: ChromaSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assistant = Assistant(make_settings(sources, chroma=backend), embedder=embedder)
    _assert_moved(assistant, embedder, sources, "archives/b.txt", "archives-b", monkeypatch)


def test_move_keeps_pooled_sentence_vectors(
    sources: Path,
    make_settings: Callable[..., Settings],
    minilm: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """MiniLM pools sentence vectors from its chunk's pass: they follow the chunk."""
    assistant = Assistant(make_settings(sources, embedding=MINILM), embedder=minilm)
    assistant.build_index(progress=False)
    old = _sentence_vectors(assistant)
    (sources / "archives").mkdir()
    (sources / "recyclerie.txt").rename(sources / "archives" / "b.txt")
    before = minilm.texts_embedded
    report = assistant.build_index(progress=False)
    assert minilm.texts_embedded == before
    assert (report.chunks_embedded, report.sentences_embedded, report.moved) == (0, 0, 1)
    assert _same_vectors(old, _sentence_vectors(assistant))


def test_a_moved_text_keeps_the_date_it_was_first_indexed(
    sources: Path, make_settings: Callable[..., Settings], minilm: Embedder
) -> None:
    """The documents table shows when a text was indexed: a move does not make it new."""
    assistant = Assistant(make_settings(sources, embedding=MINILM), embedder=minilm)
    assistant.build_index(progress=False)
    first = assistant.snapshot().indexed_at["recyclerie"]
    time.sleep(1.1)  # stamps are to the second
    _edit(sources / "jardins.txt", "Quarante familles", "Cinquante familles")
    assistant.build_index(progress=False)
    assert assistant.snapshot().built_at != first
    (sources / "recyclerie.txt").rename(sources / "recyclerie-couronneries.txt")
    assert assistant.build_index(progress=False).moved == 1
    assert assistant.snapshot().indexed_at["recyclerie-couronneries"] == first


def test_manifest_entry_following_its_file_is_a_move(
    sources: Path, make_settings: Callable[..., Settings], embedder: Embedder
) -> None:
    entry = '[[document]]\nid = "recyclerie"\nfile = "{}"\ntitle = "La recyclerie"\n'
    (sources / "sources.toml").write_text(entry.format("recyclerie.txt"), encoding="utf-8")
    assistant = Assistant(make_settings(sources), embedder=embedder)
    assistant.build_index(progress=False)
    (sources / "archives").mkdir()
    (sources / "recyclerie.txt").rename(sources / "archives" / "2023.txt")
    (sources / "sources.toml").write_text(entry.format("archives/2023.txt"), encoding="utf-8")
    before = embedder.texts_embedded
    report = assistant.build_index(progress=False)
    assert embedder.texts_embedded == before
    assert (report.added, report.updated, report.removed, report.moved) == (0, 0, 0, 1)
    assert report.moved_files == {"recyclerie.txt": "archives/2023.txt"}
    assert assistant.snapshot().by_id["recyclerie"].meta.file == "archives/2023.txt"
    stored = _collection_metadata(assistant)
    assert {m["file"] for m in stored.values() if m["doc_id"] == "recyclerie"} == {
        "archives/2023.txt"
    }


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_editing_one_paragraph_embeds_only_its_chunk(
    sources: Path, make_settings: Callable[..., Settings], embedder: Embedder
) -> None:
    assistant = Assistant(make_settings(sources), embedder=embedder)
    assistant.build_index(progress=False)
    old = assistant.snapshot()
    assert len(old.chunks["recyclerie"]) >= 3
    _edit(sources / "recyclerie.txt", "212 tonnes", "230 tonnes")
    before = embedder.texts_embedded
    report = assistant.build_index(progress=False)
    new = assistant.snapshot()
    changed = [c for c in new.chunks["recyclerie"] if c.id not in old.chunk_by_id]
    assert len(changed) == 1 and "230 tonnes" in changed[0].text
    assert report.updated_ids == ["recyclerie"] and report.moved == 0
    assert report.chunks_embedded == 1 and report.chunks_reused == 0
    # e5 embeds each sentence alone: only the sentence whose text changed is embedded.
    assert report.sentences_embedded == report.sentences_alone == 1
    assert embedder.texts_embedded - before == 2
    assert "1 updated, 0 removed; 1 chunks embedded)" in report.summary()
    answered(assistant, QUESTION, "230 tonnes")


def test_renamed_and_edited_file_embeds_only_the_edited_chunk(
    sources: Path, make_settings: Callable[..., Settings], embedder: Embedder
) -> None:
    assistant = Assistant(make_settings(sources), embedder=embedder)
    assistant.build_index(progress=False)
    _edit(sources / "recyclerie.txt", "212 tonnes", "230 tonnes")
    (sources / "recyclerie.txt").rename(sources / "recyclerie-2024.txt")
    before = embedder.texts_embedded
    report = assistant.build_index(progress=False)
    # A changed text is a new document, not a move; its unchanged chunks keep their vectors.
    assert (report.added_ids, report.removed_ids, report.moved) == (
        ["recyclerie-2024"],
        ["recyclerie"],
        0,
    )
    assert report.chunks_embedded == 1
    assert report.chunks_reused == len(assistant.snapshot().chunks["recyclerie-2024"]) - 1
    assert report.sentences_embedded == 1
    assert embedder.texts_embedded - before == 2
    answer = answered(assistant, QUESTION, "230 tonnes")
    assert answer.citations[0].source_id == "recyclerie-2024"
