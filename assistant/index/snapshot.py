"""What one index generation holds besides vectors: documents, their text and chunks."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from pathlib import Path
from typing import Any

from assistant.text.acronyms import Acronyms
from assistant.text.analysis import fold
from assistant.index.chunking import Chunk, embedding_input
from assistant.documents import Document, SourceMeta
from assistant.text.spelling import Vocabulary, opens_sentence
from assistant.text.structure import Structure, analyse

_WORD = re.compile(r"[^\W\d_]+")

STATE_FILE = "state.json"
SENTENCES_FILE = "sentences.npy"
CURRENT_FILE = "CURRENT"


# How often a capitalised spelling must occur for a lowercase word to be read as a name.
_NAME_MIN_COUNT = 2


@dataclass
class Snapshot:
    """The documents and chunks of one generation, as the answerer needs them."""

    generation: str
    fingerprint: dict[str, Any]
    documents: list[Document]
    chunks: dict[str, list[Chunk]]  # doc id -> chunks in document order
    built_at: str = ""
    skipped: list[dict[str, str]] = field(default_factory=list)
    indexed_at: dict[str, str] = field(default_factory=dict)  # doc id -> when its text was indexed

    def listing(self) -> dict[str, Any]:
        """Every indexed document with its metadata, chunk count and indexing time, the
        generation, and the files skipped: the JSON of ``GET /api/sources``."""
        return {
            "generation": self.generation,
            "built_at": self.built_at,
            "documents": [
                {
                    **doc.meta.to_dict(),
                    "chunks": len(self.chunks.get(doc.id, [])),
                    "characters": len(doc.text),
                    "indexed_at": self.indexed_at.get(doc.id) or self.built_at,
                }
                for doc in self.documents
            ],
            "skipped": self.skipped,
        }

    @cached_property
    def by_id(self) -> dict[str, Document]:
        return {doc.id: doc for doc in self.documents}

    @cached_property
    def all_chunks(self) -> list[Chunk]:
        return [chunk for doc in self.documents for chunk in self.chunks.get(doc.id, [])]

    @cached_property
    def twins(self) -> dict[str, str]:
        """Document id -> id of its rendering in another language, both ways."""
        pairs: dict[str, str] = {}
        for doc in self.documents:
            if doc.meta.translation_of in self.by_id:
                pairs[doc.id] = doc.meta.translation_of
                pairs[doc.meta.translation_of] = doc.id
        return pairs

    @cached_property
    def acronyms(self) -> Acronyms:
        """Acronym <-> expansion pairs of this generation: those its documents define or
        spell out, and the built-in ESS table (see :mod:`assistant.text.acronyms`). Computed on
        first use, once per generation, since a snapshot is one generation."""
        return Acronyms.from_corpus({doc.id: doc.text for doc in self.documents})

    @cached_property
    def written_forms(self) -> dict[str, str]:
        """How the documents write words that carry accents or capitals, by their folded
        form: ``"creee"`` -> ``"créée"``, ``"roue"`` -> ``"Roue"`` (in "Roue Libre"); the
        most frequent spelling when several fold alike, and only where it is not the
        folded form itself (computed once per generation)."""
        counts: Counter[str] = Counter()  # words inside sentences, as written
        opening: Counter[str] = Counter()  # sentences' first words, first letter lowered
        for doc in self.documents:
            for match in _WORD.finditer(doc.text):
                word = match.group(0)
                if opens_sentence(doc.text, match.start()):
                    # A sentence's, a line's or a table cell's first word is capitalised
                    # whatever it is: it tells nothing of how the word is written
                    # ("Faut-il…", a column "Subvention" is not a name), only its accents.
                    opening[word[:1].lower() + word[1:]] += 1
                else:
                    counts[word] += 1
        lowercase = {fold(w) for w in counts if w[:1].islower()}
        forms: dict[str, str] = {}
        for word, _ in (counts + opening).most_common():
            folded = fold(word)
            if word[:1].isupper() and (counts[word] < _NAME_MIN_COUNT or folded in lowercase):
                # A word the documents also write in lowercase inside a sentence is a
                # common word, whatever its most frequent spelling; one capitalised once
                # may be a title's ("Director of Community Development"): neither is made
                # a name the evidence must hold ("in charge of economic development"
                # asked for someone called "Development").
                continue
            forms.setdefault(folded, word)
        return {folded: word for folded, word in forms.items() if word != folded}

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The documents' words, folded, with their counts, languages and spellings: what
        a misspelled question word is corrected into (:mod:`assistant.text.spelling`). Computed
        on first use, once per generation."""
        return Vocabulary.from_documents(self.documents)

    def folded_text(self, doc_id: str) -> str:
        """The document's text lowercased without accents, computed once per document."""
        cache: dict[str, str] = self.__dict__.setdefault("_folded", {})
        if doc_id not in cache:
            cache[doc_id] = fold(self.by_id[doc_id].text)
        return cache[doc_id]

    def folded_prefix(self, doc_id: str, end: int) -> str:
        """``fold(text[:end])`` of the document, cut from its folded text: folding may
        lengthen a text ("œ" -> "oe"), so each character's folded length is summed once per
        document instead of folding the prefix at every call (it was a tenth of an answer's
        time, benchmarks/ask_latency.py)."""
        folded = self.folded_text(doc_id)
        text = self.by_id[doc_id].text
        end = max(0, min(end, len(text)))
        if len(folded) == len(text):
            return folded[:end]
        cache: dict[str, list[int] | None] = self.__dict__.setdefault("_fold_offsets", {})
        if doc_id not in cache:
            lengths = list(accumulate((len(fold(ch)) for ch in text), initial=0))
            # Folding character by character agrees with folding the whole text but for
            # context-dependent lowercasing; where it does not, prefixes are folded anew.
            cache[doc_id] = lengths if lengths[-1] == len(folded) else None
        offsets = cache[doc_id]
        return folded[: offsets[end]] if offsets is not None else fold(text[:end])

    def structure(self, doc_id: str) -> Structure:
        """Headings, lists and prose of the document's sentences, read once per document."""
        cache: dict[str, Structure] = self.__dict__.setdefault("_structures", {})
        if doc_id not in cache:
            spans = [s for chunk in self.chunks.get(doc_id, []) for s in chunk.sentences]
            cache[doc_id] = analyse(self.by_id[doc_id].text, spans)
        return cache[doc_id]

    @cached_property
    def chunk_by_id(self) -> dict[str, Chunk]:
        return {chunk.id: chunk for chunk in self.all_chunks}

    @cached_property
    def sentence_keys(self) -> list[tuple[str, int]]:
        """``(chunk id, sentence number)`` of every sentence, in index order."""
        return [(c.id, i) for c in self.all_chunks for i in range(len(c.sentences))]

    def sentence_text(self, key: tuple[str, int]) -> str:
        chunk = self.chunk_by_id[key[0]]
        start, end = chunk.sentences[key[1]]
        return self.by_id[chunk.doc_id].text[start:end]

    def to_json(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "fingerprint": self.fingerprint,
            "built_at": self.built_at,
            "skipped": self.skipped,
            "indexed_at": self.indexed_at,
            "documents": [
                {
                    "meta": doc.meta.to_dict(),
                    "sha256": doc.sha256,
                    "text": doc.text,
                    "chunks": [
                        [c.id, c.start, c.end, [list(s) for s in c.sentences]]
                        for c in self.chunks.get(doc.id, [])
                    ],
                }
                for doc in self.documents
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], sources_dir: Path | None = None) -> Snapshot:
        documents: list[Document] = []
        chunks: dict[str, list[Chunk]] = {}
        for entry in data["documents"]:
            meta = SourceMeta(**entry["meta"])
            path = sources_dir / meta.file if sources_dir else None
            doc = Document(meta=meta, text=entry["text"], sha256=entry["sha256"], path=path)
            documents.append(doc)
            chunks[doc.id] = [
                _chunk(doc, index, chunk_id, start, end, sentences)
                for index, (chunk_id, start, end, sentences) in enumerate(entry["chunks"])
            ]
        return cls(
            generation=data["generation"],
            fingerprint=data["fingerprint"],
            documents=documents,
            chunks=chunks,
            built_at=data.get("built_at", ""),
            skipped=data.get("skipped", []),
            indexed_at=data.get("indexed_at", {}),
        )

    def save(self, directory: Path) -> None:
        """Write ``state.json`` atomically (temporary file, fsync, rename)."""
        directory.mkdir(parents=True, exist_ok=True)
        write_atomic(directory / STATE_FILE, json.dumps(self.to_json(), ensure_ascii=False))

    @classmethod
    def load(cls, directory: Path, sources_dir: Path | None = None) -> Snapshot:
        data = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        return cls.from_json(data, sources_dir)


def _chunk(
    doc: Document, index: int, chunk_id: str, start: int, end: int, sentences: list[list[int]]
) -> Chunk:
    body = doc.text[start:end]
    return Chunk(
        id=chunk_id,
        doc_id=doc.id,
        index=index,
        start=start,
        end=end,
        text=body,
        sentences=tuple((a, b) for a, b in sentences),
        embed_text=embedding_input(doc.meta.title, body),
    )


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_current(index_dir: Path) -> str | None:
    """The generation being served, or None when no index was built yet."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def generation_dir(index_dir: Path, generation: str) -> Path:
    return index_dir / "generations" / generation
