"""Markdown to the text a reader sees, parsed by markdown-it-py (CommonMark, with tables and
strikethrough), not by regular expressions.

The parser decides what is syntax and what is text (nested emphasis, escapes, entities,
reference links, setext headings, indented and fenced code, HTML blocks); this module
only says how each block reads as plain text:

- headings, paragraphs and list items end their line, as the source's lines did inside a
  paragraph (soft breaks stay line breaks: the cleaner unwraps them);
- ordered items keep their number ("1. Adhérer"), bullets and task boxes go;
- links to the web keep their address: "Grand Poitiers (https://…)"; relative links and
  anchors keep only their text; images their alternative text;
- table rows read as "cell | cell", code as written, HTML as its text.

Front matter is read by :mod:`assistant.ingest.loaders` before the body comes here.
markdown-it-py is installed with Gradio; it is the library Gradio itself renders with.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_TASK_BOX = re.compile(r"\A\[[ xX]\][ \t]+")
_HTML_DROP = re.compile(r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_WEB = re.compile(r"(?:https?://|mailto:)")


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def markdown_text(source: str) -> tuple[str, str]:
    """``source`` (Markdown, front matter removed) as plain text, and the text of its
    first level-1 heading ("" when it has none), for the title."""
    tokens = _parser().parse(source)
    out: list[str] = []
    title = ""
    cells: list[str] = []
    items: list[str] = []  # the marker of each open list item ("" for a bullet)
    for n, token in enumerate(tokens):
        kind = token.type
        if kind == "inline":
            text = _inline(token.children or [])
            if items and _opens_item(tokens, n):
                text = items[-1] + _TASK_BOX.sub("", text)
            if _in_cell(tokens, n):
                cells.append(text.strip())
                continue
            out.append(text)
            if not title and tokens[n - 1].type == "heading_open" and tokens[n - 1].tag == "h1":
                title = text.strip()
        elif kind in ("paragraph_close", "heading_close"):
            out.append("\n" if token.hidden else "\n\n")
        elif kind == "list_item_open":
            ordered = token.info and token.markup in (".", ")")
            items.append(f"{token.info}{token.markup} " if ordered else "")
        elif kind == "list_item_close":
            items.pop()
            if not out or not out[-1].endswith("\n"):
                out.append("\n")
        elif kind in ("bullet_list_close", "ordered_list_close") and not items:
            out.append("\n")
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close":
            out.append(" | ".join(cells) + "\n")
        elif kind == "table_close":
            out.append("\n")
        elif kind in ("fence", "code_block"):
            out.append(token.content + "\n")
        elif kind == "html_block":
            out.append(_TAG.sub("", _HTML_DROP.sub("", token.content)))
    return "".join(out), title


def _opens_item(tokens: list[Token], n: int) -> bool:
    """Whether the inline token ``n`` is the first text of a list item."""
    return (
        n >= 2
        and tokens[n - 1].type == "paragraph_open"
        and (tokens[n - 2].type == "list_item_open")
    )


def _in_cell(tokens: list[Token], n: int) -> bool:
    return tokens[n - 1].type in ("th_open", "td_open")


def _inline(children: list[Token]) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where its label starts in parts)
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            parts.append(_inline(child.children or []))
        elif kind == "link_open":
            links.append((str(child.attrs.get("href", "")), len(parts)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            label = "".join(parts[start:])
            if _WEB.match(href) and href not in label:
                parts.append(f" ({href.removeprefix('mailto:')})")
        elif kind == "html_inline":
            continue  # a tag; the text around it stays
    return "".join(parts)
