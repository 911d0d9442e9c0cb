"""The extractive answerer: picks the source sentence that answers, quoted verbatim.

No language model writes anything. For the passages retrieval found:

1. every sentence becomes a candidate, in its context (document title, the heading it
   sits under, the sentence before it); headings, questions and table headers never are
   answers, a sentence announcing a list ("…sont :") carries all its items, an
   announcement left empty is dropped (:mod:`assistant.text.structure`); a sentence longer
   than the reader reads well is also a candidate as runs of its clauses
   (:func:`clause_windows`);
2. the logistic selector (:mod:`assistant.answer.selector`) ranks every candidate from explicit
   signals; with the reader (the default with the e5 backend, ``retrieval.reader``) its
   best are read by the trained cross-encoder (:mod:`assistant.answer.reader`) and scored by a
   calibrated model over the reader's logit, the same signals and whether the candidate
   passes the explicit checks (:mod:`assistant.answer.calibration`);
3. candidates that miss a name, a number, the counted noun or the office the question
   asks about are never answers (a model cannot see that an answer about Niort is not
   about Poitiers); below the threshold the answerer abstains and offers leads;
4. on an FAQ page whose question heading asks what the user asks, the paragraph (or list)
   under the heading is the answer, whole (:func:`_faq_section`);
5. the answer quotes the sentence, every list item in order, and the sentence an
   anaphoric start points back to; for a count, an amount or a date the answer span
   comes from the kind of question (:mod:`assistant.answer.spans`), a long sentence is
   cut to the clauses around it (marked "…") and the span is given in the citation.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from assistant.answer import selector
from assistant.answer.answerer import pieces
from assistant.answer.calibration import Calibration
from assistant.answer.phrases import LIST_GOES_ON, not_found, say
from assistant.answer.reader import Reader, ReaderInput, Reading
from assistant.answer.spans import typed_span
from assistant.answers import Answer, Citation
from assistant.index.snapshot import Snapshot
from assistant.retrieve.concepts import Concept, concept_weights, coverage
from assistant.retrieve.query import Query
from assistant.retrieve.retriever import Passage, Retrieval, ServingIndex
from assistant.text.analysis import fold, query_terms, terms
from assistant.text.numbers import YEAR, numbers
from assistant.text.question_kinds import (
    counted_noun,
    describes,
    evidence_match,
    identity_subject,
    role_asked,
)
from assistant.text.structure import Structure

# A sentence that starts by pointing back ("Ce projet leur vaut…", "Né en 2012…") is quoted
# with the sentence before it, which names what it points at.
_ANAPHORA = re.compile(
    r"^(?:ce|cet|cette|ces|celui-ci|celle-ci|ceux-ci|cela|ceci|il|elle|ils|elles|on|"
    r"né|née|nés|nées|créé|créée|fondé|fondée|it|its|this|these|they|he|she|born|founded)\b",
    re.IGNORECASE,
)
_NEVER_ANSWERS = frozenset({"question", "heading", "header", "instruction"})
# Candidates the reader reads, the selector's best first: reading costs ~25 ms a candidate
# on 2 cores, and the selector's first eight hold a right candidate for 157 of the 169
# answerable questions of evals/poitiers.jsonl that have one among all (116 at first).
READ_SHORTLIST = 6
# A calibrated probability this high among the first candidates read ends the reading: see
# ExtractiveAnswerer.score and README, Performance (measured on the development set).
READ_SURE = 0.4
# Long sentences are cut to the clause holding the answer; below this they stay whole.
_LONG_SENTENCE_WORDS = 35
_MIN_CLAUSE_WORDS = 8
# Sentences longer than this are also read as runs of clauses (about 90 tokens: the
# reader's window is 192 tokens with the question and the context).
_WINDOWED_SENTENCE_WORDS = 60
_WINDOW_WORDS = (12, 24)  # two runs start at each clause: a short one and a longer one
_WINDOW_MAX_WORDS = 40
_TRAILING = " \u00a0\u202f,;:–—-"  # left off the end of a clause quoted alone
_CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[–—-])\s+")


@dataclass
class Candidate:
    """A sentence of a retrieved passage, with what the reader and the checks found."""

    passage: Passage
    # Where the passage's document first comes among the retrieved passages (0: first).
    document_rank: int
    number: int  # sentence number inside the chunk
    start: int
    end: int
    text: str
    role: str = "prose"  # assistant.text.structure's role of the sentence: "row", "item"...
    heading: str = ""
    previous: str = ""
    items: tuple[tuple[int, int], ...] = ()  # the list this sentence announces
    truncated: bool = False  # the list goes on past what is quoted
    before: tuple[int, int] | None = None  # the sentence an anaphoric start refers back to
    # The whole sentence, when the candidate is a run of clauses of a long one: quoted with
    # "…" where it cuts it.
    sentence: tuple[int, int] | None = None
    # The question heading the candidate answers on an FAQ page ("# Quand la Maison de
    # l'ESS est-elle ouverte ?"), as (its span, the candidate's paragraph number under it).
    faq: tuple[tuple[int, int], int] | None = None
    dense: float = 0.0
    coverage: float = 0.0  # of the question's concepts, by weight
    type_match: float = 0.0
    reading: Reading | None = None
    score: float = 0.0
    selected: float = 0.0  # the selector's probability, before the reader's score
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
        # A heading the title already holds (a Markdown page's "# title", a news headline)
        # is read once: the reader trained on PIAF titles without headings, and each
        # repeated token costs reading time (a third of the candidates repeat it).
        heading = "" if fold(self.heading.strip()) in fold(meta.title) else self.heading
        return ReaderInput(sentence, meta.title, heading, self.previous)

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
        read_first: int | None = None,
        sure: float = READ_SURE,
        max_answers: int | None = None,
        margin: float | None = None,
    ) -> None:
        self._reader = reader
        self._calibration = calibration
        # The logistic selector scores by default; the reader when asked for (or handed in).
        self.use_reader = reader is not None if use_reader is None else use_reader
        self.passages = passages or 10
        self.shortlist = shortlist
        self.read_first = shortlist if read_first is None else min(read_first, shortlist)
        self.sure = sure
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

    def stream(self, query: Query) -> Iterator[str | Answer]:
        """The :class:`~assistant.answer.answerer.Answerer` method: the answer to ``query``
        in pieces, then whole, with the time its selection took."""
        started = time.perf_counter()
        answer = self.answer(query)
        answer.timings["selection"] = time.perf_counter() - started
        answer.metadata.answered_by = answer.metadata.answered_by or "extractive"
        yield from pieces(answer.text)
        yield answer

    def answer(self, query: Query) -> Answer:
        """Answer ``query``: its ``reading`` is checked, its ``asked`` form read (what a
        follow-up leaves out filled in); the ``previous_answer``'s sentences are not
        repeated unless they answer this question too; an ``unaccented`` French question
        may be answered by the reader and the selector agreeing (see :func:`_agreed`)."""
        question, kind, language = query.reading, query.kind, query.language
        retrieval, index = query.retrieval, query.index
        candidates = self.score(query)
        if _role_never_named(question, retrieval.concepts, index):
            return self.abstain(question, language, candidates)
        threshold = self.threshold(index)
        grounded = self.grounded(query, candidates)
        section = _faq_section(grounded[: self.shortlist], candidates, retrieval.concepts, index)
        if section:
            return _compose(question, kind, language, section, confidence=section[0].score)
        usable = [c for c in grounded if c.score >= threshold]
        if not usable and self.use_reader and _unsure(grounded, language, query.unaccented):
            usable = _agreed(grounded, _selector_fit(index).threshold)
        if not usable:
            return self.abstain(question, language, candidates)
        chosen = self._select(usable)
        return _compose(question, kind, language, chosen, confidence=chosen[0].score)

    def score(self, query: Query) -> list[Candidate]:
        """Candidates of the top passages for ``query``, the shortlist read and calibrated,
        best first."""
        question, kind, asked = query.reading, query.kind, query.asked
        retrieval, index, previous_answer = query.retrieval, query.index, query.previous_answer
        candidates = self._candidates(retrieval.passages[: self.passages], index)
        if not candidates:
            return []
        if kind == "why":
            _extend_to_reasons(candidates)
        if not self.use_reader:
            self._select_scores(query, candidates)
            _penalise_repeats(candidates, previous_answer)
            _prefer_windows(candidates)
            return sorted(candidates, key=lambda c: c.score, reverse=True)
        # The selector's explicit signals rank every candidate cheaply and decide which
        # ones the reader reads; its calibrated score then combines both.
        self._select_scores(query, candidates)
        candidates.sort(key=lambda c: c.score, reverse=True)
        short, rest = candidates[: self.shortlist], candidates[self.shortlist :]
        checked = self._checked(query, short)
        read = self._read(asked or question, short[: self.read_first], checked)
        if any(c.score >= self.sure and checked(c) >= 0 for c in read):
            # The selector's first few hold a sure answer that passes the checks: the
            # rest, ranked lower by the selector, are not read (each read costs ~25 ms).
            short, rest = read, short[len(read) :] + rest
        else:
            self._read(asked or question, short[len(read) :], checked)
        _penalise_repeats(short, previous_answer)
        _prefer_windows(short)
        if kind in _EXPLAINED:
            _prefer_continuations(short)
        for candidate in rest:
            candidate.score = 0.0
        return sorted(short, key=lambda c: c.score, reverse=True) + rest

    def _read(
        self, question: str, candidates: list[Candidate], checked: Callable[[Candidate], float]
    ) -> list[Candidate]:
        """Read ``candidates`` and set their calibrated scores; returns them."""
        readings = self.reader.read(question, [c.reader_input() for c in candidates])
        for candidate, reading in zip(candidates, readings, strict=True):
            candidate.reading = reading
            candidate.selected = candidate.score
            candidate.features = self.calibration.features(
                logit=reading.logit, signals=candidate.features, grounded=checked(candidate)
            )
            candidate.score = self.calibration.probability(candidate.features)
        return candidates

    def _checked(
        self, query: Query, candidates: Sequence[Candidate]
    ) -> Callable[[Candidate], float]:
        """+1 for the candidates that pass :meth:`grounded`'s checks, -1 for the others;
        0 for all when the question asks for nothing those checks look at."""
        question, kind, concepts = query.reading, query.kind, query.retrieval.concepts
        if not (
            query.names
            or query.numbers
            or kind in _NUMBER_KINDS
            or _counted_concept(question, concepts)
            or _role_concept(question, concepts)
        ):
            return lambda candidate: 0.0
        passing = {id(c) for c in self.grounded(query, candidates)}
        return lambda candidate: 1.0 if id(candidate) in passing else -1.0

    def _select_scores(self, query: Query, candidates: list[Candidate]) -> None:
        """Set every candidate's score to the logistic selector's probability."""
        question, kind, retrieval, index = query.reading, query.kind, query.retrieval, query.index
        concepts = retrieval.concepts
        weights = concept_weights(concepts, index.idf)
        asked_numbers, names = query.numbers, query.names
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
            candidate.coverage = coverage(concepts, weights, found)
            candidate.type_match = evidence_match(kind, quoted)
            candidate.features = selector.feature_vector(
                dense=candidate.dense,
                lexical=candidate.coverage,
                context=context[chunk.id],
                type_match=candidate.type_match,
                kind=kind,
                document_rank=candidate.document_rank,
                text=quoted,
                question_numbers=asked_numbers,
                position=candidate.number,
                named=bool(names)
                and all(mentioned(name, fold(f"{candidate.heading} {quoted}")) for name in names),
                counted=0.0 if counted is None else (1.0 if counted.found_in(found) else -1.0),
            )
            candidate.score = fit.probability(candidate.features)

    def grounded(self, query: Query, candidates: Sequence[Candidate]) -> list[Candidate]:
        """The candidates that mention what ``query`` names (places, years, and the office
        it asks about, among its concepts; the numbers it states, not the bounds it
        compares with: :func:`assistant.text.numbers.stated_numbers`), and hold a number
        when it asks for a count or an amount."""
        question, kind, index = query.reading, query.kind, query.index
        concepts = query.retrieval.concepts
        names, asked_numbers = query.names, query.numbers
        kept = [c for c in candidates if _grounded(c, names, asked_numbers, index)]
        if kind in _NUMBER_KINDS:
            # "Quel budget… en 2023 ?" is not answered by 2023's laureates: a count or an
            # amount is a number (digits or words), and no model score stands in for one.
            of_things = bool(counted_noun(question))
            kept = [c for c in kept if evidence_match(kind, c.quoted(), of_things=of_things)]
            # "Combien coûte un poste de coworking aux Usines ?" is not answered by the
            # Usines' turnover: a number about none of what the question names is another
            # number of the same document.
            kept = [c for c in kept if c.coverage > 0 or not concepts]
        if kind == "when":
            # "Quand a eu lieu la visite de Benoît Hamon à Niort ?" is not answered by "la
            # Scop CIN… a fêté ses 30 ans en présence de Benoît Hamon lors de sa visite"
            # when another sentence says when (a date, a day, an hour, "dans deux ans", in
            # the sentence or the heading above it). Not required outright: "when" is
            # also answered by an event or an era ("durant la Restauration").
            dated = [c for c in kept if evidence_match(kind, f"{c.heading}\n{c.quoted()}")]
            kept = dated or kept
        counted = _counted_concept(question, concepts) if kind == "how_many" else None
        if counted is not None:
            # "How many volunteers?": when some sentence counts volunteers, the sentences
            # that count something else (212 tonnes, eleven employees) do not answer.
            counting = [c for c in kept if counted.found_in(_counting_terms(c))]
            kept = counting or kept
        if kind in _TYPED_KINDS:
            # In a 100-word sentence the date and what the question names can be clauses
            # apart ("…« loi Hamon » (31 juillet 2014)… supermarché coopératif (Le
            # Baudet)"): a count, amount or date comes from a run of its clauses that
            # holds both, never from the sentence as a whole.
            kept = [c for c in kept if not _windowed(c) and _window_names(c, names, index)]
        role = _role_concept(question, concepts)
        if role is not None:
            # "Qui est le maire de Poitiers ?" is answered by a sentence that names the
            # mayor of Poitiers: not the deputy mayor ("l'adjointe au maire… est Claire
            # Moreau"), nor the "députée-maire de Niort".
            kept = [c for c in kept if role.found_in(_role_terms(c, names))]
        subject = identity_subject(question)
        if subject:
            # "Qui est Pascal Duforestel ?" asks who he is: a sentence that only names
            # him ("l'interview de Pascal Duforestel") does not say it.
            kept = [c for c in kept if describes(c.quoted(), subject)]
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
        # Ranked by document, not by chunk: the second chunk of the best document is as
        # close to the question as its first (a list of laureates after the paragraph that
        # names the prize). Decided on the development set: cross-fitted top-1 0.771 ->
        # 0.789 with the chunk's rank replaced by its document's.
        documents: dict[str, int] = {}
        for passage in passages:
            documents.setdefault(passage.document.id, len(documents))
        for passage in passages:
            doc = passage.document
            rank = documents[doc.id]
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
                    faq=_faq_heading(structure, position),
                )  # fmt: skip
                if position > 0 and _ANAPHORA.match(candidate.text):
                    before = structure.spans[position - 1]
                    if structure.roles[position - 1] not in _NEVER_ANSWERS:
                        candidate.before = before
                out.append(candidate)
                if _windowed(candidate):
                    out.extend(_clause_candidates(candidate))
        return out

    def _select(self, usable: list[Candidate]) -> list[Candidate]:
        best = usable[0]
        chosen = [best]
        for candidate in usable[1:]:
            if len(chosen) >= self.max_answers or candidate.score < best.score - self.margin:
                break
            if (
                candidate.reading is not None
                and best.reading is not None
                and candidate.reading.logit < best.reading.logit - _SECOND_LOGIT_GAP
            ):
                # Beside the answer, only what the reader reads about as well: the checks
                # and the selector's signals can lift a sentence about something else ("On
                # en recense 150", logit -2.1, after "50 personnes employées", 0.6).
                continue
            continued = next((c for c in chosen if _continues(candidate, c)), None)
            if continued is not None:
                # "Elle est réservée aux foyers orientés…" after the answer it refers back
                # to, read as well: quoted with it, the answer's sentence first.
                chosen[chosen.index(continued)] = candidate
                continue
            if any(_same_content(candidate, c) or _overlaps(candidate, c) for c in chosen):
                continue
            chosen.append(candidate)
        # Sentences of one document read best in their source order.
        if len({c.doc_id for c in chosen}) == 1:
            chosen.sort(key=lambda c: c.start)
        return chosen


# The language of the reader's training questions (PIAF): it reads questions in another
# language less surely, whatever the evidence's language.
READER_LANGUAGE = "fr"

# How far below the best candidate's reader logit a sentence quoted beside it may read.
_SECOND_LOGIT_GAP = 1.0


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
_TYPED_KINDS = _NUMBER_KINDS | {"when"}
_OFFICE_OF = re.compile(
    r"([\w’'-]+)\s+(?:de|du|d['’]|of)\s*(?:la |l['’]|le |the )?([A-ZÀ-Ý][\w'’-]*)"
)


def _terms_of(candidate: Candidate) -> set[str]:
    return set(terms(candidate.quoted(), candidate.language))


# "There are 150 in France", "On en compte quinze": a count whose noun is in the sentence
# before ("…an activity and employment cooperative (CAE)").
_ELLIPTIC_COUNT = re.compile(
    r"\b(?:there (?:are|were) (?:now |about |some |around |over )?[\w.,]+ (?:in|across|of|"
    r"nationwide|today|now)\b|(?:il )?y en (?:a|avait)\b|en (?:compte|comptait|denombre|"
    r"recense)\b|(?:ils|elles) sont (?:aujourd'hui |desormais |pres de |environ )?\d)"
)


def _counting_terms(candidate: Candidate) -> set[str]:
    """Terms that can name what the candidate counts: its own, and the previous
    sentence's when it counts without naming ("There are 150 in France")."""
    found = _terms_of(candidate)
    if _ELLIPTIC_COUNT.search(fold(candidate.quoted())):
        found |= set(terms(candidate.previous, candidate.language))
    return found


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


