"""What of a web page is its content: text a reader sees, inside the page's main part.

Two steps, both before the page's text is walked (:mod:`assistant.ingest.loaders`):

- :func:`drop_hidden` removes elements a reader never sees, as their style says, inline
  or in the page's ``<style>`` sheets (parsed by tinycss2, matched by soupsieve through
  BeautifulSoup's ``select``): ``display: none``, ``visibility: hidden``, ``opacity: 0``,
  a font of 2 px or less, text the colour of its background (white on the default white
  page included), and off-screen positioning (``left: -9999px``, ``text-indent:
  -9999px``). Such text is how instructions get planted in pages for a model to read
  (field case 13), and never what a visitor read.
- :func:`main_content` finds the article among the furniture around it (cookie banners,
  menus, breadcrumbs, share bars, footers written as plain ``<div>``) with trafilatura
  (Barbaresi 2021, ACL demo); :func:`within` then tells the HTML reader which of the
  page's blocks belong to it, so headings, lists and tables keep the reader's rendering.

Imported lazily by the HTML reader; trafilatura and tinycss2 load on first use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

# A font this small (in px) is unreadable: text set in it is hidden, not small print.
_MAX_HIDDEN_FONT_PX = 2.0
# Positioned this far off the page (px), an element is out of sight.
_OFF_SCREEN_PX = -999.0
_WHITE = (1.0, 1.0, 1.0)  # a page's background when its style sets none
_WORD = re.compile(r"\w+")


def drop_hidden(soup: BeautifulSoup) -> int:
    """Remove the elements of ``soup`` that its styles hide from a reader (see the module
    docstring); returns how many were removed. Selectors soupsieve cannot match (``:hover``,
    pseudo-elements) and at-rules (``@media print``) are left alone."""
    styles: dict[int, dict[str, Any]] = {}
    for sheet in soup.find_all("style"):
        for selector, declarations in _style_rules(sheet.get_text()):
            try:
                matched = soup.select(selector)
            except Exception:  # soupsieve's own errors for selectors it does not support
                continue
            for tag in matched:
                styles.setdefault(id(tag), {}).update(declarations)
    tags = soup.find_all(True)
    for tag in tags:  # inline styles last: they override the sheets
        inline = _declarations(str(tag.get("style") or ""))
        if inline:
            styles.setdefault(id(tag), {}).update(inline)
    hidden: list[Tag] = [
        tag
        for tag in tags
        if (own := styles.get(id(tag))) and _hides(own, _background(tag, styles))
    ]
    removed = 0
    for tag in hidden:
        if not tag.decomposed:
            tag.decompose()
            removed += 1
    return removed


def main_content(html: str) -> str | None:
    """The text of the page's main content, as trafilatura finds it (its plain-text
    output: one block a line), or None when it finds none."""
    import trafilatura

    extracted: str | None = trafilatura.extract(
        html,
        output_format="txt",
        include_tables=True,
        include_formatting=False,
        include_comments=False,
        include_links=False,
        include_images=False,
        # Recall over precision: a municipal page's short FAQ answers and lists are
        # content, and what is dropped is lost for good.
        favor_recall=True,
        deduplicate=False,
    )
    return extracted if extracted and extracted.strip() else None


def within(content: str) -> Callable[[str], bool]:
    """A test of whether a block of the page (a paragraph, heading, list item or table
    row, as the HTML reader walks them) is part of ``content``: its words, in order,
    are a run of the content's words. The reader keeps its own rendering of the page's
    structure; trafilatura decides what is content."""
    words = f" {' '.join(_WORD.findall(content.casefold()))} "

    def contains(block: str) -> bool:
        own = _WORD.findall(block.casefold())
        return bool(own) and f" {' '.join(own)} " in words

    return contains


def _style_rules(css: str) -> Iterable[tuple[str, dict[str, Any]]]:
    import tinycss2

    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        declarations = _parsed_declarations(rule.content)
        if declarations:
            for selector in tinycss2.serialize(rule.prelude).split(","):
                if selector.strip():
                    yield selector.strip(), declarations


def _declarations(style: str) -> dict[str, Any]:
    if not style.strip():
        return {}
    import tinycss2

    return _parsed_declarations(tinycss2.parse_component_value_list(style))


def _parsed_declarations(tokens: Any) -> dict[str, Any]:
    """``{property: [component values]}`` of a declaration block."""
    import tinycss2

    out: dict[str, Any] = {}
    for item in tinycss2.parse_blocks_contents(tokens, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration":
            out[item.lower_name] = [
                v for v in item.value if v.type not in ("whitespace", "comment")
            ]
    return out


def _hides(style: dict[str, Any], background: tuple[float, float, float]) -> bool:
    if _keyword(style.get("display")) == "none":
        return True
    if _keyword(style.get("visibility")) in ("hidden", "collapse"):
        return True
    if _number(style.get("opacity")) == 0.0:
        return True
    size = _length_px(style.get("font-size"))
    if size is not None and size <= _MAX_HIDDEN_FONT_PX:
        return True
    colour = _colour(style.get("color"))
    if colour is not None and colour == background:
        return True
    for side in ("left", "top", "text-indent", "margin-left"):
        offset = _length_px(style.get(side))
        if offset is not None and offset <= _OFF_SCREEN_PX:
            return True
    return False


def _background(tag: Tag, styles: dict[int, dict[str, Any]]) -> tuple[float, float, float]:
    """The background colour behind ``tag``: its own or its nearest ancestor's, else white.
    ``styles``: each element's declarations, sheets and inline style merged."""
    node: Any = tag
    while node is not None and getattr(node, "name", None):
        own = styles.get(id(node), {})
        for name in ("background-color", "background"):
            colour = _colour(own.get(name))
            if colour is not None:
                return colour
        node = node.parent
    return _WHITE


def _keyword(values: Any) -> str:
    if not values:
        return ""
    first = values[0]
    return str(getattr(first, "lower_value", "")) if first.type == "ident" else ""


def _number(values: Any) -> float | None:
    if not values or values[0].type not in ("number", "percentage"):
        return None
    return float(values[0].value)


def _length_px(values: Any) -> float | None:
    """A length in px (em and rem taken at 16 px); None for what is not a plain length."""
    if not values:
        return None
    value = values[0]
    if value.type == "number" and value.value == 0:
        return 0.0
    if value.type != "dimension":
        return None
    unit = str(value.lower_unit)
    scale = {"px": 1.0, "pt": 4 / 3, "em": 16.0, "rem": 16.0}.get(unit)
    return None if scale is None else float(value.value) * scale


def _colour(values: Any) -> tuple[float, float, float] | None:
    """An opaque colour as RGB in 0..1; None for transparent, partly transparent or unknown."""
    if not values:
        return None
    from tinycss2.color3 import parse_color

    for value in values:  # "background: #fff url(…) no-repeat": the colour among the rest
        colour = parse_color(value)
        if colour is not None and not isinstance(colour, str) and colour.alpha == 1.0:
            return (round(colour.red, 3), round(colour.green, 3), round(colour.blue, 3))
    return None
