"""The default answerer: picks source sentences that answer, quotes them verbatim, cites them.

No language model is involved. Each candidate sentence of the retrieved passages gets
a score from four signals: its embedding's similarity to the question (embedded at
index time), the share of the question's keywords it holds (IDF-weighted), whether it
holds the kind of information asked for (a number, a date, a name...), and the rank
of its passage, combined by a small logistic model (:mod:`assistant.selector`). Below a
calibrated threshold the answerer abstains and offers leads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.analysis import fold, terms
from assistant.answers import Answer, Citation
from assistant.concepts import concept_weights, coverage
from assistant.phrases import LEADS, NOT_FOUND, say
from assistant.questions import evidence_match
from assistant.retrieval import Passage, Retrieval, ServingIndex
from assistant.selector import (
    THRESHOLD,
    feature_vector,
    numbers,
    probability,
    question_entities,
)
from assistant.sentences import is_prose

_ANNOUNCES_LIST = re.compile(r":\s*$")
# A sentence that starts by pointing back ("Ce projet leur vaut…", "Né en 2012…") is quoted
# with the sentence before it, which names what it points at.
_ANAPHORA = re.compile(
    r"^(?:ce|cet|cette|ces|celui-ci|celle-ci|ceux-ci|cela|ceci|il|elle|ils|elles|on|"
    r"né|née|nés|nées|créé|créée|fondé|fondée|it|its|this|these|they|he|she|born|founded)\b",
    re.IGNORECASE,
)


@dataclass
class Candidate:
    """A sentence of a retrieved passage, with the signals that score it."""

    passage: Passage
    passage_rank: int
    number: int  # sentence number inside the chunk
    start: int
    end: int
    text: str
    dense: float = 0.0
    lexical: float = 0.0
    type_match: float = 0.0
    score: float = 0.0
    features: list[float] = field(default_factory=list)
    follow_on: list[tuple[int, int]] = field(default_factory=list)
    before: tuple[int, int] | None = None  # the sentence an anaphoric start refers back to

    def spans(self) -> list[tuple[int, int]]:
        """Every span the answer quotes for this candidate, in source order."""
        head = [self.before] if self.before else []
        return [*head, (self.start, self.end), *self.follow_on]

    @property
    def doc_id(self) -> str:
        return self.passage.document.id


class ExtractiveAnswerer:
    """Selects one to three verbatim sentences and cites each one."""

    def __init__(
        self,
        *,
        threshold: float = THRESHOLD,
        passages: int = 10,
        max_sentences: int = 3,
        margin: float = 0.06,
    ) -> None:
        self.threshold = threshold
        self.passages = passages
        self.max_sentences = max_sentences
        self.margin = margin

    def answer(
        self,
        question: str,
        *,
        kind: str,
        language: str,
        retrieval: Retrieval,
        index: ServingIndex,
    ) -> Answer:
        candidates = self.score(question, kind=kind, retrieval=retrieval, index=index)
        usable = [
            c for c in self.grounded(question, candidates, index) if c.score >= self.threshold
        ]
        if not usable:
            return self.abstain(question, language, candidates)
        chosen = self._select(usable)
        return _compose(question, language, chosen, confidence=chosen[0].score)

    def score(
        self, question: str, *, kind: str, retrieval: Retrieval, index: ServingIndex
    ) -> list[Candidate]:
        """Every sentence of the top passages, scored, best first."""
        candidates = self._candidates(retrieval.passages[: self.passages], index)
        if not candidates:
            return []
        rows = [index.sentence_rows[c.passage.chunk.id] + c.number for c in candidates]
        dense = index.sentence_vectors[rows].astype(np.float32) @ retrieval.query_vector
        concepts = retrieval.concepts
        weights = concept_weights(concepts, index.idf)
        asked_numbers = numbers(question)
        context: dict[str, float] = {}
        for candidate, similarity in zip(candidates, dense, strict=True):
            language = candidate.passage.document.meta.language or "fr"
            chunk = candidate.passage.chunk
            if chunk.id not in context:
                context[chunk.id] = coverage(
                    concepts, weights, set(terms(chunk.embed_text, language))
                )
            quoted = " ".join(candidate.passage.document.text[a:b] for a, b in candidate.spans())
            candidate.dense = float(similarity)
            candidate.lexical = coverage(concepts, weights, set(terms(quoted, language)))
            candidate.type_match = evidence_match(kind, quoted)
            candidate.features = feature_vector(
                dense=candidate.dense,
                lexical=candidate.lexical,
                context=context[chunk.id],
                type_match=candidate.type_match,
                kind=kind,
                passage_rank=candidate.passage_rank,
                text=quoted,
                question_numbers=asked_numbers,
                position=candidate.number,
            )
            candidate.score = probability(candidate.features)
        return sorted(candidates, key=lambda c: c.score, reverse=True)

    def grounded(
        self, question: str, candidates: Sequence[Candidate], index: ServingIndex
    ) -> list[Candidate]:
        """The candidates that mention what the question names (places, years...)."""
        names = question_entities(question)
        asked_numbers = numbers(question)
        return [c for c in candidates if _grounded(c, names, asked_numbers, index)]

    def abstain(self, question: str, language: str, candidates: Sequence[Candidate]) -> Answer:
        """A clear "not found", with the best sentence of the two best documents as leads."""
        leads: list[Candidate] = []
        for candidate in candidates:
            if candidate.doc_id not in {c.doc_id for c in leads} and not candidate.follow_on:
                leads.append(candidate)
            if len(leads) == 2:
                break
        citations = [_citation(n, c) for n, c in enumerate(leads, start=1)]
        best = candidates[0].score if candidates else 0.0
        return not_found(question, language, citations, confidence=best)

    def _candidates(self, passages: Sequence[Passage], index: ServingIndex) -> list[Candidate]:
        out: list[Candidate] = []
        for rank, passage in enumerate(passages):
            text = passage.document.text
            for number, (start, end) in enumerate(passage.chunk.sentences):
                candidate = Candidate(passage, rank, number, start, end, text[start:end])
                if number > 0 and _ANAPHORA.match(candidate.text):
                    candidate.before = passage.chunk.sentences[number - 1]
                if _ANNOUNCES_LIST.search(candidate.text):
                    candidate.follow_on = _list_items(passage, number, index)
                    if not candidate.follow_on:
                        continue  # "En 2021, les 3 lauréats étaient :" and nothing after it
                out.append(candidate)
        return out

    def _select(self, usable: list[Candidate]) -> list[Candidate]:
        best = usable[0]
        chosen = [best]
        for candidate in usable[1:]:
            if len(chosen) >= self.max_sentences or candidate.score < best.score - self.margin:
                break
            if any(_same_content(candidate, c) for c in chosen):
                continue
            chosen.append(candidate)
        # Sentences of one document read best in their source order.
        if len({c.doc_id for c in chosen}) == 1:
            chosen.sort(key=lambda c: c.start)
        return chosen


def not_found(
    question: str,
    language: str,
    leads: Sequence[Citation],
    *,
    confidence: float = 0.0,
    kind: str = "extractive",
) -> Answer:
    """The "not found" answer, its ``leads`` (numbered from 1) cited as closest passages."""
    text = say(NOT_FOUND, language)
    if leads:
        markers = ", ".join(f"[{c.n}]" for c in leads)
        text += " " + say(LEADS, language, markers=markers)
    return Answer(
        text=text,
        citations=list(leads),
        abstained=True,
        language=language,
        question=question,
        kind=kind,
        confidence=confidence,
    )


def _grounded(
    candidate: Candidate, names: Sequence[str], asked_numbers: set[str], index: ServingIndex
) -> bool:
    """An answer about Bordeaux must come from a text that names Bordeaux, and an answer
    about 2021 must quote 2021: otherwise it is a near miss, not an answer."""
    quoted = " ".join(candidate.passage.document.text[a:b] for a, b in candidate.spans())
    if asked_numbers - numbers(quoted):
        return False
    if not names:
        return True
    snapshot = index.snapshot
    doc_id = candidate.passage.document.id
    texts = [snapshot.folded_text(doc_id)]
    if doc_id in snapshot.twins:
        texts.append(snapshot.folded_text(snapshot.twins[doc_id]))
    return all(any(fold(name) in text for text in texts) for name in names)


def _same_content(a: Candidate, b: Candidate) -> bool:
    """Near-duplicates (a caption repeating a sentence, a translation) are cited once."""
    ta, tb = set(fold(a.text).split()), set(fold(b.text).split())
    return len(ta & tb) / max(1, min(len(ta), len(tb))) > 0.7


def _list_items(passage: Passage, number: int, index: ServingIndex) -> list[tuple[int, int]]:
    """The items a "…sont :" sentence announces: the following sentences until the next
    heading that itself announces a list. Empty when the list was left empty."""
    doc = passage.document
    sentences = [s for c in index.snapshot.chunks[doc.id] for s in c.sentences]
    start = passage.chunk.sentences[number]
    position = sentences.index(start)
    items: list[tuple[int, int]] = []
    for span in sentences[position + 1 : position + 4]:
        if not is_prose(doc.text[span[0] : span[1]]):
            break  # the next heading, label or address: the list has ended (or was empty)
        items.append(span)
    return items


def _compose(
    question: str, language: str, chosen: Sequence[Candidate], confidence: float
) -> Answer:
    citations: list[Citation] = []
    parts: list[str] = []
    quoted: set[tuple[int, int]] = set()
    for candidate in chosen:
        for start, end in candidate.spans():
            if (start, end) in quoted:
                continue
            quoted.add((start, end))
            citation = _citation(len(citations) + 1, candidate, start, end)
            citations.append(citation)
            parts.append(f"{citation.quote} [{citation.n}]")
    return Answer(
        text=" ".join(parts),
        citations=citations,
        abstained=False,
        language=language,
        question=question,
        confidence=confidence,
    )


def _citation(
    n: int, candidate: Candidate, start: int | None = None, end: int | None = None
) -> Citation:
    return Citation.quoting(
        n,
        candidate.passage.document,
        candidate.start if start is None else start,
        candidate.end if end is None else end,
        candidate.score,
    )
