"""Which candidates an answer quotes beside its best one (ExtractiveAnswerer._select)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from assistant.chunking import Chunk
from assistant.documents import Document, SourceMeta
from assistant.extractive import Candidate, ExtractiveAnswerer
from assistant.reader import Reading
from assistant.retrieval import Passage, ServingIndex
from assistant.snapshot import Snapshot

TEXT = (
    "Au total, environ 50 personnes employées aux Usines. "
    "Une CAE accompagne les entrepreneurs. On en recense 150 en France."
)


def _candidate(passage: Passage, sentence: str, score: float, logit: float) -> Candidate:
    start = TEXT.index(sentence)
    return Candidate(
        passage=passage,
        document_rank=0,
        number=0,
        start=start,
        end=start + len(sentence),
        text=sentence,
        reading=Reading(logit, (0, 0), 0.0),
        score=score,
    )


def _passage() -> Passage:
    document = Document(SourceMeta(id="d", file="d.txt", title="D"), TEXT, sha256="0")
    chunk = Chunk("d#0", "d", 0, 0, len(TEXT), TEXT, ((0, len(TEXT)),), TEXT)
    return Passage(chunk, document, 1.0)


def test_a_sentence_the_reader_reads_far_worse_is_not_quoted_beside_the_answer() -> None:
    passage = _passage()
    best = _candidate(passage, "Au total, environ 50 personnes employées aux Usines.", 0.36, 0.6)
    other = _candidate(passage, "On en recense 150 en France.", 0.22, -2.1)
    answerer = ExtractiveAnswerer(use_reader=True)
    assert answerer._select([best, other]) == [best]


def test_a_sentence_the_reader_reads_as_well_is_quoted_too() -> None:
    passage = _passage()
    best = _candidate(passage, "Au total, environ 50 personnes employées aux Usines.", 0.43, -0.55)
    other = _candidate(passage, "On en recense 150 en France.", 0.39, -0.51)
    answerer = ExtractiveAnswerer(use_reader=True)
    assert answerer._select([best, other]) == [best, other]


def test_every_chunk_of_a_document_ranks_as_its_document() -> None:
    """The second chunk of the best document (a list of laureates after the paragraph that
    names the prize) is as close to the question as its first: candidates carry the rank of
    their document among the retrieved ones, not of their chunk."""
    first = "Le prix a été remis mardi soir. "
    second = "Les lauréats sont La Bricole et Terre de Laine."
    a_text, b_text = first + second, "Un autre texte sur le même prix."
    a = Document(SourceMeta(id="a", file="a.txt", title="A"), a_text, sha256="a")
    b = Document(SourceMeta(id="b", file="b.txt", title="B"), b_text, sha256="b")
    a0 = Chunk("a#0", "a", 0, 0, len(first), first, ((0, len(first) - 1),), first)
    a1 = Chunk("a#1", "a", 1, len(first), len(a_text), second, ((len(first), len(a_text)),), second)
    b0 = Chunk("b#0", "b", 0, 0, len(b_text), b_text, ((0, len(b_text)),), b_text)
    snapshot = Snapshot("g", {}, [a, b], {"a": [a0, a1], "b": [b0]})
    index = ServingIndex(snapshot, Path("."), cast(Any, None))
    passages = [Passage(a0, a, 0.9), Passage(b0, b, 0.8), Passage(a1, a, 0.7)]
    candidates = ExtractiveAnswerer(use_reader=False)._candidates(passages, index)
    ranks = {c.text: c.document_rank for c in candidates}
    assert ranks == {first.strip(): 0, b_text: 1, second: 0}
