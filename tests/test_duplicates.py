"""The same text saved twice (a copy in archives/) is indexed once: answers, leads and the
LangChain retriever never spend two places on it, and the citation names the other copy
(field case 06; documents in tests/data/duplicates/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.embeddings import Embedder
from assistant.ingest.source_folder import load_corpus
from assistant.integrations.langchain_adapters import as_retriever
from tests.conftest import answered, indexed

DUPLICATES = Path(__file__).parent / "data" / "duplicates"
COPY = "archives/fonds-amorcage-ess (copie).txt"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    root = tmp_path_factory.mktemp("duplicates")
    shutil.copytree(DUPLICATES, root / "sources")
    return indexed(root / "sources", root, embedder)


def test_a_text_saved_twice_is_loaded_once_and_names_its_copy() -> None:
    corpus = load_corpus(DUPLICATES)
    files = sorted(d.meta.file for d in corpus.documents)
    assert files == ["fonds-amorcage-ess.txt", "pret-honneur.txt"]  # not the archived copy
    kept = next(d for d in corpus.documents if d.meta.file == "fonds-amorcage-ess.txt")
    assert kept.meta.copies == (COPY,)
    assert corpus.notes == [f"{COPY}: same text as fonds-amorcage-ess.txt, indexed once with it"]


def test_the_copy_with_a_manifest_entry_is_the_one_cited(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(DUPLICATES, sources)
    (sources / "sources.toml").write_text(
        f'[[document]]\nid = "fonds-2024"\nfile = "{COPY}"\ntitle = "Fonds d\'amorçage"\n'
        'publisher = "Grand Poitiers"\n',
        encoding="utf-8",
    )
    corpus = load_corpus(sources)
    kept = next(d for d in corpus.documents if d.meta.copies)
    assert (kept.meta.id, kept.meta.copies) == ("fonds-2024", ("fonds-amorcage-ess.txt",))


@pytest.mark.slow
def test_answers_and_retrieval_spend_one_place_on_one_text(assistant: Assistant) -> None:
    answer = answered(
        assistant, "Quel est le montant du fonds d'amorçage ESS de Grand Poitiers ?", "300 000"
    )
    quotes = [c.quote for c in answer.citations]
    assert len(quotes) == len(set(quotes))
    assert answer.citations[0].copies == (COPY,)
    docs = as_retriever(assistant, k=4).invoke(
        "montant des aides financières pour les structures solidaires"
    )
    texts = [d.page_content for d in docs]
    assert len(texts) == len(set(texts))
    assert any(d.metadata.get("source_id") == "pret-honneur" for d in docs)
    leads = assistant.ask("Quelle est l'adresse postale pour envoyer un dossier au fonds ?")
    quotes = [c.quote for c in leads.citations]
    assert len(quotes) == len(set(quotes))


@pytest.mark.slow
def test_the_build_report_says_which_copy_was_indexed_once(
    tmp_path: Path, embedder: Embedder
) -> None:
    from assistant.settings import Settings

    shutil.copytree(DUPLICATES, tmp_path / "sources")
    assistant = Assistant(
        Settings(sources_dir=tmp_path / "sources", index_dir=tmp_path / "index"), embedder=embedder
    )
    report = assistant.build_index(progress=False)
    assert f"note: {COPY}: same text as fonds-amorcage-ess.txt" in report.summary()
