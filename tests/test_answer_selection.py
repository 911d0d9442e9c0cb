"""Which candidates an answer quotes beside its best one (ExtractiveAnswerer._select)."""

from __future__ import annotations

from assistant.chunking import Chunk
from assistant.documents import Document, SourceMeta
from assistant.extractive import Candidate, ExtractiveAnswerer
from assistant.reader import Reading
from assistant.retrieval import Passage

TEXT = (
    "Au total, environ 50 personnes employées aux Usines. "
    "Une CAE accompagne les entrepreneurs. On en recense 150 en France."
)


def _candidate(passage: Passage, sentence: str, score: float, logit: float) -> Candidate:
    start = TEXT.index(sentence)
    return Candidate(
        passage=passage,
        passage_rank=0,
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