def _grounded(
    candidate: Candidate, names: Sequence[str], asked_numbers: set[str], index: ServingIndex
) -> bool:
    """An answer about Bordeaux must come from a text that names Bordeaux, and an answer
    about 2021 must quote 2021: otherwise it is a near miss, not an answer."""
    missing = asked_numbers - numbers(candidate.quoted())
    if missing and not _years_in_scope(missing, candidate):
        return False
    if not names:
        return True
    snapshot = index.snapshot
    doc_id = candidate.passage.document.id
    # "SCIC" is named by a text that spells it out, and the reverse (assistant.text.acronyms).
    mentioned = snapshot.acronyms.mentioned
    text = candidate.passage.document.text
    line_end = text.find("\n", candidate.end)
    line_end = len(text) if line_end < 0 else line_end
    meta = candidate.passage.document.meta
    own = fold(f"{meta.title}\n{candidate.heading}\n{candidate.quoted()}")
    twin = snapshot.twins.get(doc_id)
    for name in names:
        if mentioned(name, own):
            continue
        # Named before the sentence's line ends? A pronoun refers back, not forward: a
        # sentence about another of the article's places ("environ 50 personnes
        # employées" is about Les Usines; Cobalt is first named six paragraphs on) is not
        # about it.
        if _named_before(name, snapshot, doc_id, line_end, mentioned):
            continue
        # A translation may write the name otherwise ("Les Usines", "The factories"):
        # the original names it by the same point of the text (translations keep the
        # order of what they say; a tenth of slack).
        if twin is None:
            return False
        original = snapshot.by_id[twin].text
        point = min(len(original), int(line_end / max(1, len(text)) * len(original) * 1.1))
        if not _named_before(name, snapshot, twin, point, mentioned):
            return False
    return True


