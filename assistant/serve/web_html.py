"""HTML and Markdown for the web chat, built from answers and the index snapshot.

Every piece of source text goes through :func:`html.escape` (and, in chat messages, a
Markdown escape too), so a document containing markup or ``<script>`` shows it as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import quote as url_quote

from assistant.index.snapshot import Snapshot
from assistant.serve.web_phrases import text

# Characters that are Markdown wherever they stand. "." "-" "+" are Markdown only where a
# line starts a list ("- ", "+ ", "1. "): escaped everywhere, they showed as "alterbative\.fr"
# and "consortium\-culture\.coop" in addresses the chat turns into links.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|~>$])")
# A list item, or a line of "-" or "=" (a rule, or a heading's underline).
_LIST_START = re.compile(r"^([ \t]*)(?:([-+=])(?=[ \t]|[-=]*[ \t]*$)|(\d{1,9})([.)]))", re.M)
_ESCAPED_MARKER = re.compile(r"\\\[(\d{1,3})\\\]")
CONTEXT_CHARS = 600


def escape_markdown(raw: str) -> str:
    """``raw`` as literal text inside Markdown: no markup, no HTML, no math."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escape(raw, quote=False))
    return _LIST_START.sub(
        lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\{m[4]}", escaped
    )


def answer_markdown(answer_text: str, turn: int, highlights: Sequence[tuple[int, int]] = ()) -> str:
    """The answer as chat Markdown; each ``[n]`` links to its passage in the panel, and
    each ``highlights`` range (character offsets in ``answer_text``) shows in bold."""
    pieces: list[str] = []
    position = 0
    for start, end in sorted(highlights):
        if start < position or end <= start:
            continue
        pieces.append(escape_markdown(answer_text[position:start]))
        pieces.append(f"**{escape_markdown(answer_text[start:end])}**")
        position = end
    pieces.append(escape_markdown(answer_text[position:]))
    return _ESCAPED_MARKER.sub(
        lambda m: f"[\\[{m.group(1)}\\]](#cite-{turn}-{m.group(1)})", "".join(pieces)
    )


def answer_highlights(
    answer_text: str, citations: Sequence[Mapping[str, Any]]
) -> list[tuple[int, int]]:
    """Where each citation's answer span (``answer_start``/``answer_end``) lies in
    ``answer_text``: found through the quote it sits in, followed by its ``[n]`` marker."""
    out: list[tuple[int, int]] = []
    for citation in citations:
        a, b = citation.get("answer_start"), citation.get("answer_end")
        if a is None or b is None:
            continue
        quote, start = str(citation["quote"]), int(citation["start"])
        at = answer_text.find(quote)
        marker = f"[{citation['n']}]"
        while at >= 0 and marker not in answer_text[at + len(quote) : at + len(quote) + 8]:
            at = answer_text.find(quote, at + 1)
        if at >= 0:
            out.append((at + int(a) - start, at + int(b) - start))
    return out


def passage_context(doc_text: str, start: int, end: int) -> tuple[str, str, str]:
    """``(before, quote, after)``: the quote inside its paragraph, trimmed to a window."""
    para_start = doc_text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = doc_text.find("\n\n", end)
    para_end = len(doc_text) if para_end < 0 else para_end
    before = doc_text[max(para_start, start - CONTEXT_CHARS) : start]
    after = doc_text[end : min(para_end, end + CONTEXT_CHARS)]
    if start - CONTEXT_CHARS > para_start:
        before = "…" + before.split(" ", 1)[-1]
    if end + CONTEXT_CHARS < para_end:
        after = after.rsplit(" ", 1)[0] + "…"
    return before, doc_text[start:end], after


def document_href(source_id: str, start: int | None = None, end: int | None = None) -> str:
    """Link to the document view served by the app, scrolled to a passage if given."""
    href = f"/documents/{url_quote(source_id, safe='')}"
    if start is not None and end is not None:
        href += f"?start={start}&end={end}#passage"
    return href


