"""A file dropped in without a sources.toml entry gets its title, publisher and dates
from what it holds (OpenGraph, JSON-LD, <meta>, front matter, Word and PDF properties),
says where the publisher came from, and its citations show them; sources.toml wins."""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from pathlib import Path

from assistant.answers import Citation
from assistant.cli.terminal import answer_as_text
from assistant.documents import SourceMeta
from assistant.ingest.source_folder import load_corpus


def _body(topic: str = "réparation") -> str:
    # Each file of a folder its own text: the same text twice is indexed once.
    return (
        f"<p>La ressourcerie ouvre un second atelier de {topic} à Buxerolles, ouvert à "
        "tous les habitants du quartier le mercredi et le samedi.</p>"
    )


BODY = _body()
MTIME = 1_600_000_000  # 2020-09-13: a file's write time, never a stated date


def _metas(folder: Path, files: dict[str, str | bytes]) -> dict[str, SourceMeta]:
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        os.utime(path, (MTIME, MTIME))
    return {d.meta.file: d.meta for d in load_corpus(folder).documents}


def _page(head: str, body: str = BODY) -> str:
    return f'<!DOCTYPE html><html lang="fr"><head>{head}</head><body>{body}</body></html>'


# --- web pages ----------------------------------------------------------------------------


def test_opengraph_gives_title_publisher_and_update(tmp_path: Path) -> None:
    meta = _metas(
        tmp_path,
        {
            "og.html": _page(
                "<title>Un second atelier à Buxerolles – Ressourcerie du Poitou</title>"
                '<meta property="og:title" content="Un second atelier à Buxerolles">'
                '<meta property="og:site_name" content="Ressourcerie du Poitou">'
                '<meta property="article:published_time" content="2024-10-03T09:00:00+02:00">'
                '<meta property="article:modified_time" content="2024-11-20T10:00:00+01:00">'
            )
        },
    )["og.html"]
    assert meta.title == "Un second atelier à Buxerolles"
    assert (meta.publisher, meta.publisher_source) == ("Ressourcerie du Poitou", "page metadata")
    assert (meta.date, meta.updated, meta.date_source) == (
        "2024-10-03",
        "2024-11-20",
        "page metadata",
    )


def test_json_ld_graph_gives_headline_publisher_and_date_modified(tmp_path: Path) -> None:
    # As WordPress SEO plugins write it: the publisher is a reference into the graph.
    graph = (
        '{"@context": "https://schema.org", "@graph": ['
        '{"@type": "Article", "headline": "Le fonds ESS ouvre en juin",'
        ' "publisher": {"@id": "https://ex.org/#org"}, "dateModified": "2024-05-02"},'
        '{"@type": "Organization", "@id": "https://ex.org/#org", "name": "Grand Poitiers"}]}'
    )
    meta = _metas(
        tmp_path,
        {
            "ld.html": _page(
                "<title>Le fonds ESS ouvre en juin | Grand Poitiers</title>"
                f'<script type="application/ld+json">{graph}</script>'
            )
        },
    )["ld.html"]
    assert meta.title == "Le fonds ESS ouvre en juin"
    assert (meta.publisher, meta.publisher_source) == ("Grand Poitiers", "page metadata")
    # No publication date stated: the modification date is the one shown, not the write time.
    assert (meta.date, meta.updated, meta.date_source) == ("", "2024-05-02", "page metadata")


def test_an_organization_as_author_is_the_publisher(tmp_path: Path) -> None:
    block = '{"@type": "NewsArticle", "author": {"@type": "Organization", "name": "RTES"}}'
    meta = _metas(
        tmp_path,
        {"org.html": _page(f'<script type="application/ld+json">{block}</script>')},
    )["org.html"]
    assert (meta.publisher, meta.author) == ("RTES", "RTES")