def _years_in_scope(years: set[str], candidate: Candidate) -> bool:
    """Whether the asked ``years`` (numbers the candidate does not print) are all one year
    that scopes it: the last year written before it in its document, with no other year
    in the candidate itself. "En 2023, les 3 lauréats… sont :" scopes the winners' sentences
    below it, up to "En 2022, …"."""
    if len(years) != 1 or not YEAR.fullmatch(next(iter(years))):
        return False
    if YEAR.search(candidate.quoted()):
        return False
    text = candidate.passage.document.text
    before = YEAR.findall(text, max(0, candidate.start - 3000), candidate.start)
    return bool(before) and before[-1] == next(iter(years))


def _named_before(
    name: str, snapshot: Snapshot, doc_id: str, end: int, mentioned: Callable[[str, str], bool]
) -> bool:
    """Whether the document ``doc_id`` names ``name`` (in any form ``mentioned`` accepts,
    acronyms included) before offset ``end`` of its text."""
    return mentioned(name, snapshot.folded_prefix(doc_id, end))


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
    records = [c for c in candidates if c.role in _RECORDS]
    named = {id(c): {n for n in names if mentioned(n, fold(c.text))} for c in records}
    # Per document, the names some record holds: a name no record holds (the title's
    # "Grand Poitiers", a word read as a name) does not stop the rows from telling apart.
    wanted: dict[str, set[str]] = {}
    for c in records:
        wanted.setdefault(c.doc_id, set()).update(named[id(c)])

    def about(c: Candidate) -> bool:
        return c.role not in _RECORDS or not wanted[c.doc_id] or named[id(c)] == wanted[c.doc_id]

    naming = {c.doc_id for c in records if wanted[c.doc_id] and about(c)}
    return [c for c in candidates if c.doc_id not in naming or about(c)]


