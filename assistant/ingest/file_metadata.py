"""What a file says about itself, sorted from what is worth citing: the publisher among
the names a file carries, a page title without its site's name, a PDF title that is not
the name of the Word file it was exported from.

Used by assistant.ingest.loaders for files the manifest does not describe (the manifest always
wins; see assistant.ingest.source_folder). Pure string functions: no parser is imported here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Names that say nothing about who publishes a document: what Office, Windows or a
# computer maker fill in by default, and python-docx's default author.
_GENERIC_NAMES = frozenset(
    {
        "admin", "administrateur", "administrator", "auteur", "author", "default",
        "inconnu", "owner", "proprietaire", "unknown", "user", "utilisateur",
        "utilisateur windows", "windows user", "microsoft office user",
        "utilisateur de microsoft office", "python-docx", "home", "maison", "personal",
        "personnel", "private", "prive", "particulier", "microsoft", "hp",
        "hewlett-packard", "hewlett-packard company", "dell", "dell inc.", "lenovo",
        "toshiba", "acer", "asus",
    }
)  # fmt: skip
_MAX_NAME = 120  # characters; longer is a sentence or a description, not a name
# Between a page's title and its site's name: "Titre | Site", "Site – Titre", "Titre - Site".
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|–—·»•]|-{1,2}|::)\s+")
# What a PDF converter puts in /Title when the author left it empty.
_CONVERTER_PREFIX = re.compile(r"^(?:microsoft (?:word|powerpoint|excel)|untitled)\s+-\s+", re.I)
_FILE_NAME = re.compile(r"\.(?:docx?|odt|rtf|txt|pdf|pptx?|xlsx?|indd|pages|qxp)$", re.I)
_PLACEHOLDER_TITLES = frozenset({"untitled", "sans titre", "document", "document1", "titre"})


def usable_name(value: object) -> str:
    """``value`` as a publisher or author name, whitespace collapsed; "" for what is not
    one: empty, a URL (``article:publisher`` is often the publisher's Facebook page), a
    default account or computer maker (``"Utilisateur"``, ``"Hewlett-Packard"``), or a
    text too long to be a name."""
    text = " ".join(str(value or "").split()).strip(" ,;")
    if not text or len(text) > _MAX_NAME or not any(ch.isalpha() for ch in text):
        return ""
    if re.match(r"(?:[a-z][a-z0-9+.-]*://|www\.)", text, re.I):
        return ""
    return "" if _folded(text) in _GENERIC_NAMES else text


def pick_publisher(candidates: Iterable[object], author: str, where: str) -> tuple[str, str]:
    """``(publisher, publisher_source)``: the first usable name of ``candidates`` (given
    in the file format's order of trust) with ``where`` as its source ("page metadata",
    "front matter", "document properties", "PDF information"); else the document's
    author, labelled ``"<where> (author)"`` because an author is a person or body that
    wrote it, not always the one that publishes it; else ``("", "")``."""
    for candidate in candidates:
        if name := usable_name(candidate):
            return name, where
    if name := usable_name(author):
        return name, f"{where} (author)"
    return "", ""


def page_title(title: str, site_names: Iterable[str], heading: str = "") -> str:
    """``title`` without the site's name a page's <title> or og:title carries before or
    after a separator ("Le fonds ESS ouvre en juin | Grand Poitiers" -> "Le fonds ESS
    ouvre en juin"). A part is the site's name when it is one of ``site_names`` or when
    the other part is the page's ``heading`` (its <h1>); with neither, the title is kept
    whole, since a dash or a bar may belong to the title itself."""
    title = " ".join(title.split())
    names = {_folded(name) for name in site_names if name.strip()}
    folded_heading = _folded(heading)
    for separator in _TITLE_SEPARATOR.finditer(title):
        head, tail = title[: separator.start()], title[separator.end() :]
        if _folded(tail) in names or (folded_heading and _folded(head) == folded_heading):
            return head
        if _folded(head) in names or (folded_heading and _folded(tail) == folded_heading):
            return tail
    return title


def is_site_name(title: str, site_names: Iterable[str]) -> bool:
    """Whether ``title`` is only the site's name (some sites give every page's og:title
    that), hence no title of the page."""
    return _folded(title) in {_folded(name) for name in site_names if name.strip()}


def pdf_title(value: str) -> str:
    """A PDF's /Title unless it is the name of the file it was made from ("Microsoft Word
    - guide_ess_v3.docx", "rapport.indd") or a placeholder ("Untitled", "Sans titre");
    "" then, and the caller falls back to the text's first line."""
    title = _CONVERTER_PREFIX.sub("", " ".join(value.split()))
    if _FILE_NAME.search(title) or _folded(title) in _PLACEHOLDER_TITLES:
        return ""
    return title


def _folded(text: str) -> str:
    """Lowercase, accents off, whitespace collapsed: "Propriétaire " -> "proprietaire"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())
