"""HTML and Markdown of the chat: escaping, marker links, passages in their paragraph."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from assistant.documents import Document, SourceMeta
from assistant.index.snapshot import Snapshot
from assistant.serve.web_html import (
    answer_highlights,
    answer_markdown,
    citations_panel,
    document_page,
    escape_markdown,
    passage_context,
    sources_view,
)

TEXT = "Titre\n\nPremière phrase. <b>Deuxième</b> phrase citée. Troisième.\n\nAutre paragraphe."


def _snapshot() -> Snapshot:
    meta = SourceMeta(id="doc", file="doc.txt", title="Un <titre>", publisher="P & Co")
    doc = Document(meta=meta, text=TEXT, sha256="x")
    return Snapshot(generation="g1", fingerprint={}, documents=[doc], chunks={"doc": []})


def _citation(n: int = 1) -> dict[str, object]:
    start = TEXT.index("<b>")
    end = TEXT.index("Troisième") - 1
    return {
        "n": n,
        "source_id": "doc",
        "title": "Un <titre>",
        "url": "javascript:alert(1)",
        "quote": TEXT[start:end],
        "start": start,
        "end": end,
        "publisher": "P & Co",
        "date": "2024-01-02",
        "language": "fr",
    }


def test_markers_become_links_and_the_rest_stays_text() -> None:
    md = answer_markdown("Un *gras* <script>x</script> [link](http://e.vil) [2]", turn=3)
    assert "[\\[2\\]](#cite-3-2)" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\*gras\\*" in md and "\\[link\\]\\(http://e.vil\\)" in md


def test_addresses_keep_their_dots_and_hyphens_and_list_starts_stay_text() -> None:
    # Issue 17: "alterbative\\.fr" and "consortium\\-culture\\.coop" showed in the chat.
    md = escape_markdown("Voir www.alterbative.fr et consortium-culture.coop (-5 %).")
    assert "www.alterbative.fr" in md and "consortium-culture.coop" in md and "-5" in md
    lines = escape_markdown("- puce\n+ plus\n12. douze\nTitre\n===\n---").splitlines()
    assert lines == ["\\- puce", "\\+ plus", "12\\. douze", "Titre", "\\===", "\\---"]


@given(st.text())
def test_escaped_markdown_has_no_raw_markup(raw: str) -> None:
    escaped = escape_markdown(raw)
    assert "<" not in escaped and ">" not in escaped
    # every Markdown special character is preceded by a backslash
    assert not re.search(r"(?<!\\)[*_`\[\]()#!|~$]", escaped.replace("\\\\", ""))


def test_passage_is_highlighted_inside_its_paragraph() -> None:
    before, quote, after = passage_context(TEXT, TEXT.index("<b>"), TEXT.index(" Troisième"))
    assert before == "Première phrase. " and after == " Troisième."
    assert quote == "<b>Deuxième</b> phrase citée."


def test_long_paragraphs_are_trimmed_at_word_boundaries() -> None:
    words = " ".join(f"mot{i}" for i in range(1000))
    start = words.index("mot500")
    before, _quote, after = passage_context(words, start, start + 6)
    assert before.startswith("…mot") and after.endswith("…") and len(before) < 620


def test_panel_escapes_source_text_and_drops_unsafe_links() -> None:
    turns = [{"question": "Q <i>?</i>", "answer": {"citations": [_citation()], "abstained": True}}]
    html = citations_panel(turns, _snapshot(), "fr")
    assert (
        'id="cite-0-1"' in html and "<mark>&lt;b&gt;Deuxième&lt;/b&gt; phrase citée.</mark>" in html
    )
    assert "<b>" not in html and "<i>" not in html and "Un &lt;titre&gt;" in html
    assert "javascript:" not in html  # only http(s) links to originals
    assert "Pas trouvé dans les sources" in html
    assert "Première phrase." in html  # the paragraph around the quote


def test_panel_without_matching_text_shows_the_quote_alone() -> None:
    citation = {**_citation(), "start": 0, "end": 5}  # offsets no longer match the quote
    html = citations_panel(
        [{"question": "q", "answer": {"citations": [citation]}}], _snapshot(), "en"
    )
    assert "Première phrase." not in html and "Cited passages" in html


def test_sources_view_lists_documents_and_status() -> None:
    listing = {
        "generation": "g1",
        "built_at": "2026-01-01T00:00:00+00:00",
        "documents": [
            {
                "id": "a",
                "title": "<b>A</b>",
                "publisher": "P",
                "date": "2020",
                "language": "fr",
                "chunks": 3,
                "indexed_at": "2026-01-01",
                "translation_of": "",
            },
            {
                "id": "b",
                "title": "B",
                "publisher": "",
                "date": "",
                "language": "en",
                "chunks": 2,
                "indexed_at": "2026-01-01",
                "translation_of": "a",
            },
        ],
        "skipped": [{"path": "x.pdf", "reason": "encrypted <PDF>"}],
    }
    html = sources_view(listing, "en")
    assert html.count("<tr>") == 3 and "&lt;b&gt;A&lt;/b&gt;" in html
    assert "2 documents, 5 passages" in html and "encrypted &lt;PDF&gt;" in html
    assert "translation of &lt;b&gt;A&lt;/b&gt;" in html
    assert "Aucun index" in sources_view(None, "fr")
    # Dates as people read them, in the page's language, not raw ISO timestamps.
    assert "Jan 1, 2026, 00:00 UTC" in html and "2026-01-01T00:00:00+00:00" not in html
    assert "1 janv. 2026, 00:00 UTC" in sources_view(listing, "fr")


def test_document_page_escapes_and_marks_the_passage() -> None:
    start = TEXT.index("<b>")
    page = document_page("T<", TEXT, start, start + 5)
    assert '<mark id="passage">&lt;b&gt;De</mark>' in page and "<title>T&lt;</title>" in page
    assert "<mark" not in document_page("T", TEXT, 5, 999)  # out of range: no highlight


def test_the_answer_span_is_bold_in_the_chat_and_in_the_passage() -> None:
    citation = _citation()
    start = int(citation["start"])  # type: ignore[call-overload]
    quote = str(citation["quote"])
    span_start = start + quote.index("phrase")
    citation |= {"answer_start": span_start, "answer_end": span_start + len("phrase")}
    answer_text = f"{quote} [1]"
    spans = answer_highlights(answer_text, [citation])
    assert [answer_text[a:b] for a, b in spans] == ["phrase"]
    shown = answer_markdown(answer_text, 0, spans)
    assert "**phrase**" in shown and "(#cite-0-1)" in shown
    assert "<b>" not in shown  # the source's markup stays escaped around the bold span
    card = citations_panel(
        [{"question": "q", "answer": {"citations": [citation]}}], _snapshot(), "fr"
    )
    assert '<strong class="answer">phrase</strong>' in card
    assert "&lt;b&gt;Deuxième&lt;/b&gt;" in card


def test_a_citation_without_a_span_is_not_highlighted() -> None:
    citation = _citation()
    answer_text = f"{citation['quote']} [1]"
    assert answer_highlights(answer_text, [citation]) == []
    assert "**" not in answer_markdown(answer_text, 0, [])


def test_two_citations_of_one_paragraph_share_one_card() -> None:
    # Issue 17: an answer citing two sentences of one paragraph showed it twice.
    first = {**_citation(1), "start": TEXT.index("Première"), "end": TEXT.index(" <b>")}
    first["quote"] = TEXT[first["start"] : first["end"]]  # type: ignore[misc]
    second = _citation(2)
    other = {**_citation(3), "start": TEXT.index("Autre"), "end": len(TEXT)}
    other["quote"] = TEXT[other["start"] :]  # type: ignore[misc]
    html = citations_panel(
        [{"question": "q", "answer": {"citations": [first, second, other]}}], _snapshot(), "fr"
    )
    assert html.count('<article class="citation"') == 2  # one per paragraph
    card = html.split('<article class="citation"')[1]
    assert 'id="cite-0-1"' in card and 'id="cite-0-2"' in card  # both markers land on it
    assert '[1]</span> <span class="marker">[2]' in card
    assert card.count("<mark>") == 2 and card.count("Première phrase.") == 1
    assert 'id="cite-0-3"' in html.split('<article class="citation"')[2]