def _same_content(a: Candidate, b: Candidate) -> bool:
    """Near-duplicates (a caption repeating a sentence, a translation) are cited once."""
    ta, tb = set(fold(a.text).split()), set(fold(b.text).split())
    return len(ta & tb) / max(1, min(len(ta), len(tb))) > 0.7


def _continues(a: Candidate, b: Candidate) -> bool:
    """Whether ``a`` refers back to ``b``, quoted whole: ``a`` is quoted with ``b``'s
    sentence before it (:data:`_ANAPHORA`)."""
    return a.doc_id == b.doc_id and a.before == (b.start, b.end) and not b.items and not b.before


def _overlaps(a: Candidate, b: Candidate) -> bool:
    """One quotes some of the other (an item of a list the other announces, an anaphora's
    source, clauses of the other's sentence)."""
    if a.doc_id != b.doc_id:
        return False
    return any(x < d and c < y for x, y in a.spans() for c, d in b.spans())


def clause_windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Runs of clauses of the long sentence ``text[start:end]`` (document offsets), one
    starting at each clause (:func:`clause_cuts`), grown clause by clause to each length of
    ``_WINDOW_WORDS`` words but not past ``_WINDOW_MAX_WORDS`` unless one clause is longer;
    empty for a sentence of at most ``_WINDOWED_SENTENCE_WORDS`` words, which the reader
    reads whole.

    A fact at the end of a 100-word sentence ("…transformations de statuts (La librairie
    La Belle Aventure en SCIC…)") is past the reader's window and drowned in the
    sentence's other words for every signal: read alone, it is found, and quoted alone."""
    sentence = text[start:end]
    if len(sentence.split()) <= _WINDOWED_SENTENCE_WORDS:
        return []
    clauses = list(itertools.pairwise(clause_cuts(sentence)))
    windows: list[tuple[int, int]] = []
    for first, target in itertools.product(range(len(clauses)), _WINDOW_WORDS):
        last = first
        words = len(sentence[clauses[first][0] : clauses[last][1]].split())
        while words < target and last + 1 < len(clauses):
            grown = len(sentence[clauses[first][0] : clauses[last + 1][1]].split())
            if grown > _WINDOW_MAX_WORDS:
                break
            last, words = last + 1, grown
        a = clauses[first][0]
        b = a + len(sentence[a : clauses[last][1]].rstrip(_TRAILING))
        if words >= _MIN_CLAUSE_WORDS and (a, b) != (0, len(sentence)):
            windows.append((start + a, start + b))
    return list(dict.fromkeys(windows))