def test_the_title_loses_the_site_name_the_heading_does_not_have(tmp_path: Path) -> None:
    metas = _metas(
        tmp_path,
        {
            "h1.html": _page(
                "<title>La Filature, tiers-lieu solidaire – Poitiers</title>",
                f"<h1>La Filature, tiers-lieu solidaire</h1>{BODY}",
            ),
            "app.html": _page(
                "<title>Ville de Poitiers · Le marché solidaire</title>"
                '<meta name="application-name" content="Ville de Poitiers">',
                _body("couture"),
            ),
            "colon.html": _page("<title>Recyclerie : horaires - dépôts</title>", _body("vélo")),
        },
    )
    assert metas["h1.html"].title == "La Filature, tiers-lieu solidaire"
    assert (metas["app.html"].title, metas["app.html"].publisher) == (
        "Le marché solidaire",
        "Ville de Poitiers",
    )
    assert metas["colon.html"].title == "Recyclerie : horaires - dépôts"  # no site name known


def test_meta_publisher_before_site_name_and_author_as_last_resort(tmp_path: Path) -> None:
    metas = _metas(
        tmp_path,
        {
            "pub.html": _page(
                '<meta name="publisher" content="Chambre régionale de l\'ESS">'
                '<meta property="og:site_name" content="CRESS Nouvelle-Aquitaine">'
                '<meta property="article:publisher" content="https://facebook.com/cress">'
            ),
            "author.html": _page('<meta name="author" content="Anne Roy">', _body("vélo")),
        },
    )
    assert metas["pub.html"].publisher == "Chambre régionale de l'ESS"
    assert (metas["author.html"].publisher, metas["author.html"].publisher_source) == (
        "Anne Roy",
        "page metadata (author)",
    )


# --- Markdown, Word, PDF ------------------------------------------------------------------


def test_front_matter_publisher_and_update(tmp_path: Path) -> None:
    metas = _metas(
        tmp_path,
        {
            "note.md": (
                "---\ntitle: Note sur le fonds\nauthor: Camille Roussel\n"
                "publisher: Grand Poitiers\ndate: 2023-05-02\nlastmod: 2024-01-15\n---\n\n"
                "Le fonds d'amorçage ouvre en juin.\n"
            ),
            "site.md": (
                "---\nsource: https://www.grandpoitiers.fr/ess\nsite: RTES\n---\n\n"
                "# Panorama\n\nLe panorama de l'ESS.\n"
            ),
            "author.md": "---\nauthor: Camille Roussel\n---\n\nUne note signée.\n",
        },
    )
    note = metas["note.md"]
    assert (note.title, note.publisher, note.publisher_source) == (
        "Note sur le fonds",
        "Grand Poitiers",
        "front matter",
    )
    assert (note.date, note.updated, note.date_source) == (
        "2023-05-02",
        "2024-01-15",
        "front matter",
    )
    assert (metas["site.md"].title, metas["site.md"].publisher) == ("Panorama", "RTES")
    assert metas["author.md"].publisher_source == "front matter (author)"


def _docx(*, company: str, author: str, title: str = "", members: int = 40) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Direction de l'économie")
    document.add_heading("Rapport annuel du réseau", level=1)
    document.add_paragraph(f"Le réseau rassemble {members} coopératives du territoire.")
    props = document.core_properties
    props.title, props.author = title, author
    props.created = datetime.datetime(2024, 3, 1, 9, 0)
    props.modified = datetime.datetime(2024, 6, 1, 12, 0)
    buffer = io.BytesIO()
    document.save(buffer)
    # python-docx has no API for docProps/app.xml, where Word keeps the company.
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "docProps/app.xml":
                data = data.replace(b"<Company/>", f"<Company>{company}</Company>".encode())
            target.writestr(item, data)
    return out.getvalue()


def test_word_company_first_heading_and_modified_date(tmp_path: Path) -> None:
    metas = _metas(
        tmp_path,
        {
            "rapport.docx": _docx(company="Grand Poitiers &amp; Co", author="jdupont"),
            "auteur.docx": _docx(company="", author="Camille Roussel", title="Bilan", members=9),
            "defaut.docx": _docx(company="Hewlett-Packard", author="python-docx", members=7),
        },
    )
    rapport = metas["rapport.docx"]
    assert rapport.title == "Rapport annuel du réseau"
    assert (rapport.publisher, rapport.publisher_source) == (
        "Grand Poitiers & Co",
        "document properties",
    )
    assert (rapport.date, rapport.updated) == ("2024-03-01", "2024-06-01")
    assert (metas["auteur.docx"].title, metas["auteur.docx"].publisher) == (
        "Bilan",
        "Camille Roussel",
    )
    # A computer maker's name and the library's default author say nothing of the source.
    assert metas["defaut.docx"].publisher == ""


