"""The default answerer: picks the source sentence that answers, quoted verbatim.

No language model writes anything. For the passages retrieval found:

1. every sentence becomes a candidate, in its context (document title, the heading it
   sits under, the sentence before it); headings, questions and table headers never are
   answers, a sentence announcing a list ("…sont :") carries all its items, an
   announcement left empty is dropped (:mod:`assistant.structure`);
2. candidates are scored: by default by the logistic selector over explicit signals
   (:mod:`assistant.selector`); with ``retrieval.reader`` by the trained reader
   (:mod:`assistant.reader`: a relevance logit and the answer span per candidate of a
   shortlist), calibrated with the explicit signals (:mod:`assistant.calibration`);
3. below the threshold the answerer abstains and offers leads; candidates that miss a
   name or a number the question asks about are never answers (a model cannot see that
   an answer about Niort is not about Poitiers);
4. the answer quotes the sentence, every list item in order, and the sentence an
   anaphoric start points back to; with the reader's span, a long sentence is cut to
   the clauses around it (marked "…") and the span is given in the citation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from assistant import selector
from assistant.analysis import fold, terms
from assistant.answers import Answer, Citation
from assistant.calibration import Calibration
from assistant.concepts import concept_weights, coverage
from assistant.numbers import numbers
from assistant.phrases import LEADS, LIST_GOES_ON, NOT_FOUND, say
from assistant.questions import evidence_match, question_entities
from assistant.reader import Reader, ReaderInput, Reading
from assistant.retrieval import Passage, Retrieval, ServingIndex
from assistant.structure import Structure

# A sentence that starts by pointing back ("Ce projet leur vaut…", "Né en 2012…") is quoted
# with the sentence before it, which names what it points at.
_ANAPHORA = re.compile(
    r"^(?:ce|cet|cette|ces|celui-ci|celle-ci|ceux-ci|cela|ceci|il|elle|ils|elles|on|"
    r"né|née|nés|nées|créé|créée|fondé|fondée|it|its|this|these|they|he|she|born|founded)\b",
    re.IGNORECASE,
)
_NEVER_ANSWERS = frozenset({"question", "heading", "header"})
# Long sentences are cut to the clause holding the answer; below this they stay whole.
_LONG_SENTENCE_WORDS = 35
_MIN_CLAUSE_WORDS = 8
_CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[–—-])\s+")


@dataclass
class Candidate:
    """A sentence of a retrieved passage, with what the reader and the checks found."""

    passage: Passage
    passage_rank: int
    number: int  # sentence number inside the chunk
    start: int
    end: int
    text: str
    heading: str = ""
    previous: str = ""
    items: tuple[tuple[int, int], ...] = ()  # the list this sentence announces
    truncated: bool = False  # the list goes on past what is quoted
    before: tuple[int, int] | None = None  # the sentence an anaphoric start refers back to
    dense: float = 0.0
    type_match: float = 0.0
    reading: Reading | None = None
    score: float = 0.0
    features: list[float] = field(default_factory=list)

    def spans(self) -> list[tuple[int, int]]:
        """Every span the answer quotes for this candidate, in source order."""
        head = [self.before] if self.before else []
        return [*head, (self.start, self.end), *self.items]

    def quoted(self) -> str:
        text = self.passage.document.text
        return " ".join(text[a:b] for a, b in self.spans())

    def reader_input(self) -> ReaderInput:
        sentence = self.text
        if self.items:
            text = self.passage.document.text
            sentence = " ".join([self.text, *(text[a:b] for a, b in self.items)])
        meta = self.passage.document.meta
        return ReaderInput(sentence, meta.title, self.heading, self.previous)

    @property
    def doc_id(self) -> str:
        return self.passage.document.id


class ExtractiveAnswerer:
    """Quotes the sentence (or list, or clause) that answers, and cites it; scored by the
    logistic selector, or by the trained reader with ``use_reader``."""

    def __init__(
        self,
        *,
        reader: Reader | None = None,
        calibration: Calibration | None = None,
        use_reader: bool | None = None,
        passages: int | None = None,
        shortlist: int = 24,
        max_answers: int | None = None,
        margin: float | None = None,
    ) -> None:
        self._reader = reader
        self._calibration = calibration
        # The logistic selector scores by default; the reader when asked for (or handed in).
        self.use_reader = reader is not None if use_reader is None else use_reader
        self.passages = passages or (6 if self.use_reader else 10)
        self.shortlist = shortlist
        self.max_answers = max_answers or (2 if self.use_reader else 3)
        self.margin = margin if margin is not None else (0.15 if self.use_reader else 0.06)

    @cached_property
    def reader(self) -> Reader:
        return self._reader or Reader()

    @cached_property
    def calibration(self) -> Calibration:
        return self._calibration or Calibration.from_reader(self.reader)

    def threshold(self, index: ServingIndex) -> float:
        """The abstention threshold: the reader's calibrated one, or the threshold of the
        selector fitted for the embedding backend that built ``index``."""
        if self.use_reader:
            return self.calibration.threshold
        return _selector_fit(index).threshold

    def answer(
        self,
        question: str,
        *,
        kind: str,
        language: str,
        retrieval: Retrieval,
        index: ServingIndex,
        asked: str | None = None,
        previous_answer: str = "",
    ) -> Answer:
        """Answer ``question``; ``asked`` is what the reader reads (the question with what a
        follow-up leaves out filled in); ``previous_answer``'s sentences are not repeated
        unless they answer this question too."""
        candidates = self.score(
            question, kind=kind, retrieval=retrieval, index=index, asked=asked,
            previous_answer=previous_answer,
        )  # fmt: skip
        threshold = self.threshold(index)
        usable = [c for c in self.grounded(question, candidates, index) if c.score >= threshold]
        if not usable:
            return self.abstain(question, language, candidates)
        chosen = self._select(usable)
        return _compose(question, language, chosen, confidence=chosen[0].score)

    def score(
        self,
        question: str,
        *,
        kind: str,
        retrieval: Retrieval,
        index: ServingIndex,
        asked: str | None = None,
        previous_answer: str = "",
    ) -> list[Candidate]:
        """Candidates of the top passages, the shortlist read and calibrated, best first."""
        candidates = self._candidates(retrieval.passages[: self.passages], index)
        if not candidates:
            return []
        if not self.use_reader:
            self._select_scores(question, kind, candidates, retrieval, index)
            _penalise_repeats(candidates, previous_answer)
            return sorted(candidates, key=lambda c: c.score, reverse=True)
        # The selector's explicit signals rank every candidate cheaply and decide which
        # ones the reader reads; its calibrated score then combines both.
        self._select_scores(question, kind, candidates, retrieval, index)
        candidates.sort(key=lambda c: c.score, reverse=True)
        short, rest = candidates[: self.shortlist], candidates[self.shortlist :]
        readings = self.reader.read(asked or question, [c.reader_input() for c in short])
        for candidate, reading in zip(short, readings, strict=True):
            candidate.reading = reading
            candidate.features = self.calibration.features(
                logit=reading.logit, signals=candidate.features
            )
            candidate.score = self.calibration.probability(candidate.features)
        _penalise_repeats(short, previous_answer)
        for candidate in rest:
            candidate.score = 0.0
        return sorted(short, key=lambda c: c.score, reverse=True) + rest

    def _select_scores(
        self,
        question: str,
        kind: str,
        candidates: list[Candidate],
        retrieval: Retrieval,
        index: ServingIndex,
    ) -> None:
        """Set every candidate's score to the logistic selector's probability."""
        concepts = retrieval.concepts
        weights = concept_weights(concepts, index.idf)
        asked_numbers = numbers(question)
        fit = _selector_fit(index)
        context: dict[str, float] = {}
        dense = _dense(candidates, retrieval, index)
        for candidate, similarity in zip(candidates, dense, strict=True):
            chunk = candidate.passage.chunk
            language = candidate.passage.document.meta.language or "fr"
            if chunk.id not in context:
                context[chunk.id] = coverage(
                    concepts, weights, set(terms(chunk.embed_text, language))
                )
            quoted = candidate.quoted()
            candidate.dense = similarity
            candidate.type_match = evidence_match(kind, quoted)
            candidate.features = selector.feature_vector(
                dense=candidate.dense,
                lexical=coverage(concepts, weights, set(terms(quoted, language))),
                context=context[chunk.id],
                type_match=candidate.type_match,
                kind=kind,
                passage_rank=candidate.passage_rank,
                text=quoted,
                question_numbers=asked_numbers,
                position=candidate.number,
            )
            candidate.score = fit.probability(candidate.features)

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
            if candidate.doc_id not in {c.doc_id for c in leads}:
                leads.append(candidate)
            if len(leads) == 2:
                break
        citations = [_citation(n, c) for n, c in enumerate(leads, start=1)]
        best = candidates[0].score if candidates else 0.0
        return not_found(question, language, citations, confidence=best)

    def _candidates(self, passages: Sequence[Passage], index: ServingIndex) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[tuple[str, int]] = set()
        snapshot = index.snapshot
        for rank, passage in enumerate(passages):
            doc = passage.document
            structure = snapshot.structure(doc.id)
            for number, (start, end) in enumerate(passage.chunk.sentences):
                if (doc.id, start) in seen:
                    continue
                seen.add((doc.id, start))
                position = structure.index((start, end))
                role = structure.roles[position]
                if role in _NEVER_ANSWERS:
                    continue
                if role == "announce" and not structure.items[position]:
                    continue  # "En 2021, les 3 lauréats étaient :" and nothing after it
                candidate = Candidate(
                    passage, rank, number, start, end, doc.text[start:end],
                    heading=_sentence(doc.text, structure, structure.heading[position]),
                    previous=_sentence(doc.text, structure, position - 1),
                    items=structure.items[position],
                    truncated=structure.truncated[position],
                )  # fmt: skip
                if position > 0 and _ANAPHORA.match(candidate.text):
                    before = structure.spans[position - 1]
                    if structure.roles[position - 1] not in _NEVER_ANSWERS:
                        candidate.before = before
                out.append(candidate)
        return out

    def _select(self, usable: list[Candidate]) -> list[Candidate]:
        best = usable[0]
        chosen = [best]
        for candidate in usable[1:]:
            if len(chosen) >= self.max_answers or candidate.score < best.score - self.margin:
                break
            if any(_same_content(candidate, c) or _overlaps(candidate, c) for c in chosen):
                continue
            chosen.append(candidate)
        # Sentences of one document read best in their source order.
        if len({c.doc_id for c in chosen}) == 1:
            chosen.sort(key=lambda c: c.start)
        return chosen


def _selector_fit(index: ServingIndex) -> selector.Fit:
    """The selector fitted for the embedding backend that built ``index`` (its ``dense``
    signal is that model's cosine)."""
    backend = index.snapshot.fingerprint.get("backend", "sentence-transformers")
    return selector.fit_for(str(backend))


def _penalise_repeats(candidates: Sequence[Candidate], previous_answer: str) -> None:
    """A follow-up asks something new: a sentence the previous answer already gave must
    answer it clearly (half its score still above the threshold) to be given again."""
    repeated = fold(previous_answer)
    if not repeated:
        return
    for candidate in candidates:
        if fold(candidate.text) in repeated:
            candidate.score *= 0.5


def _sentence(text: str, structure: Structure, position: int) -> str:
    if position < 0:
        return ""
    start, end = structure.spans[position]
    return text[start:end]


def _dense(candidates: list[Candidate], retrieval: Retrieval, index: ServingIndex) -> list[float]:
    """Cosine of each candidate sentence's vector with the question's, when the index
    holds sentence vectors; zeros otherwise."""
    try:
        rows = [index.sentence_rows[c.passage.chunk.id] + c.number for c in candidates]
        vectors = index.sentence_vectors[rows].astype(np.float32)
        return [float(x) for x in vectors @ retrieval.query_vector]
    except (KeyError, IndexError, ValueError, FileNotFoundError, OSError):
        return [0.0] * len(candidates)


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
    if asked_numbers - numbers(candidate.quoted()):
        return False
    if not names:
        return True
    snapshot = index.snapshot
    doc_id = candidate.passage.document.id
    texts = [snapshot.folded_text(doc_id)]
    if doc_id in snapshot.twins:
        texts.append(snapshot.folded_text(snapshot.twins[doc_id]))
    # "SCIC" is named by a text that spells it out, and the reverse (assistant.acronyms).
    mentioned = snapshot.acronyms.mentioned
    return all(any(mentioned(name, text) for text in texts) for name in names)


def _same_content(a: Candidate, b: Candidate) -> bool:
    """Near-duplicates (a caption repeating a sentence, a translation) are cited once."""
    ta, tb = set(fold(a.text).split()), set(fold(b.text).split())
    return len(ta & tb) / max(1, min(len(ta), len(tb))) > 0.7


def _overlaps(a: Candidate, b: Candidate) -> bool:
    """One quotes the other (an item of a list the other announces, an anaphora's source)."""
    if a.doc_id != b.doc_id:
        return False
    return bool(set(a.spans()) & set(b.spans()))


def answer_part(text: str, start: int, end: int, span: tuple[int, int]) -> tuple[int, int]:
    """The part of sentence ``text[start:end]`` to quote for an answer at ``span``
    (document offsets): the whole sentence when it is short, else the run of clauses
    (cut at commas, semicolons, colons, dashes) around the span, at least
    ``_MIN_CLAUSE_WORDS`` words long."""
    if len(text[start:end].split()) <= _LONG_SENTENCE_WORDS:
        return start, end
    cuts = [start] + [start + m.end() for m in _CLAUSE_BREAK.finditer(text[start:end])] + [end]
    clauses = list(itertools.pairwise(cuts))
    first = next((i for i, (a, b) in enumerate(clauses) if a <= span[0] < b), 0)
    last = next((i for i, (a, b) in enumerate(clauses) if a < span[1] <= b), first)
    last = max(first, last)
    while len(text[clauses[first][0] : clauses[last][1]].split()) < _MIN_CLAUSE_WORDS:
        if last + 1 < len(clauses):
            last += 1
        elif first > 0:
            first -= 1
        else:
            break
    a, b = clauses[first][0], clauses[last][1]
    b = a + len(text[a:b].rstrip(" ,;:–—-"))
    return a, b


def _compose(
    question: str, language: str, chosen: Sequence[Candidate], confidence: float
) -> Answer:
    citations: list[Citation] = []
    parts: list[str] = []
    quoted: set[tuple[int, int]] = set()
    for candidate in chosen:
        text = candidate.passage.document.text
        for start, end in candidate.spans():
            if (start, end) in quoted:
                continue
            quoted.add((start, end))
            span = _answer_span(candidate, start, end)
            a, b = (start, end)
            if span is not None and (start, end) == (candidate.start, candidate.end):
                a, b = answer_part(text, start, end, span)
            citation = _citation(len(citations) + 1, candidate, a, b, span)
            citations.append(citation)
            lead = "… " if a > start else ""
            tail = " …" if b < end else ""
            parts.append(f"{lead}{citation.quote} [{citation.n}]{tail}")
        if candidate.truncated:
            parts.append(say(LIST_GOES_ON, language))
    return Answer(
        text=" ".join(parts),
        citations=citations,
        abstained=False,
        language=language,
        question=question,
        confidence=confidence,
    )


def _answer_span(candidate: Candidate, start: int, end: int) -> tuple[int, int] | None:
    """The reader's answer span in document offsets, when it falls inside ``start:end``."""
    reading = candidate.reading
    if reading is None or reading.span_score == float("-inf"):
        return None
    a, b = reading.span
    sentence_chars = candidate.end - candidate.start
    if b <= sentence_chars:  # inside the sentence itself
        a, b = candidate.start + a, candidate.start + b
    else:  # inside a list item: the reader read them after the sentence, one space apart
        offset = sentence_chars + 1
        for item_start, item_end in candidate.items:
            length = item_end - item_start
            if offset <= a and b <= offset + length:
                a, b = item_start + a - offset, item_start + b - offset
                break
            offset += length + 1
        else:
            return None
    if start <= a < b <= end:
        return a, b
    return None


def _citation(
    n: int,
    candidate: Candidate,
    start: int | None = None,
    end: int | None = None,
    span: tuple[int, int] | None = None,
) -> Citation:
    start = candidate.start if start is None else start
    end = candidate.end if end is None else end
    inside = span is not None and start <= span[0] < span[1] <= end
    return Citation.quoting(
        n,
        candidate.passage.document,
        start,
        end,
        candidate.score,
        answer=span if inside else None,
    )