def clause_cuts(sentence: str) -> list[int]:
    """Offsets in ``sentence`` where its clauses start, with 0 first and its length last:
    after commas, semicolons, colons and dashes, never inside brackets or quotes ("(Les
    Usines, Cobalt et la Technopole)" is one piece)."""
    inside = [
        m.end() for m in _CLAUSE_BREAK.finditer(sentence) if _depth(sentence[: m.start()]) == 0
    ]
    return [0, *inside, len(sentence)]


def _prefer_windows(candidates: Sequence[Candidate]) -> None:
    """A run of clauses that covers as much of the question as its whole long sentence
    says what the sentence says about it, in fewer words: it takes the sentence's score
    if higher, and the sentence ranks just below it (the shortest part that answers is
    what is quoted)."""
    whole = {(c.doc_id, c.start, c.end): c for c in candidates if _windowed(c)}
    for window in candidates:
        if window.sentence is None:
            continue
        sentence = whole.get((window.doc_id, *window.sentence))
        if sentence is None or window.coverage < sentence.coverage:
            continue
        if sentence.score >= window.score:
            window.score = sentence.score
            sentence.score = np.nextafter(window.score, -1.0)


# Questions whose answer is an explanation, which a text often gives in the sentence after
# the one that restates what is asked, referring back to it.
_EXPLAINED = frozenset({"why", "how"})
# A clause that gives a reason: "…qui a dû réduire ses tournées, faute d'avoir obtenu une
# aide…", "…because the rents rose".
_REASON = re.compile(
    r"(?:faute d['’]|faute de|car|parce qu['’]|parce que|puisqu['’]|puisque|grâce à|grâce au"
    r"|en raison d|à cause d|afin d|pour (?:que|pouvoir)|because|since|due to|as a result"
    r"|owing to|thanks to|so that|in order to)\b",
    re.IGNORECASE,
)


