"""Tests for assistant.ingest.loaders; every fixture file is generated in tmp_path."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import UnreadableFileError
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, iter_source_files, load_file

PDF_PAGES = [
    "The first page explains how solidarity cooperatives work in Poitiers.",
    "The second page lists the funding available to social enterprises.",
    "The third page gives the contact details of the network.",
]


def make_pdf(pages: list[str] = PDF_PAGES) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("ESS Guide")
    pdf.set_author("Jane Doe")
    pdf.set_creation_date(datetime.datetime(2024, 3, 15, 10, 30, tzinfo=datetime.UTC))
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def reason_of(path: Path, **kwargs: int) -> str:
    with pytest.raises(UnreadableFileError) as info:
        load_file(path, **kwargs)
    assert info.value.path == str(path)
    return info.value.reason


# --- readable formats ---------------------------------------------------------------------


def test_txt_is_returned_as_is(tmp_path: Path) -> None:
    text = "Première ligne.\n\nDeuxième paragraphe avec des accents : é, à, ç.\n"
    loaded = load_file(write(tmp_path, "note.TXT", text))
    assert loaded.text == text
    assert loaded.format == "txt"


@pytest.mark.parametrize(
    ("encoded", "label"),
    [
        ("\ufeffBonjour été".encode(), "utf-8 bom"),
        ("\ufeffBonjour été".encode("utf-16-le"), "utf-16-le bom"),
        ("\ufeffBonjour été".encode("utf-16-be"), "utf-16-be bom"),
    ],
)
def test_txt_accepts_boms(tmp_path: Path, encoded: bytes, label: str) -> None:
    assert load_file(write(tmp_path, "a.txt", encoded)).text == "Bonjour été", label


MARKDOWN = """---
title: "Guide de l'ESS"
author: Marie Curie
date: 2023-05-04
---

# Heading That Is Not The Title

