"""Vectors found by their text: what the index already embedded is not embedded again.

A chunk's vector depends only on its embedded text (title, then body) and on the model;
a sentence embedded alone, only on its text and the model. So between two generations of
the same fingerprint (backend, model, revision, pipeline: see
:func:`assistant.index.builder.fingerprint`) a vector may follow its text to another chunk id:
a file renamed or moved, a paragraph that moved between documents, the unchanged
sentences of an edited paragraph. The indexer calls these functions only with a previous
generation of the fingerprint it builds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from assistant.index.chunking import Chunk, Span
from assistant.documents import Document
from assistant.index.snapshot import Snapshot

SentenceKey = tuple[str, int]  # (chunk id, sentence number), as Snapshot.sentence_keys


def same_text_chunks(old: Snapshot, chunks: Iterable[Chunk]) -> dict[str, str]:
    """New chunk id -> id of a chunk of ``old`` with the very same ``embed_text``.

    Only chunks whose id ``old`` does not hold are mapped (a kept id keeps its own
    vector); the comparison is on the whole embedded string, so a changed title or a
    single changed character means no match.
    """
    by_text: dict[str, str] = {}
    for chunk in old.all_chunks:
        by_text.setdefault(chunk.embed_text, chunk.id)
    known = old.chunk_by_id
    return {
        chunk.id: by_text[chunk.embed_text]
        for chunk in chunks
        if chunk.id not in known and chunk.embed_text in by_text
    }


def sentence_sources(
    old: Snapshot,
    new: Snapshot,
    same_chunks: Mapping[str, str],
    *,
    by_text: bool,
) -> dict[SentenceKey, SentenceKey]:
    """New sentence key -> the key of ``old`` whose vector it may take, for the sentences
    of ``new`` whose key ``old`` does not hold.

    First the same sentence of a chunk with the same embedded text and the same sentence
    spans (``same_chunks``, from :func:`same_text_chunks`): whether its vector was pooled
    from that chunk's model pass or embedded alone, the pass would be the same. Then, with
    ``by_text`` (every sentence vector of ``old`` is its sentence embedded alone: the
    backend pools nothing, or sentence vectors are ``separate``), any old sentence with
    the same text. A pooled vector depends on the chunk around its sentence, so without
    ``by_text`` a sentence is never matched by its text alone.
    """
    known = set(old.sentence_keys)
    by_sentence: dict[str, SentenceKey] = {}
    if by_text:
        for key in old.sentence_keys:
            by_sentence.setdefault(old.sentence_text(key), key)
    sources: dict[SentenceKey, SentenceKey] = {}
    for chunk in new.all_chunks:
        origin = same_chunks.get(chunk.id)
        before = old.chunk_by_id.get(origin) if origin is not None else None
        same_spans = before is not None and _relative(before) == _relative(chunk)
        for number in range(len(chunk.sentences)):
            key = (chunk.id, number)
            if key in known:
                continue
            if same_spans and origin is not None:
                sources[key] = (origin, number)
            elif by_text and (found := by_sentence.get(new.sentence_text(key))) is not None:
                sources[key] = found
    return sources


def moved_documents(old: Snapshot, documents: Sequence[Document]) -> dict[str, str]:
    """New document id -> old document id, for a file renamed or moved: its cleaned text
    is that of an old document whose file is no longer indexed, and its own file was not
    indexed before. With a ``sources.toml`` entry that followed the file, the id is the
    same; a derived id changes with the path, and then neither id may be in use on the
    other side (the old one gone, the new one unseen), so the move replaces exactly one
    "removed" and one "added" document.
    """
    new_files = {doc.meta.file for doc in documents}
    old_files = {doc.meta.file for doc in old.documents}
    new_ids = {doc.id for doc in documents}
    left: dict[str, list[Document]] = {}
    for doc in old.documents:
        if doc.meta.file not in new_files:
            left.setdefault(doc.text, []).append(doc)
    moved: dict[str, str] = {}
    for doc in documents:
        candidates = left.get(doc.text) if doc.meta.file not in old_files else None
        for position, before in enumerate(candidates or []):
            if before.id == doc.id or (before.id not in new_ids and doc.id not in old.by_id):
                moved[doc.id] = before.id
                del left[doc.text][position]
                break
    return moved


def _relative(chunk: Chunk) -> tuple[Span, ...]:
    """The chunk's sentence spans as offsets into its own text."""
    return tuple((start - chunk.start, end - chunk.start) for start, end in chunk.sentences)