def _extend_to_reasons(candidates: list[Candidate]) -> None:
    """For a "why" question, a clause window of a long sentence takes in the clause right
    after it when that clause gives a reason (:data:`_REASON`): the window that restates
    what is asked is quoted with the reason, not without it."""
    for n, candidate in enumerate(candidates):
        if candidate.sentence is None:
            continue
        text = candidate.passage.document.text
        a, b = candidate.sentence
        cuts = [a + cut for cut in clause_cuts(text[a:b])]
        following = [c for c in cuts if c > candidate.end]
        if len(following) < 2 or not _REASON.match(text[following[0] : following[1]]):
            continue
        end = following[1]
        end = candidate.start + len(text[candidate.start : end].rstrip(_TRAILING))
        candidates[n] = dataclasses.replace(candidate, end=end, text=text[candidate.start : end])


def _prefer_continuations(candidates: Sequence[Candidate]) -> None:
    """For a "why" or "how" question, a sentence that refers back to the one before it
    (:data:`_ANAPHORA`; quoted with it) takes that sentence's score if higher, and the
    sentence alone ranks just below it: "S'il a installé son agence en centre-ville, il
    vient travailler au Fablab" restates the question; "Celui-ci lui permet d'utiliser
    des machines perfectionnées", quoted after it, answers it."""
    alone = {(c.doc_id, c.start, c.end): c for c in candidates if c.sentence is None}
    for continuation in candidates:
        if continuation.before is None or continuation.reading is None:
            continue
        restated = alone.get((continuation.doc_id, *continuation.before))
        if restated is None or restated.score <= continuation.score:
            continue
        continuation.score = restated.score
        restated.score = np.nextafter(continuation.score, -1.0)


