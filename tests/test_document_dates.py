"""A file dropped in without a sources.toml entry gets its date from what it holds (page
metadata and JSON-LD, front matter, document properties, a dated line), and says where
it came from; the file's write time is the last resort and is labelled so."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.ingest.source_folder import load_corpus
from assistant.text.fact_lines import iso_date


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("3 octobre 2024", "2024-10-03"),
        ("1er mars 2023", "2023-03-01"),
        ("16/01/2019", "2019-01-16"),
        ("March 31, 2022", "2022-03-31"),
        ("2024-10-03", "2024-10-03"),
        ("31 trucmuche 2024", ""),
        ("45/13/2024", ""),
    ],
)
def test_dates_as_people_write_them(value: str, iso: str) -> None:
    assert iso_date(value) == iso


def _dates(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[str, str]]:
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        os.utime(tmp_path / name, (1_600_000_000, 1_600_000_000))  # 2020-09-13
    docs = load_corpus(tmp_path).documents
    return {d.meta.file: (d.meta.date or d.meta.updated, d.meta.date_source) for d in docs}


def test_each_date_says_where_it_was_found(tmp_path: Path) -> None:
    dates = _dates(
        tmp_path,
        {
            "ld.html": (
                '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
                '"datePublished": "2024-10-03", "author": {"name": "Anne Roy"}}</script>'
                "</head><body><p>La ressourcerie ouvre un second atelier de réparation à "
                "Buxerolles, ouvert à tous les habitants.</p></body></html>"
            ),
            "front.md": "---\ntitle: Note\ndate: 2023-05-02\n---\n\nLe texte de la note.\n",
            "line.txt": "Fonds ESS\n\nPublié le 3 octobre 2024\n\nLe fonds ouvre en juin.\n",
            "updated.txt": "Fonds ESS\n\nDernière mise à jour : 16/01/2019\n\nLe texte.\n",
            "plain.txt": "Un texte sans date aucune, ni ligne datée.\n",
        },
    )
    assert dates["ld.html"] == ("2024-10-03", "page metadata")
    assert dates["front.md"] == ("2023-05-02", "front matter")
    assert dates["line.txt"] == ("2024-10-03", "date line in the text")
    assert dates["updated.txt"] == ("2019-01-16", "date line in the text")
    assert dates["plain.txt"] == ("2020-09-13", "file modification time")


def test_a_manifest_date_is_the_manifest_s(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Publié le 3 octobre 2024\n\nTexte.\n", encoding="utf-8")
    (tmp_path / "sources.toml").write_text(
        '[[document]]\nid = "a"\nfile = "a.txt"\ntitle = "A"\ndate = "2024-10-01"\n',
        encoding="utf-8",
    )
    meta = load_corpus(tmp_path).documents[0].meta
    assert (meta.date, meta.date_source) == ("2024-10-01", "sources.toml")


def test_the_citation_and_the_chat_say_when_the_date_is_the_file_s() -> None:
    from assistant.serve.web_html import citation_card

    citation = {
        "n": 1, "source_id": "a", "title": "A", "url": "", "quote": "Texte.", "start": 0,
        "end": 6, "score": 1.0, "date": "2020-09-13", "date_source": "file modification time",
    }  # fmt: skip
    assert "date du fichier" in citation_card(citation, 1, None, "fr")
    citation["date_source"] = "front matter"
    assert "date du fichier" not in citation_card(citation, 1, None, "fr")
