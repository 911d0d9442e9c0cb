"""The index contract, the same cases over embedded Chroma and a real Chroma server."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.errors import IndexLockedError
from assistant.index.snapshot import read_current
from assistant.settings import ChromaSettings, Settings

pytestmark = pytest.mark.slow


@pytest.fixture(params=["embedded", "server"])
def backend(request: pytest.FixtureRequest) -> ChromaSettings:
    if request.param == "embedded":
        return ChromaSettings()
    server: ChromaSettings = request.getfixturevalue("chroma_server")
    # A prefix per test keeps tests sharing one server apart.
    return server.model_copy(update={"collection": f"t{uuid.uuid4().hex[:12]}"})


@pytest.fixture
def assistant_for(
    make_settings: Callable[..., Settings], embedder: Embedder, backend: ChromaSettings
) -> Callable[[Path], Assistant]:
    def make(sources: Path) -> Assistant:
        return Assistant(make_settings(sources, chroma=backend), embedder=embedder)

    return make


def _stored_ids(assistant: Assistant) -> set[str]:
    generation = read_current(assistant.settings.index_dir)
    assert generation is not None
    return assistant.store.open(generation).ids()


def test_build_indexes_every_document(
    corpus: Path, assistant_for: Callable[[Path], Assistant]
) -> None:
    assistant = assistant_for(corpus)
    report = assistant.build_index(progress=False)
    assert report.documents == 5
    assert report.added == 5 and report.updated == 0 and report.removed == 0
    assert report.skipped == []
    assert report.chunks == report.chunks_embedded > 5
    snapshot = assistant.snapshot()
    assert {d.id for d in snapshot.documents} == {
        "tiers-lieux-poitiers-2022-fr",
        "tiers-lieux-poitiers-2022-en",
        "rtes-grand-poitiers",
        "rtes-maison-ess-niort",
        "grand-poitiers-ess",
    }
    assert _stored_ids(assistant) == set(snapshot.chunk_by_id)


def test_chunk_offsets_point_at_their_text(
    corpus: Path, assistant_for: Callable[[Path], Assistant]
) -> None:
    assistant = assistant_for(corpus)
    assistant.build_index(progress=False)
    snapshot = assistant.snapshot()
    for doc in snapshot.documents:
        chunks = snapshot.chunks[doc.id]
        assert chunks, doc.id
        for chunk in chunks:
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
            for start, end in chunk.sentences:
                assert chunk.start <= start < end <= chunk.end
                assert doc.text[start:end] == doc.text[start:end].strip()
        # chunks follow each other without overlap
        for before, after in itertools.pairwise(chunks):
            assert before.end <= after.start
    fr = snapshot.by_id["rtes-maison-ess-niort"]
    sentence = "Benoît Hamon était à Niort le 28 mars dernier"
    start = fr.text.index(sentence)
    holder = [c for c in snapshot.chunks[fr.id] if c.start <= start < c.end]
    assert len(holder) == 1
    assert any(a <= start < b for a, b in holder[0].sentences)


def test_dense_query_finds_the_right_document(
    corpus: Path, assistant_for: Callable[[Path], Assistant], embedder: Embedder
) -> None:
    assistant = assistant_for(corpus)
    assistant.build_index(progress=False)
    generation = read_current(assistant.settings.index_dir)
    assert generation is not None
    collection = assistant.store.open(generation)
    hits = collection.query(embedder.embed_query("first stone of the Maison de l'ESS in Niort"), 3)
    snapshot = assistant.snapshot()
    assert snapshot.chunk_by_id[hits[0].id].doc_id == "rtes-maison-ess-niort"
    assert hits[0].score > hits[-1].score - 1e-6


def test_rebuild_without_changes_embeds_nothing(
    corpus: Path, assistant_for: Callable[[Path], Assistant], embedder: Embedder
) -> None:
    assistant = assistant_for(corpus)
    first = assistant.build_index(progress=False)
    before = embedder.texts_embedded
    second = assistant.build_index(progress=False)
    assert embedder.texts_embedded == before
    assert second.chunks_embedded == 0 and second.sentences_embedded == 0
    assert not second.changed
    assert second.generation == first.generation
    assert (second.added, second.updated, second.removed) == (0, 0, 0)


def test_changed_file_reembeds_only_its_own_chunks(
    corpus: Path, assistant_for: Callable[[Path], Assistant], embedder: Embedder
) -> None:
    assistant = assistant_for(corpus)
    assistant.build_index(progress=False)
    old = assistant.snapshot()
    niort = corpus / "rtes-maison-ess-niort.txt"
    niort.write_text(
        niort.read_text(encoding="utf-8")
        + "\n\nLa Maison de l'ESS de Niort a ouvert ses portes au public en 2014.\n",
        encoding="utf-8",
    )
    before = embedder.texts_embedded
    report = assistant.build_index(progress=False)
    new = assistant.snapshot()
    embedded = embedder.texts_embedded - before
    new_niort = {c.id for c in new.chunks["rtes-maison-ess-niort"]}
    old_niort = {c.id for c in old.chunks["rtes-maison-ess-niort"]}
    assert report.updated_ids == ["rtes-maison-ess-niort"]
    assert 1 <= report.chunks_embedded == len(new_niort - old_niort)
    new_sentences = [
        (c, n) for c in new_niort - old_niort for n in range(len(new.chunk_by_id[c].sentences))
    ]
    indexed = {old.sentence_text(key) for key in old.sentence_keys}
    unseen = sum(new.sentence_text(key) not in indexed for key in new_sentences)
    # One model pass per new chunk; its sentence vectors come from that same pass (pooled,
    # sentence-transformers) or, where each sentence is embedded alone (the e5 backends),
    # from one pass per sentence whose text is not indexed yet (the others keep theirs).
    assert (report.sentences_embedded, report.sentences_alone) in {
        (len(new_sentences), 0),
        (unseen, unseen),
    }
    assert embedded == report.chunks_embedded + report.sentences_alone
    for doc_id in old.chunks:
        if doc_id != "rtes-maison-ess-niort":
            assert [c.id for c in new.chunks[doc_id]] == [c.id for c in old.chunks[doc_id]]
    assert _stored_ids(assistant) == set(new.chunk_by_id)
    assert "ouvert ses portes au public en 2014" in new.by_id["rtes-maison-ess-niort"].text


def test_deleted_file_disappears(
    corpus: Path, assistant_for: Callable[[Path], Assistant], embedder: Embedder
) -> None:
    assistant = assistant_for(corpus)
    assistant.build_index(progress=False)
    gone = {c.id for c in assistant.snapshot().chunks["rtes-maison-ess-niort"]}
    (corpus / "rtes-maison-ess-niort.txt").unlink()
    before = embedder.texts_embedded
    report = assistant.build_index(progress=False)
    assert embedder.texts_embedded == before
    assert report.removed_ids == ["rtes-maison-ess-niort"]
    assert report.chunks_removed == len(gone)
    assert not gone & _stored_ids(assistant)
    assert "rtes-maison-ess-niort" not in assistant.snapshot().by_id
    assert any("rtes-maison-ess-niort" in s.reason for s in report.skipped)  # manifest entry


def test_new_file_without_manifest_entry_is_indexed(
    corpus: Path, assistant_for: Callable[[Path], Assistant]
) -> None:
    assistant = assistant_for(corpus)
    assistant.build_index(progress=False)
    (corpus / "notes").mkdir()
    (corpus / "notes" / "Compte rendu atelier.md").write_text(
        "# Atelier des monnaies locales\n\nLe Pois Réel circule à Poitiers depuis 2017. "
        "Il est accepté par une centaine de commerces.\n",
        encoding="utf-8",
    )
    report = assistant.build_index(progress=False)
    assert report.added_ids == ["notes-compte-rendu-atelier"]
    doc = assistant.snapshot().by_id["notes-compte-rendu-atelier"]
    assert doc.meta.title == "Atelier des monnaies locales"
    assert doc.meta.language == "fr"
    assert not doc.meta.from_manifest
    assert "centaine de commerces" in doc.text


def test_second_build_is_refused_while_one_runs(
    corpus: Path, make_settings: Callable[..., Settings], embedder: Embedder
) -> None:
    settings = make_settings(corpus)
    settings.index_dir.mkdir(parents=True)
    with (
        FileLock(str(settings.index_dir / ".build.lock")),
        pytest.raises(IndexLockedError, match="another build is running"),
    ):
        Assistant(settings, embedder=embedder).build_index(progress=False)


def test_incremental_keyword_index_matches_a_full_build(
    corpus: Path,
    make_settings: Callable[..., Settings],
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.index import builder as indexer
    from assistant.index.builder import keyword_index
    from assistant.text.analysis import query_terms

    assistant = Assistant(make_settings(corpus), embedder=embedder)
    assistant.build_index(progress=False)
    old = assistant.snapshot()
    analysed: list[str] = []

    def counting_terms(text: str, language: str) -> list[str]:
        analysed.append(text)
        return indexer_terms(text, language)

    indexer_terms = indexer.terms
    monkeypatch.setattr(indexer, "terms", counting_terms)
    niort = corpus / "rtes-maison-ess-niort.txt"
    niort.write_text(
        niort.read_text(encoding="utf-8") + "\n\nUne recyclerie solidaire ouvre à Niort.\n",
        encoding="utf-8",
    )
    (corpus / "grand-poitiers-economie-sociale-solidaire.txt").unlink()
    assistant.build_index(progress=False)
    served = assistant.serving()
    new_chunks = [c for c in served.snapshot.all_chunks if c.id not in old.chunk_by_id]
    assert 0 < len(analysed) == len(new_chunks)  # unchanged chunks kept their counts
    scratch, _ = keyword_index(served.snapshot)  # every chunk analysed again
    assert served.keyword.weights.shape[0] == len(served.snapshot.all_chunks)
    assert set(served.keyword.vocabulary) == set(scratch.vocabulary)  # unused terms dropped
    for question in ("recyclerie solidaire Niort", "Maison de l'ESS", "économie sociale"):
        terms = query_terms(question)
        assert served.keyword.scores(terms) == pytest.approx(scratch.scores(terms), rel=1e-5)
    assert served.keyword.scores(query_terms("recyclerie")).max() > 0