def _unsure(grounded: Sequence[Candidate], language: str, unaccented: bool) -> bool:
    """Whether the reader read the best grounded candidate as text unlike its training
    data (see :func:`_agreed`): a question in another language than its training
    questions' or than the candidate's, a French question typed without accents, a table
    row."""
    if not grounded:
        return False
    best = grounded[0]
    return (
        best.language != language or language != READER_LANGUAGE or unaccented or best.role == "row"
    )


def _agreed(grounded: Sequence[Candidate], selector_threshold: float) -> list[Candidate]:
    """The reader's best grounded candidate when the selector, on its own, also ranks it
    first and would answer with it (at or above its own threshold): two scorers that
    agree on a candidate that passes every check. Used where the reader reads text unlike
    what it was trained on (French questions, written with their accents, over French
    paragraphs): an English question, over French evidence ("How much did Répar'Tout
    receive?" over a French table row) or English ("When is the twentieth third place
    expected to open?": "In two years, the twentieth…" read at 0.14 for a threshold of
    0.18; on the development set extending the path from English questions over French
    evidence to every English question changed no answer), or a French question typed without a
    single accent ("quand a-t-elle ete creee ?": one unaccented word drops its score
    from 0.39 to 0.15), or a table row ("Vélo Solidaire | Poitiers | 12 000 € | …":
    PIAF has no tables). Measured on the development set
    (evals/dev.jsonl): for every question alike it gave 9 more answers, 7 of them wrong;
    for these only, one more answer, wrong, and no other change.

    The candidate must also hold a tenth of what the question names
    (:data:`_AGREED_MIN_COVERAGE`): "What time does the ticket office at Poitiers railway
    station open?" is not answered by a grocery's opening hours in Poitiers (coverage
    0.02). On the development set the two answers this path gave were both wrong, at
    coverage 0.24 and 0.09."""
    best = grounded[0]
    first = max(grounded, key=lambda c: c.selected)
    # A table row's column names are in its header, which coverage does not count
    # ("Quelle subvention a reçu Vélo Solidaire ?" over "Vélo Solidaire | … | 12 000 €").
    if best.coverage < _AGREED_MIN_COVERAGE and best.role != "row":
        return []
    return [best] if first is best and best.selected >= selector_threshold else []


_AGREED_MIN_COVERAGE = 0.1


def _faq_heading(structure: Structure, position: int) -> tuple[tuple[int, int], int] | None:
    """``(span of the question heading above sentence position, number of the paragraph
    under it that holds the sentence)``, or None when the sentence is not under an FAQ
    question heading."""
    heading = structure.heading[position]
    if heading < 0 or structure.roles[heading] != "question":
        return None
    return structure.spans[heading], structure.paragraph[position]


# An FAQ heading asks the user's question when it names this share of what the question
# names (by idf weight): "Quand la Maison de l'ESS est-elle ouverte ?" for "La Maison de
# l'ESS, elle ouvre quand ?", not "Quand la Maison de l'ESS ferme-t-elle en août ?".
_FAQ_COVERAGE = 0.8
_FAQ_SENTENCES = 4  # of the first paragraph under the heading, quoted as the answer