def _pdf(info: dict[str, str], what: str = "les structures") -> bytes:
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF()
    pdf.set_creation_date(datetime.datetime(2024, 3, 15, 10, 30, tzinfo=datetime.UTC))
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, f"Guide de l'ESS\n\nLe guide recense {what} du territoire.")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_company_mod_date_and_word_export_title(tmp_path: Path) -> None:
    metas = _metas(
        tmp_path,
        {
            "guide.pdf": _pdf(
                {
                    "/Title": "Microsoft Word - guide_ess_v3.docx",
                    "/Author": "Jane Doe",
                    "/Company": "CRESS Nouvelle-Aquitaine",
                    "/Producer": "Microsoft® Word pour Microsoft 365",
                    "/ModDate": "D:20240920113000+02'00'",
                }
            ),
            "auteur.pdf": _pdf(
                {"/Author": "Jane Doe", "/Producer": "Acrobat Distiller"}, "les tiers-lieux"
            ),
        },
    )
    guide = metas["guide.pdf"]
    assert guide.title == "Guide de l'ESS"  # the text's first line, not the file name
    assert (guide.publisher, guide.publisher_source) == (
        "CRESS Nouvelle-Aquitaine",
        "PDF information",
    )
    assert (guide.date, guide.updated, guide.date_source) == (
        "2024-03-15",
        "2024-09-20",
        "PDF information",
    )
    assert (metas["auteur.pdf"].publisher, metas["auteur.pdf"].publisher_source) == (
        "Jane Doe",
        "PDF information (author)",
    )


# --- dates, precedence, citations ---------------------------------------------------------


def test_updated_is_never_the_write_time_when_the_document_is_dated(tmp_path: Path) -> None:
    metas = _metas(
        tmp_path,
        {
            "line.txt": "Fonds ESS\n\nPublié le 3 octobre 2024\n\nLe fonds ouvre en juin.\n",
            "both.txt": (
                "Fonds ESS\n\nPublié le 3 octobre 2024 - mis à jour le 5 novembre 2024\n\n"
                "Le fonds ouvre en juin.\n"
            ),
            "page.html": _page('<meta property="article:published_time" content="2024-10-03">'),
        },
    )
    assert (metas["line.txt"].date, metas["line.txt"].updated) == ("2024-10-03", "")
    assert (metas["both.txt"].date, metas["both.txt"].updated) == ("2024-10-03", "2024-11-05")
    assert (metas["page.html"].date, metas["page.html"].updated) == ("2024-10-03", "")


def test_the_manifest_wins_over_what_the_page_says(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(
        '[[document]]\nid = "og"\nfile = "og.html"\ntitle = "Titre choisi"\n'
        'publisher = "Grand Poitiers"\n',
        encoding="utf-8",
    )
    meta = _metas(
        tmp_path,
        {
            "og.html": _page(
                '<meta property="og:title" content="Titre de la page">'
                '<meta property="og:site_name" content="Un autre site">'
            )
        },
    )["og.html"]
    assert (meta.title, meta.publisher, meta.publisher_source) == (
        "Titre choisi",
        "Grand Poitiers",
        "sources.toml",
    )


def test_citations_show_the_publisher_found(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    path = tmp_path / "src" / "og.html"
    path.write_text(_page('<meta property="og:site_name" content="Ressourcerie du Poitou">'))
    doc = load_corpus(tmp_path / "src").documents[0]
    citation = Citation.quoting(1, doc, 0, 20, 1.0)
    assert citation.to_dict()["publisher"] == "Ressourcerie du Poitou"

    from assistant.answers import Answer
    from assistant.serve.web_html import citation_card

    assert "Ressourcerie du Poitou" in answer_as_text(Answer("R [1]", citations=[citation]))
    assert "Ressourcerie du Poitou" in citation_card(citation.to_dict(), 0, None, "fr")
