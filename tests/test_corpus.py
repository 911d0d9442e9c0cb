"""Reading a sources folder: manifest, derived metadata, every kind of bad file skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fpdf import FPDF

from assistant.errors import ManifestError
from assistant.ingest.manifest import load_manifest
from assistant.ingest.source_folder import load_corpus, slugify


def _pdf(path: Path, text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    return path.read_bytes()


def _bad_files(folder: Path) -> dict[str, str]:
    """Write one file of each unreadable kind; returns name -> expected reason fragment."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "junk.txt").write_bytes(b"\x00\x01\x02\xff" * 300)
    pdf = _pdf(folder / "whole.pdf", "Un document PDF complet sur les tiers-lieux.")
    (folder / "whole.pdf").unlink()
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    # Not UTF-8, and no Western European encoding reads it as text.
    (folder / "undecidable.txt").write_bytes(bytes(range(0x80, 0x100)) * 4)
    (folder / "empty.md").write_bytes(b"")
    (folder / "blank.txt").write_text("   \n\n  ", encoding="utf-8")
    (folder / "random.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "table.xlsx").write_bytes(b"whatever")
    return {
        "junk.txt": "binary content",
        "truncated.pdf": "truncated PDF",
        "undecidable.txt": "nor Western European text",
        "empty.md": "empty file",
        "blank.txt": "no extractable text",
        "random.docx": "corrupt .docx",
        "table.xlsx": "unsupported format",
    }


def test_manifest_describes_the_five_documents() -> None:
    manifest = load_manifest(Path(__file__).resolve().parents[1] / "sources")
    assert len(manifest) == 5
    by_id = {meta.id: meta for meta in manifest.values()}
    english = by_id["tiers-lieux-poitiers-2022-en"]
    assert english.language == "en"
    assert english.translation_of == "tiers-lieux-poitiers-2022-fr"
    assert by_id["tiers-lieux-poitiers-2022-fr"].date == "2022-03-31"
    assert by_id["grand-poitiers-ess"].url == "https://www.grandpoitiers.fr/ess"
    for meta in manifest.values():
        assert meta.title and meta.publisher and meta.language in {"fr", "en"}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[[document]]\nid = 'a'\nfile = 'a.txt'\n", "'title' is required"),
        ("[[document]]\nid = 'a'\nfile = 'a.txt'\ntitle = 't'\ncolour = 'x'\n", "unknown field"),
        ("[[document]]\nid = 'A b'\nfile = 'a.txt'\ntitle = 't'\n", "must be lowercase"),
        ("[[document]]\nid = 'a'\nfile = '../a.txt'\ntitle = 't'\n", "inside the sources"),
        ("[[document]\nid = 'a'", "not valid TOML"),
    ],
)
def test_bad_manifest_names_the_problem(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "sources.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        load_manifest(tmp_path)


def test_unreadable_files_are_skipped_with_reasons(corpus: Path) -> None:
    expected = _bad_files(corpus / "bad")
    result = load_corpus(corpus)
    assert len(result.documents) == 5
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(reasons) == set(expected)
    for name, fragment in expected.items():
        assert fragment in reasons[name], (name, reasons[name])


def test_file_without_manifest_entry_gets_metadata_from_the_file(tmp_path: Path) -> None:
    _pdf(tmp_path / "Rapport annuel 2023.pdf", "The cooperative employs twelve people in Poitiers.")
    (tmp_path / "page.html").write_text(
        "<html><head><title>Le Baudet</title></head><body><p>Le Baudet est un supermarché "
        "coopératif à Poitiers.</p><script>alert('x')</script></body></html>",
        encoding="utf-8",
    )
    result = load_corpus(tmp_path)
    docs = {d.id: d for d in result.documents}
    assert set(docs) == {"rapport-annuel-2023", "page"}
    assert docs["page"].meta.title == "Le Baudet"
    assert docs["page"].meta.language == "fr"
    assert "alert" not in docs["page"].text
    assert docs["rapport-annuel-2023"].meta.language == "en"
    # fpdf writes a creation date: the PDF's own date, and no write time as "updated".
    report = docs["rapport-annuel-2023"].meta
    assert (report.date_source, bool(report.date), report.updated) == ("PDF information", True, "")


def test_unchanged_files_are_reused_not_cleaned_again(corpus: Path) -> None:
    first = load_corpus(corpus)
    previous = {d.meta.file: d for d in first.documents}
    second = load_corpus(corpus, previous=previous)
    assert all(a is b for a, b in zip(first.documents, second.documents, strict=True))


def test_slugify() -> None:
    assert slugify("Notes/Rapport 2023 (final)") == "notes-rapport-2023-final"
    assert slugify("Économie & Société") == "economie-societe"
    assert slugify("***") == "document"


@pytest.mark.slow
def test_cli_index_reports_skipped_files_and_indexes_the_rest(corpus: Path, tmp_path: Path) -> None:
    expected = _bad_files(corpus / "bad")
    index = tmp_path / "cli-index"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "index",
            "--quiet",
            "--json",
            "--sources",
            str(corpus),
            "--index",
            str(index),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["documents"] == 5 and report["chunks"] > 5
    assert {Path(s["path"]).name for s in report["skipped"]} == set(expected)
    for name in expected:
        assert f"skipped bad/{name}" in done.stderr  # a warning names each file


def test_cli_error_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "index", "--sources", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "sources folder not found" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_windows_1252_file_is_indexed_with_its_encoding_recorded(tmp_path: Path) -> None:
    text = "Jardins partagés de Saint-Éloi\n\nLes jardins accueillent 40 familles ; 12 € l'an."
    (tmp_path / "jardins.txt").write_bytes(text.encode("cp1252"))
    result = load_corpus(tmp_path)
    (document,) = result.documents
    assert "40 familles" in document.text and "Saint-Éloi" in document.meta.title
    assert document.meta.encoding == "cp1252"
    assert result.notes == ["jardins.txt: read as cp1252, not UTF-8"]
