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
from assistant.analysis import fold, query_terms, terms
from assistant.answer_spans import typed_span
from assistant.answers import Answer, Citation
from assistant.calibration import Calibration
from assistant.concepts import Concept, concept_weights, coverage
from assistant.numbers import numbers
from assistant.phrases import LEADS, LIST_GOES_ON, NOT_FOUND, say
from assistant.questions import (
    counted_noun,
    evidence_match,
    question_entities,
    question_type,
    role_asked,
)
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
# Candidates the reader reads, the selector's best first: reading costs ~25 ms a candidate
# on 2 cores, and the selector's first eight hold a right candidate for 157 of the 169
# answerable questions of evals/poitiers.jsonl that have one among all (116 at first).
READ_SHORTLIST = 8
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
    role: str = "prose"  # assistant.structure's role of the sentence: "row", "item"...
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

    @property
    def language(self) -> str:
        """The language of the candidate's document (French when unknown)."""
        return self.passage.document.meta.language or "fr"


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
        shortlist: int = READ_SHORTLIST,
        max_answers: int | None = None,
        margin: float | None = None,
    ) -> None:
        self._reader = reader
        self._calibration = calibration
        # The logistic selector scores by default; the reader when asked for (or handed in).
        self.use_reader = reader is not None if use_reader is None else use_reader
        self.passages = passages or 10
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
        if _role_never_named(question, retrieval.concepts, index):
            return self.abstain(question, language, candidates)
        threshold = self.threshold(index)
        grounded = self.grounded(question, candidates, index, retrieval.concepts, kind)
        usable = [c for c in grounded if c.score >= threshold]
        if not usable:
            return self.abstain(question, language, candidates)
        chosen = self._select(usable)
        return _compose(question, kind, language, chosen, confidence=chosen[0].score)

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
        names = question_entities(question)
        mentioned = index.snapshot.acronyms.mentioned
        counted = _counted_concept(question, concepts)
        fit = _selector_fit(index)
        context: dict[str, float] = {}
        dense = _dense(candidates, retrieval, index)
        for candidate, similarity in zip(candidates, dense, strict=True):
            chunk = candidate.passage.chunk
            language = candidate.language
            if chunk.id not in context:
                context[chunk.id] = coverage(
                    concepts, weights, set(terms(chunk.embed_text, language))
                )
            quoted = candidate.quoted()
            found = set(terms(quoted, language))
            candidate.dense = similarity
            candidate.type_match = evidence_match(kind, quoted)
            candidate.features = selector.feature_vector(
                dense=candidate.dense,
                lexical=coverage(concepts, weights, found),
                context=context[chunk.id],
                type_match=candidate.type_match,
                kind=kind,
                passage_rank=candidate.passage_rank,
                text=quoted,
                question_numbers=asked_numbers,
                position=candidate.number,
                named=bool(names)
                and all(mentioned(name, fold(f"{candidate.heading} {quoted}")) for name in names),
                counted=0.0 if counted is None else (1.0 if counted.found_in(found) else -1.0),
            )
            candidate.score = fit.probability(candidate.features)

    def grounded(
        self,
        question: str,
        candidates: Sequence[Candidate],
        index: ServingIndex,
        concepts: Sequence[Concept] = (),
        kind: str | None = None,
    ) -> list[Candidate]:
        """The candidates that mention what the question names (places, years, and the
        office it asks about, among the question's ``concepts``), and hold a number when
        ``kind`` (default: read off the question) asks for a count or an amount."""
        names = question_entities(question)
        asked_numbers = numbers(question)
        kept = [c for c in candidates if _grounded(c, names, asked_numbers, index)]
        kind = kind or question_type(question)
        if kind in _NUMBER_KINDS:
            # "Quel budget… en 2023 ?" is not answered by 2023's laureates: a count or an
            # amount is a number (digits or words), and no model score stands in for one.
            kept = [c for c in kept if evidence_match(kind, c.quoted())]
        counted = _counted_concept(question, concepts) if kind == "how_many" else None
        if counted is not None:
            # "How many volunteers?": when some sentence counts volunteers, the sentences
            # that count something else (212 tonnes, eleven employees) do not answer.
            counting = [c for c in kept if counted.found_in(_terms_of(c))]
            kept = counting or kept
        role = _role_concept(question, concepts)
        if role is not None:
            # "Qui est le maire de Poitiers ?" is answered by a sentence that names the
            # mayor of Poitiers: not the deputy mayor ("l'adjointe au maire… est Claire
            # Moreau"), nor the "députée-maire de Niort".
            kept = [c for c in kept if role.found_in(_role_terms(c, names))]
        return _records_naming(kept, names, index) if names else kept

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
                    passage, rank, number, start, end, doc.text[start:end], role=role,
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


