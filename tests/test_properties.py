"""Properties over generated text: chunk offsets and citations always point at the text."""

from __future__ import annotations

import re
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.answer.extractive import Candidate, _compose
from assistant.answers import Answer
from assistant.documents import Document, SourceMeta
from assistant.index.chunking import Chunk, chunk_document
from assistant.ingest.cleaning import clean_text
from assistant.retrieve.retriever import Passage
from assistant.serve.web_html import passage_context

WORDS = (
    "économie sociale solidaire Poitiers coopérative l'association d'insertion tiers-lieu "
    "M. Dupont 2022 3,5 % « ressourcerie » (ESS) Grand-Poitiers œuvre naïve été — café"
).split()


def _words_count(texts: Sequence[str]) -> list[int]:
    """A stand-in tokenizer: fast, deterministic, one token per word."""
    return [len(text.split()) for text in texts]


sentences = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=30),
    st.sampled_from([".", " ?", " !", "…", "", ";", ":"]),
)
noise = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFF), max_size=40
)
paragraph = st.lists(st.one_of(sentences, noise), min_size=1, max_size=8).map(" ".join)
raw_texts = st.lists(
    st.tuples(paragraph, st.sampled_from(["\n\n", "\n", "\n\n\n", "\r\n\r\n", " \n \n"])),
    min_size=1,
    max_size=12,
).map(lambda parts: "".join(p + sep for p, sep in parts))


def _document(raw: str) -> Document:
    text = clean_text(raw, language="fr")
    meta = SourceMeta(id="doc", file="doc.txt", title="Titre", language="fr")
    return Document(meta=meta, text=text, sha256="0", path=None)


def _chunks(doc: Document, max_tokens: int, min_tokens: int) -> list[Chunk]:
    return chunk_document(doc, _words_count, max_tokens=max_tokens, min_tokens=min_tokens)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_texts, st.integers(3, 80), st.integers(0, 40))
def test_chunk_and_sentence_offsets_point_at_the_text(
    raw: str, max_tokens: int, min_tokens: int
) -> None:
    doc = _document(raw)
    chunks = _chunks(doc, max_tokens, min_tokens)
    covered = bytearray(len(doc.text))
    previous_end = 0
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert previous_end <= chunk.start < chunk.end  # in order, never overlapping
        previous_end = chunk.end
        assert chunk.sentences and chunk.sentences[0][0] == chunk.start
        assert chunk.sentences[-1][1] == chunk.end
        for start, end in chunk.sentences:
            assert chunk.start <= start < end <= chunk.end
            piece = doc.text[start:end]
            assert piece == piece.strip()
            covered[start:end] = b"\x01" * (end - start)
    # Nothing but whitespace is left out of the chunks.
    missing = "".join(ch for ch, seen in zip(doc.text, covered, strict=True) if not seen)
    assert not missing.strip()
    # The same text cut again gives the same ids: unchanged documents keep their vectors.
    assert [c.id for c in _chunks(doc, max_tokens, min_tokens)] == [c.id for c in chunks]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_texts, st.data())
def test_every_citation_quotes_the_text_at_its_offsets(raw: str, data: st.DataObject) -> None:
    doc = _document(raw)
    chunks = _chunks(doc, 40, 10)
    if not chunks:
        return
    chosen = []
    for rank in range(data.draw(st.integers(1, 3))):
        chunk = data.draw(st.sampled_from(chunks))
        passage = Passage(chunk=chunk, document=doc, score=1.0)
        number = data.draw(st.integers(0, len(chunk.sentences) - 1))
        start, end = chunk.sentences[number]
        later = list(chunk.sentences[number + 1 : number + 1 + data.draw(st.integers(0, 2))])
        before = chunk.sentences[number - 1] if number and data.draw(st.booleans()) else None
        chosen.append(
            Candidate(
                passage=passage,
                document_rank=rank,
                number=number,
                start=start,
                end=end,
                text=doc.text[start:end],
                score=0.5,
                items=tuple(later),
                before=before,
            )
        )
    answer: Answer = _compose("Question ?", "what", "fr", chosen, confidence=0.5)
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    position = 0
    for citation in answer.citations:
        assert citation.quote == doc.text[citation.start : citation.end]
        assert citation.source_id == "doc" and citation.quote.strip()
        marked = f"{citation.quote} [{citation.n}]"
        found = answer.text.find(marked, position)
        assert found >= 0  # every claim in the answer carries its marker, in order
        position = found + len(marked)
        before, quote, after = passage_context(doc.text, citation.start, citation.end)
        assert quote == citation.quote
        assert doc.text.find(before.removeprefix("…")) >= 0
        assert doc.text.find(after.removesuffix("…")) >= 0
    assert not re.search(r"\[\d+\]\s*\[\d+\]", answer.text)