def _faq_section(
    grounded: Sequence[Candidate],
    candidates: Sequence[Candidate],
    concepts: Sequence[Concept],
    index: ServingIndex,
) -> list[Candidate]:
    """The answer of an FAQ page whose question heading asks what the user asks: the first
    paragraph under the heading (or the list it announces), whole, in order. Empty when
    no grounded candidate sits under such a heading.

    On an FAQ page the paragraph under the question is the answer as its authors wrote
    it; picking one of its sentences loses the rest ("du lundi au vendredi de 9 h à 17 h
    30" beside "fermée la première semaine de janvier")."""
    weights = concept_weights(concepts, index.idf)
    for best in grounded:
        if best.faq is None or best.sentence is not None:
            continue
        (a, b), _ = best.faq
        heading = best.passage.document.text[a:b]
        if coverage(concepts, weights, set(terms(heading, best.language))) < _FAQ_COVERAGE:
            continue
        section = sorted(
            (
                c for c in candidates
                if c.doc_id == best.doc_id and c.faq == (best.faq[0], 0) and c.sentence is None
            ),
            key=lambda c: c.start,
        )  # fmt: skip
        if section:
            for c in section:
                c.score = max(c.score, best.score)
            return section[:_FAQ_SENTENCES]
    return []


def _windowed(candidate: Candidate) -> bool:
    """Whether the candidate is a whole sentence long enough to be read as clause windows
    too (:func:`clause_windows`)."""
    return (
        candidate.sentence is None
        and candidate.role == "prose"
        and not candidate.items
        and len(candidate.text.split()) > _WINDOWED_SENTENCE_WORDS
    )


def _window_names(candidate: Candidate, names: Sequence[str], index: ServingIndex) -> bool:
    """Whether a clause window names what the question names, as far as its sentence
    does ("Le Baudet", in the sentence, must be in the window; "Poitiers", the document's
    subject named elsewhere, need not). True for other candidates."""
    if candidate.sentence is None:
        return True
    mentioned = index.snapshot.acronyms.mentioned
    a, b = candidate.sentence
    sentence = fold(candidate.passage.document.text[a:b])
    window = fold(candidate.text)
    return all(mentioned(n, window) for n in names if mentioned(n, sentence))


def _depth(text: str) -> int:
    """How many brackets and French quotes ``text`` leaves open."""
    return max(0, text.count("(") - text.count(")")) + max(0, text.count("«") - text.count("»"))


def _clause_candidates(candidate: Candidate) -> list[Candidate]:
    """The clause windows of a long candidate sentence, as candidates of their own."""
    text = candidate.passage.document.text
    return [
        dataclasses.replace(
            candidate,
            start=a,
            end=b,
            text=text[a:b],
            before=None,
            sentence=(candidate.start, candidate.end),
        )
        for a, b in clause_windows(text, candidate.start, candidate.end)
    ]


def answer_part(text: str, start: int, end: int, span: tuple[int, int]) -> tuple[int, int]:
    """The part of sentence ``text[start:end]`` to quote for an answer at ``span``
    (document offsets): the whole sentence when it is short, else the run of clauses
    (:func:`clause_cuts`) around the span, at least
    ``_MIN_CLAUSE_WORDS`` words long."""
    if len(text[start:end].split()) <= _LONG_SENTENCE_WORDS:
        return start, end
    cuts = [start + cut for cut in clause_cuts(text[start:end])]
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
    # "… qui va bénéficier d'une rénovation de 6,1 millions d'euros …" does not say what is
    # renovated: a clause that opens on a relative pronoun is quoted with the one it hangs on.
    while first > 0 and _RELATIVE.match(text, clauses[first][0]):
        first -= 1
    a, b = clauses[first][0], clauses[last][1]
    b = a + len(text[a:b].rstrip(_TRAILING))
    return a, b


_RELATIVE = re.compile(
    r"\s*(?:qui|que|qu['’]|dont|où|lequel|laquelle|lesquels|lesquelles|auquel|auxquels"
    r"|which|who|whom|whose|where)\b",
    re.IGNORECASE,
)


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
            outer = candidate.sentence if (start, end) == (candidate.start, candidate.end) else None
            first, last = outer or (start, end)
            lead = "… " if a > first else ""
            tail = " …" if b < last else ""
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
    a typed question asks for (:func:`assistant.answer.spans.typed_span`). The reader's
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