def _safe_url(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else ""


def citation_card(
    citation: Mapping[str, Any],
    turn: int,
    snapshot: Snapshot | None,
    language: str,
    also: Sequence[Mapping[str, Any]] = (),
) -> str:
    """One cited passage: title, publisher, date, links, and the quote highlighted in its
    paragraph; ``also``: other citations of the same answer in the same paragraph, shown
    in this card (their markers beside its own) instead of a second copy of it."""
    n, source_id = int(citation["n"]), str(citation["source_id"])
    group = [citation, *also]
    spans = [(int(c["start"]), int(c["end"])) for c in group]
    start, end = min(a for a, _ in spans), max(b for _, b in spans)
    doc = snapshot.by_id.get(source_id) if snapshot else None
    if doc is not None and all(
        doc.text[int(c["start"]) : int(c["end"])] == c["quote"] for c in group
    ):
        before, _, after = passage_context(doc.text, start, end)
        marked = _marked(doc.text, start, end, group)
    else:  # the index changed since the answer: show the quotes alone
        before, after = "", ""
        marked = " … ".join(_marked(str(c["quote"]), 0, len(str(c["quote"])), []) for c in group)
    details = [str(citation.get(key) or "") for key in ("publisher", "date", "language")]
    if details[1] and citation.get("date_source") == "file modification time":
        details[1] += f" ({text(language, 'file_date')})"  # a last resort, said so
    copies = [str(c) for c in citation.get("copies") or ()]
    if copies:  # the same text saved elsewhere in the sources, indexed once as this one
        details.append(f"{text(language, 'copies')} {', '.join(copies)}")
    links = [
        f'<a href="{escape(document_href(source_id, start, end))}" target="_blank" '
        f'rel="noopener">{escape(text(language, "open_document"))}</a>'
    ]
    original = _safe_url(str(citation.get("url") or ""))
    if original:
        links.append(
            f'<a href="{escape(original)}" target="_blank" rel="noopener noreferrer">'
            f"{escape(original)}</a>"
        )
    markers = " ".join(f'<span class="marker">[{int(c["n"])}]</span>' for c in group)
    # Every marker's link lands on this card: the others' anchors sit inside it.
    anchors = "".join(f'<span id="cite-{turn}-{int(c["n"])}"></span>' for c in also)
    return (
        f'<article class="citation" id="cite-{turn}-{n}">{anchors}'
        f"<header>{markers} "
        f'<strong class="doc-title">{escape(str(citation.get("title") or source_id))}</strong>'
        "</header>"
        f'<p class="meta">{escape(" · ".join(d for d in details if d))}</p>'
        f'<blockquote class="context">{escape(before)}{marked}{escape(after)}</blockquote>'
        f'<p class="links">{" · ".join(links)}</p>'
        "</article>"
    )


def _marked(doc_text: str, start: int, end: int, group: Sequence[Mapping[str, Any]]) -> str:
    """``doc_text[start:end]`` escaped, each citation's quote of ``group`` in <mark> and its
    answer span in <strong class="answer"> (the whole range marked when ``group`` is
    empty)."""
    if not group:
        return f"<mark>{escape(doc_text[start:end])}</mark>"
    out, position = [], start
    for c in sorted(group, key=lambda c: int(c["start"])):
        a, b = max(int(c["start"]), position), int(c["end"])
        if b <= a:
            continue
        out.append(escape(doc_text[position:a]))
        x, y = c.get("answer_start"), c.get("answer_end")
        if x is not None and y is not None and a <= int(x) < int(y) <= b:
            inner = (
                f"{escape(doc_text[a : int(x)])}"
                f'<strong class="answer">{escape(doc_text[int(x) : int(y)])}</strong>'
                f"{escape(doc_text[int(y) : b])}"
            )
        else:
            inner = escape(doc_text[a:b])
        out.append(f"<mark>{inner}</mark>")
        position = b
    out.append(escape(doc_text[position:end]))
    return "".join(out)


def _paragraph(doc_text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph (between blank lines) holding ``doc_text[start:end]``."""
    first = doc_text.rfind("\n\n", 0, start)
    last = doc_text.find("\n\n", end)
    return (0 if first < 0 else first + 2, len(doc_text) if last < 0 else last)


def _cards(
    citations: Sequence[Mapping[str, Any]], turn: int, snapshot: Snapshot | None, language: str
) -> str:
    """The cards of one answer: citations from the same paragraph of the same document
    share one card (issue 17: two cards showed the same paragraph)."""
    groups: dict[tuple[str, int, int], list[Mapping[str, Any]]] = {}
    order: list[tuple[str, int, int]] = []
    for c in citations:
        source_id = str(c["source_id"])
        doc = snapshot.by_id.get(source_id) if snapshot else None
        if doc is not None and doc.text[int(c["start"]) : int(c["end"])] == c["quote"]:
            key = (source_id, *_paragraph(doc.text, int(c["start"]), int(c["end"])))
        else:
            key = (source_id, int(c["start"]), -int(c["n"]))  # unique: a card of its own
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(c)
    return "".join(
        citation_card(groups[key][0], turn, snapshot, language, also=groups[key][1:])
        for key in order
    )


def citations_panel(
    turns: Sequence[Mapping[str, Any]], snapshot: Snapshot | None, language: str
) -> str:
    """The panel beside the chat: the passages of every answer, newest first."""
    if not turns:
        return f'<div class="ess-panel empty"><p>{escape(text(language, "panel_empty"))}</p></div>'
    sections = []
    for turn in range(len(turns) - 1, -1, -1):
        answer = turns[turn]["answer"]
        cards = _cards(answer.get("citations", []), turn, snapshot, language)
        banner = (
            f'<p class="not-found">{escape(text(language, "not_found"))}</p>'
            if answer.get("abstained")
            else ""
        )
        sections.append(
            f'<section class="turn" id="turn-{turn}">'
            f'<p class="turn-question"><span>{escape(text(language, "question"))}</span> '
            f"{escape(str(turns[turn]['question']))}</p>{banner}{cards}</section>"
        )
    return (
        f'<div class="ess-panel"><h3>{escape(text(language, "panel_title"))}</h3>'
        + "".join(sections)
        + "</div>"
    )


_MONTHS = {
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.".split(),
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
}


def readable_date(value: str, language: str) -> str:
    """An ISO date or timestamp as people read it in ``language``: "2024-10-03" ->
    "3 oct. 2024" / "Oct 3, 2024"; "2026-12-01T07:02:41+00:00" -> "1 déc. 2026, 07:02 UTC"
    / "Dec 1, 2026, 07:02 UTC". Anything else (a year, "2024-10") is shown as it is."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) < 10:  # fromisoformat reads "2024" or "2024-10" too: leave them
        return value
    months = _MONTHS["en" if language == "en" else "fr"]
    month = months[moment.month - 1]
    day = (
        f"{month} {moment.day}, {moment.year}"
        if language == "en"
        else (f"{moment.day} {month} {moment.year}")
    )
    if len(value) == 10:
        return day
    zone = "UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return f"{day}, {moment:%H:%M}{' ' + zone if zone else ''}"


def sources_view(listing: Mapping[str, Any] | None, language: str) -> str:
    """The "Sources" tab: every indexed document and the index status."""
    if listing is None:
        return f'<div class="ess-sources"><p>{escape(text(language, "no_index"))}</p></div>'
    documents = listing["documents"]
    titles = {d["id"]: d["title"] for d in documents}
    head = "".join(
        f"<th>{escape(text(language, key))}</th>"
        for key in ("document", "publisher", "date", "language", "chunks", "indexed")
    )
    rows = []
    for d in documents:
        title = escape(d["title"])
        if d.get("translation_of") in titles:
            other = escape(titles[d["translation_of"]])
            title += f"<br><small>{text(language, 'translation_of', other=other)}</small>"
        rows.append(
            "<tr>"
            f'<td><a href="{escape(document_href(d["id"]))}" target="_blank" rel="noopener">'
            f"{title}</a></td>"
            f"<td>{escape(d.get('publisher') or '')}</td>"
            f"<td>{escape(readable_date(d.get('date') or d.get('updated') or '', language))}</td>"
            f"<td>{escape(d.get('language') or '')}</td>"
            f"<td class='num'>{int(d['chunks'])}</td>"
            f"<td>{escape(readable_date(d.get('indexed_at') or '', language))}</td>"
            "</tr>"
        )
    status = text(
        language,
        "status_line",
        documents=len(documents),
        chunks=sum(int(d["chunks"]) for d in documents),
        generation=listing["generation"],
        built_at=readable_date(listing["built_at"], language),
    )
    skipped = "".join(
        f"<li><code>{escape(s['path'])}</code>: {escape(s['reason'])}</li>"
        for s in listing.get("skipped", [])
    )
    skipped_block = (
        f"<h4>{escape(text(language, 'skipped'))}</h4><ul>{skipped}</ul>" if skipped else ""
    )
    return (
        '<div class="ess-sources">'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<h4>{escape(text(language, "status"))}</h4><p class="status">{escape(status)}</p>'
        f"{skipped_block}</div>"
    )


def document_page(title: str, doc_text: str, start: int | None, end: int | None) -> str:
    """A standalone page with a document's indexed text, a passage highlighted."""
    if start is not None and end is not None and 0 <= start < end <= len(doc_text):
        body = (
            escape(doc_text[:start])
            + f'<mark id="passage">{escape(doc_text[start:end])}</mark>'
            + escape(doc_text[end:])
        )
    else:
        body = escape(doc_text)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        "<style>body{font:16px/1.6 system-ui,sans-serif;max-width:48rem;margin:2rem auto;"
        "padding:0 1rem}pre{white-space:pre-wrap;font:inherit}mark{background:#ffe58a}</style>"
        f"</head><body><h1>{escape(title)}</h1><pre>{body}</pre></body></html>"
    )


def conversation_markdown(turns: Sequence[Mapping[str, Any]], language: str) -> str:
    """The conversation as a Markdown file a person can keep or send: each question, its
    answer, and the cited passages with their source, date and address."""
    title = text(language, "title")
    lines = [f"# {title}", ""]
    for turn in turns:
        answer = turn["answer"]
        lines += [f"## {turn['question']}", "", str(answer.get("text", "")), ""]
        for c in answer.get("citations", []):
            where = ", ".join(
                str(x) for x in (c.get("publisher"), c.get("date"), c.get("url")) if x
            )
            source = f"[{c['n']}] {c.get('title') or c['source_id']}"
            lines.append(f"- {source}" + (f" ({where})" if where else ""))
            lines.append(f"  > {c['quote']}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