def _concept_of(word: str, concepts: Sequence[Concept]) -> Concept | None:
    """The question's concept for ``word`` (one of its words, folded), in all the forms
    retrieval gave it (translations, acronym expansions); None for an empty ``word``."""
    if not word:
        return None
    wanted = set(query_terms(word))
    return next((c for c in concepts if c.all_terms & wanted), None)


def _counted_concept(question: str, concepts: Sequence[Concept]) -> Concept | None:
    """The concept of what a count question counts (:func:`counted_noun`); None for other
    questions."""
    return _concept_of(counted_noun(question), concepts)


_DEPUTY = re.compile(
    r"\b(?:adjointe?s?|vice|deputy|assistant)[\s-]+"
    r"(?:(?:au|aux|a la|a l'|du|de la|de l'|to the)\s+)?[\w-]+"
)


def _without_deputies(text: str) -> str:
    """``text`` folded without the roles that are someone's deputy ("adjointe au maire",
    "vice-président", "deputy mayor"): their last word is not the role they assist."""
    return _DEPUTY.sub(" ", fold(text))


def _role_concept(question: str, concepts: Sequence[Concept]) -> Concept | None:
    """The concept of the role a "who holds it" question asks about (:func:`role_asked`);
    None for other questions."""
    return _concept_of(role_asked(question), concepts)


_NUMBER_KINDS = frozenset({"how_many", "amount"})
_OFFICE_OF = re.compile(
    r"([\w’'-]+)\s+(?:de|du|d['’]|of)\s*(?:la |l['’]|le |the )?([A-ZÀ-Ý][\w'’-]*)"
)


def _terms_of(candidate: Candidate) -> set[str]:
    return set(terms(candidate.quoted(), candidate.language))


def _role_terms(candidate: Candidate, names: Sequence[str]) -> set[str]:
    """Terms of the candidate (with its heading) that can name the office asked about:
    without deputies' titles and, when the question names places or bodies, without
    offices of others ("députée-maire de Niort" for the mayor of Poitiers)."""
    text = f"{candidate.heading} {candidate.quoted()}"
    if names:
        wanted = {fold(name) for name in names}

        def elsewhere(match: re.Match[str]) -> str:
            of = fold(match.group(2))
            if any(of in name or name.startswith(of) for name in wanted):
                return match.group(0)
            return " " + match.group(2)

        text = _OFFICE_OF.sub(elsewhere, text)
    return set(terms(_without_deputies(text), candidate.language))


def _role_never_named(question: str, concepts: Sequence[Concept], index: ServingIndex) -> bool:
    """Whether the question asks who holds a role ("Qui est le maire de Poitiers ?") that
    no indexed text names in any form (its translations included): then no sentence can
    say who holds it, however close it comes (kind 3 of issue 14: another official, or
    another town's, quoted with confidence)."""
    concept = _role_concept(question, concepts)
    return concept is not None and not concept.found_in(index.idf.keys())


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


_RECORDS = frozenset({"row", "item"})


def _records_naming(
    candidates: list[Candidate], names: Sequence[str], index: ServingIndex
) -> list[Candidate]:
    """Table rows and list items are records, each about its own entity: when a record of
    a document names what the question names ("Répar'Tout | Saint-Benoît | 9 500 €"), that
    document's records that do not (the other grantees' rows) are not about it. Prose keeps
    the document-wide check of :func:`_grounded`: its sentences say "elle" for the subject
    named once."""
    mentioned = index.snapshot.acronyms.mentioned

    def names_all(c: Candidate) -> bool:
        return all(mentioned(name, fold(c.text)) for name in names)

    naming = {c.doc_id for c in candidates if c.role in _RECORDS and names_all(c)}
    return [
        c for c in candidates if c.role not in _RECORDS or c.doc_id not in naming or names_all(c)
    ]


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
    question: str, kind: str, language: str, chosen: Sequence[Candidate], confidence: float
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
            span = _answer_span(candidate, kind, question, start, end)
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


def _answer_span(
    candidate: Candidate, kind: str, question: str, start: int, end: int
) -> tuple[int, int] | None:
    """The answer span in document offsets, inside ``start:end``: the count, amount or date
    a typed question asks for (:func:`assistant.answer_spans.typed_span`). The reader's
    span head is not used: on held-out PIAF questions its span held the answer for 5% of
    the sentences it rightly picked (``assistant/data/reader/reader.json``)."""
    span = typed_span(kind, question, candidate.passage.document.text[start:end])
    if span is None:
        return None
    return start + span[0], start + span[1]


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