Read the **official** guide at [Grand Poitiers](https://www.grandpoitiers.fr) and the
[other page](./other.md) for *more* details.

![A map of the city](map.png)

- first item
- second item

```python
x = "**not emphasis**"
```

| Name | City |
|------|------|
| Alpha | Poitiers |
"""


def test_markdown_strips_syntax_and_reads_front_matter(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "guide.md", MARKDOWN))
    assert (loaded.title, loaded.author, loaded.date, loaded.format) == (
        "Guide de l'ESS",
        "Marie Curie",
        "2023-05-04",
        "md",
    )
    text = loaded.text
    assert "---" not in text and "title:" not in text
    assert "Heading That Is Not The Title" in text and "#" not in text
    assert "Read the official guide at Grand Poitiers (https://www.grandpoitiers.fr)" in text
    assert "the\nother page for more details." in text
    assert "A map of the city" in text and "map.png" not in text
    assert "first item\nsecond item" in text
    assert 'x = "**not emphasis**"' in text and "```" not in text
    assert "Alpha | Poitiers" in text and "|---" not in text


def test_markdown_title_falls_back_to_first_h1(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "a.markdown", "Intro\n\n# The *Real* Title\n\nBody.\n"))
    assert loaded.title == "The Real Title"
    assert loaded.date == ""


HTML = """<!DOCTYPE html>
<html><head>
<title>Les  coopératives &amp; l'ESS</title>
<meta name="author" content="Paul Martin">
<meta property="article:published_time" content="2024-02-10T09:00:00+01:00">
<script>alert('x')</script>
</head>
<body>
<nav><a href="/">Home</a> <a href="/menu">Menu link</a></nav>
<header><h1>Main heading</h1></header>
<p>First paragraph with <b>bold</b> text
   spread over lines.</p>
<script>alert('x')</script>
<div>Second block&nbsp;here.<br>After the break.</div>
<ul><li>Item one</li><li>Item two</li></ul>
<table><tr><th>Name</th><th>Town</th></tr><tr><td>Alpha</td><td>Poitiers</td></tr></table>
<p hidden>Hidden text</p>
<!-- a comment -->
<footer>Footer legal notice</footer>
</body></html>
"""


def test_html_extracts_visible_text_only(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "page.html", HTML))
    assert (loaded.title, loaded.author, loaded.date, loaded.format) == (
        "Les coopératives & l'ESS",
        "Paul Martin",
        "2024-02-10",
        "html",
    )
    text = loaded.text
    assert "alert" not in text and "'x'" not in text
    for absent in ("Menu link", "Footer legal notice", "Hidden text", "a comment", "DOCTYPE"):
        assert absent not in text
    assert "Main heading\n\nFirst paragraph with bold text spread over lines." in text
    assert "Second block here.\n\nAfter the break." in text
    assert "Item one\nItem two" in text
    assert "Name | Town\nAlpha | Poitiers" in text


def test_html_title_from_h1_and_time_element(tmp_path: Path) -> None:
    page = '<h1>Only <i>heading</i></h1><p>Body <time datetime="2022-11-03">3 Nov</time></p>'
    loaded = load_file(write(tmp_path, "x.htm", page))
    assert (loaded.title, loaded.date) == ("Only heading", "2022-11-03")


def test_html_script_text_never_leaks_even_unclosed(tmp_path: Path) -> None:
    page = "<p>Visible</p><script>var secret = 'leak';</script><p>Also</p><script>open('x')"
    text = load_file(write(tmp_path, "s.html", page)).text
    assert "leak" not in text and "open(" not in text
    assert "Visible" in text and "Also" in text


def test_html_honours_declared_charset(tmp_path: Path) -> None:
    page = '<meta charset="windows-1252"><p>Caf\xe9 cr\xe8me</p>'.encode("cp1252")
    assert "Café crème" in load_file(write(tmp_path, "c.html", page)).text


def test_html_prefers_valid_utf8_over_a_wrong_declared_charset(tmp_path: Path) -> None:
    page = '<meta charset="iso-8859-1"><p>Café crème</p>'.encode()
    assert "Café crème" in load_file(write(tmp_path, "u.html", page)).text


def test_import_stays_light() -> None:
    code = (
        "import sys, assistant.ingest.loaders;"
        " print(sorted({'bs4', 'pypdf', 'docx'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_pdf_multi_page_text_and_metadata(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "guide.pdf", make_pdf()))
    assert (loaded.title, loaded.author, loaded.date, loaded.format) == (
        "ESS Guide",
        "Jane Doe",
        "2024-03-15",
        "pdf",
    )
    flat = [" ".join(page.split()) for page in loaded.text.split("\n\n")]
    assert flat == PDF_PAGES


def test_pdf_with_empty_user_password_is_decrypted(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "open.pdf", encrypted_pdf("")))
    assert PDF_PAGES[1] in " ".join(loaded.text.split())


def test_docx_paragraphs_table_and_core_properties(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Annual report", level=1)
    document.add_paragraph("The network gathers forty cooperatives.")
    table = document.add_table(rows=2, cols=2)
    for row, values in zip(table.rows, (("Name", "Members"), ("Alpha", "12")), strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("Closing paragraph after the table.")
    document.core_properties.title = "Report 2024"
    document.core_properties.author = "ESS Network"
    document.core_properties.created = datetime.datetime(2024, 6, 1, 12, 0)
    path = tmp_path / "report.docx"
    document.save(str(path))

    loaded = load_file(path)
    assert (loaded.title, loaded.author, loaded.date, loaded.format) == (
        "Report 2024",
        "ESS Network",
        "2024-06-01",
        "docx",
    )
    assert loaded.text == (
        "Annual report\n\nThe network gathers forty cooperatives.\n\n"
        "Name | Members\nAlpha | 12\n\nClosing paragraph after the table."
    )


# --- unreadable files ---------------------------------------------------------------------


def test_binary_junk_named_txt(tmp_path: Path) -> None:
    junk = b"\x00\x01\x02" + os.urandom(4096) + b"\x00" * 16
    assert reason_of(write(tmp_path, "junk.txt", junk)) == "binary content, not text"


def test_control_characters_count_as_binary(tmp_path: Path) -> None:
    data = bytes(range(1, 9)) * 100 + b"some text"
    assert "binary content" in reason_of(write(tmp_path, "ctl.md", data))


def test_undecidable_text_names_byte_and_offset(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.txt", b"ok " + bytes(range(0x80, 0x100)) * 4)
    assert reason_of(path) == (
        "not valid UTF-8 (invalid byte 0x80 at offset 3) nor Western European text; "
        "save the file as UTF-8"
    )


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Café au lait, 12 € le kilo : l’épicerie « solidaire ».", "cp1252"),
        ("Économie sociale à Poitiers, œuvre commune.", "cp1252"),
        ("Café crème à la Maison de l'ESS.", "mac_roman"),
    ],
)
def test_text_from_windows_and_mac_editors_is_read_and_its_encoding_recorded(
    tmp_path: Path, text: str, encoding: str
) -> None:
    loaded = load_file(write(tmp_path, "note.txt", text.encode(encoding)))
    assert loaded.text == text
    assert loaded.encoding == encoding
    markdown = load_file(write(tmp_path, "note.md", f"# Note\n\n{text}\n".encode(encoding)))
    assert text in markdown.text and markdown.encoding == encoding


def test_truncated_pdf(tmp_path: Path) -> None:
    data = make_pdf()
    assert "corrupt or truncated PDF" in reason_of(
        write(tmp_path, "cut.pdf", data[: len(data) // 2])
    )


def test_pdf_name_on_non_pdf_bytes(tmp_path: Path) -> None:
    assert "corrupt or truncated PDF" in reason_of(write(tmp_path, "fake.pdf", b"hello %%EOF"))


def test_password_protected_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.pdf", encrypted_pdf("secret"))
    assert reason_of(path) == "encrypted PDF (password protected)"


def test_pdf_without_text(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)  # drawing only, like a scanned page
    reason = reason_of(write(tmp_path, "scan.pdf", bytes(pdf.output())))
    assert reason.startswith("no extractable text") and "scanned PDF" in reason


def test_empty_file(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "empty.md", b"")) == "empty file"


def test_whitespace_only_file(tmp_path: Path) -> None:
    assert "no extractable text" in reason_of(write(tmp_path, "blank.txt", " \n\t\n  "))


def test_html_without_visible_text(tmp_path: Path) -> None:
    page = "<html><head><title>T</title></head><body><script>x()</script></body></html>"
    assert "no extractable text" in reason_of(write(tmp_path, "e.html", page))


def test_docx_made_of_random_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.docx", os.urandom(2048))
    assert reason_of(path) == "corrupt .docx: not a valid Word file"


def test_docx_that_is_a_zip_but_not_word(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "zip.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert reason_of(path) == "corrupt .docx: not a valid Word file"


def test_unsupported_suffix(tmp_path: Path) -> None:
    reason = reason_of(write(tmp_path, "data.xyz", "text"))
    assert reason.startswith("unsupported format '.xyz'; supported: .docx, .htm, .html")
    assert all(suffix in reason for suffix in SUPPORTED_SUFFIXES)


def test_file_over_max_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "x" * 300)
    assert reason_of(path, max_bytes=100) == (
        "file is 300 bytes, over the 100 bytes limit (setting max_file_mb)"
    )


def test_size_reason_in_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse file: no 3 MB actually written
        handle.truncate(int(3.2 * 1024 * 1024))
    reason = reason_of(path, max_bytes=2 * 1024 * 1024)
    assert reason == "file is 3.2 MB, over the 2 MB limit (setting max_file_mb)"


def test_missing_file(tmp_path: Path) -> None:
    assert "cannot open the file" in reason_of(tmp_path / "gone.txt")


def test_output_never_contains_nul(tmp_path: Path) -> None:
    text = "A\x00B".encode("utf-16")  # NUL survives decoding but is a control char, not text
    with pytest.raises(UnreadableFileError):
        load_file(write(tmp_path, "n.txt", text))
    loaded = load_file(write(tmp_path, "ok.txt", ("word " * 500).encode("utf-16")))
    assert "\x00" not in loaded.text


# --- iter_source_files --------------------------------------------------------------------


def test_iter_source_files_filters_and_sorts(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    outside = write(tmp_path, "secret.txt", "outside the sources directory")
    for name in (
        "b.txt",
        "a.pdf",
        "notes.xyz",
        "sub/c.md",
        "sub/.hidden.txt",
        ".git/config",
        "sources.toml",
        "README.md",
        "sub/readme.txt",
        "~$lock.docx",
    ):
        write(root, name, "x")
    (root / "link_out.txt").symlink_to(outside)
    (root / "link_in.txt").symlink_to(root / "b.txt")
    (root / "dir_out").symlink_to(tmp_path, target_is_directory=True)

    found = [path.relative_to(root).as_posix() for path in iter_source_files(root)]
    assert found == ["a.pdf", "b.txt", "link_in.txt", "notes.xyz", "sub/c.md"]


# What a CommonMark parser reads right and regular expressions did not (measured on the
# README: images whose text holds brackets, tags inside code spans, reference links).
COMMONMARK = """Intro paragraph with a [reference link][rtes] and `<token>` in code.

![The chat: markers [1] [2] link to passages](docs/chat.png)

Setext Title
============

1. Adhérer à la coopérative
2. Payer sa part sociale &amp; voter

- [x] done task
- [ ] open task

Escaped \\*stars\\* and ***nested** emphasis* stay text.

    indented code *kept*

[rtes]: https://www.rtes.fr
"""


def test_markdown_is_read_as_commonmark(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "c.md", COMMONMARK))
    text = loaded.text
    assert "reference link (https://www.rtes.fr)" in text and "[rtes]:" not in text
    assert "`" not in text and "<token> in code" in text
    assert "The chat: markers [1] [2] link to passages" in text and "chat.png" not in text
    assert "Setext Title" in text and "====" not in text
    assert "1. Adhérer à la coopérative\n2. Payer sa part sociale & voter" in text
    assert "done task\nopen task" in text and "[x]" not in text
    assert "Escaped *stars* and nested emphasis stay text." in text
    assert "indented code *kept*" in text
