"""What the corpus is made of: source metadata, loaded documents, skipped files."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SourceMeta:
    """Bibliographic metadata of one source document (from the manifest or the file)."""

    id: str
    file: str
    title: str
    publisher: str = ""
    author: str = ""
    date: str = ""
    updated: str = ""
    url: str = ""
    language: str = ""
    translation_of: str = ""
    notes: str = ""
    from_manifest: bool = False
    # Where the date shown with citations comes from: "sources.toml", the file's own
    # metadata ("page metadata", "front matter", "document properties", "PDF
    # information"), "date line in the text", or "file modification time" (last resort).
    date_source: str = ""
    # Where ``publisher`` comes from: "sources.toml" or the file's own metadata, as for
    # dates; "… (author)" when the file names no publisher and its author stands in.
    publisher_source: str = ""
    # Other files of the sources folder holding the same text, indexed once as this one.
    copies: tuple[str, ...] = ()
    encoding: str = ""  # a text file's or page's character encoding, when not UTF-8

    def __post_init__(self) -> None:
        # JSON gives a list back; equality with a freshly read entry needs the tuple.
        object.__setattr__(self, "copies", tuple(self.copies))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LoadedText:
    """Text extracted from a file, before cleaning, with hints found in the file itself."""

    text: str
    title: str = ""
    author: str = ""
    date: str = ""  # published or created, YYYY-MM-DD (or YYYY-MM, YYYY)
    format: str = ""
    date_source: str = ""  # where ``date``/``updated`` were found ("front matter", ...)
    updated: str = ""  # last modified, as the file's metadata states it; same form
    publisher: str = ""
    publisher_source: str = ""  # as SourceMeta.publisher_source
    encoding: str = ""  # of a text file or page, as Python names it ("utf_8", "cp1252")
    notes: tuple[str, ...] = ()  # what the build report should say about how it was read


@dataclass(frozen=True)
class Document:
    """A cleaned document ready for chunking; offsets in citations point into `text`."""

    meta: SourceMeta
    text: str
    sha256: str
    path: Path | None = None

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True)
class SkippedFile:
    """A file left out of the index, and why."""

    path: str
    reason: str


@dataclass
class CorpusLoad:
    """The result of reading a sources directory."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "path: how it was read", for the report
