"""Structure-aware chunks: paragraphs first, then sentences, within the model's window."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.documents import Document
from assistant.text.sentences import split_sentences

TokenCounter = Callable[[Sequence[str]], list[int]]
Span = tuple[int, int]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


@dataclass(frozen=True)
class Chunk:
    """A contiguous piece of a document's cleaned text; ``text == doc.text[start:end]``."""

    id: str
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]
    embed_text: str


def chunk_document(
    doc: Document, count_tokens: TokenCounter, *, max_tokens: int, min_tokens: int
) -> list[Chunk]:
    """Cut ``doc`` into chunks of whole sentences, keeping paragraphs together when they fit.

    A paragraph is one chunk; paragraphs shorter than ``min_tokens`` (headings, one-line
    leads) are merged with what follows; a paragraph over ``max_tokens`` is split between
    sentences, and a single sentence over it between words.
    """
    text = doc.text
    groups = _sentence_groups(text, count_tokens, max_tokens)
    packed = _pack(groups, max_tokens, min_tokens)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for index, sentences in enumerate(packed):
        start, end = sentences[0][0], sentences[-1][1]
        body = text[start:end]
        embed_text = embedding_input(doc.meta.title, body)
        occurrence = seen.get(embed_text, 0)
        seen[embed_text] = occurrence + 1
        chunks.append(
            Chunk(
                id=chunk_id(doc.id, embed_text, occurrence),
                doc_id=doc.id,
                index=index,
                start=start,
                end=end,
                text=body,
                sentences=tuple(sentences),
                embed_text=embed_text,
            )
        )
    return chunks


def embedding_input(title: str, body: str) -> str:
    """The text that is embedded for a chunk: its document title, then the chunk."""
    return f"{title}\n{body}" if title else body


def chunk_id(doc_id: str, embed_text: str, occurrence: int = 0) -> str:
    """Content-derived id: the same text in the same document keeps its id (and embedding)."""
    digest = hashlib.sha256(f"{doc_id}\x00{embed_text}\x00{occurrence}".encode()).hexdigest()
    return f"{doc_id[:40]}-{digest[:16]}"


def paragraphs(text: str) -> list[Span]:
    """Offsets of the blank-line separated paragraphs of ``text``."""
    spans: list[Span] = []
    pos = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


@dataclass
class _Group:
    sentences: list[Span]
    tokens: int


def _sentence_groups(text: str, count_tokens: TokenCounter, max_tokens: int) -> list[_Group]:
    """One group per paragraph, or several when the paragraph is over ``max_tokens``."""
    paragraph_sentences = [split_sentences(text, a, b) for a, b in paragraphs(text)]
    flat = [span for spans in paragraph_sentences for span in spans]
    counts = count_tokens([text[a:b] for a, b in flat]) if flat else []
    tokens = dict(zip(flat, counts, strict=True))
    groups: list[_Group] = []
    for spans in paragraph_sentences:
        current = _Group([], 0)
        for span in spans:
            pieces = (
                _split_long(text, span, tokens[span], max_tokens)
                if tokens[span] > max_tokens
                else [(span, tokens[span])]
            )
            for piece, size in pieces:
                if current.sentences and current.tokens + size > max_tokens:
                    groups.append(current)
                    current = _Group([], 0)
                current.sentences.append(piece)
                current.tokens += size
        if current.sentences:
            groups.append(current)
    return groups


def _split_long(text: str, span: Span, tokens: int, max_tokens: int) -> list[tuple[Span, int]]:
    """Cut an over-long sentence between words into near-equal pieces under the limit."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[span[0] : span[1]])]
    parts = -(-tokens // max_tokens) + 1
    per_part = max(1, -(-len(words) // parts))
    pieces: list[tuple[Span, int]] = []
    for i in range(0, len(words), per_part):
        chunk_words = words[i : i + per_part]
        piece = (span[0] + chunk_words[0][0], span[0] + chunk_words[-1][1])
        pieces.append((piece, -(-tokens * len(chunk_words) // len(words))))
    return pieces


def _pack(groups: list[_Group], max_tokens: int, min_tokens: int) -> list[list[Span]]:
    """Merge groups smaller than ``min_tokens`` with their neighbours while they fit."""
    packed: list[_Group] = []
    for group in groups:
        last = packed[-1] if packed else None
        if (
            last is not None
            and last.tokens < min_tokens
            and last.tokens + group.tokens <= max_tokens
        ):
            last.sentences.extend(group.sentences)
            last.tokens += group.tokens
        else:
            packed.append(_Group(list(group.sentences), group.tokens))
    # A short tail (a closing line) joins the chunk before it rather than standing alone.
    if len(packed) > 1 and packed[-1].tokens < min_tokens:
        tail = packed[-1]
        if packed[-2].tokens + tail.tokens <= max_tokens:
            packed.pop()
            packed[-1].sentences.extend(tail.sentences)
            packed[-1].tokens += tail.tokens
    return [group.sentences for group in packed]
