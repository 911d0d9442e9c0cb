"""The citation guard: every generated sentence is checked against the passage it cites.

A model's output is cut into claims (sentences with the ``[n]`` markers after them).
Markers that name no passage are removed. For each claim, each sentence of each cited
passage is tried as evidence; a claim is supported by one sentence when

- every number and every name it states appears in the evidence,
- enough of its content words appear there (``min_lexical``), both as stems and as
  words (accents folded),
- and its embedding is close to the evidence's (``min_similarity``).

A supported claim is cited with its evidence span, verbatim with offsets, like an
extractive answer; an unsupported one is dropped and reported, never shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.answer.phrases import NOT_FOUND
from assistant.answers import Answer, Citation, GuardReport, UnguardedAnswer
from assistant.documents import Document
from assistant.embeddings.base import TextEmbedder
from assistant.retrieve.retriever import Passage, ServingIndex
from assistant.text.analysis import fold, is_stop_word, terms, words
from assistant.text.numbers import numbers
from assistant.text.question_kinds import question_entities
from assistant.text.sentences import split_sentences

_MARKERS = re.compile(r"(?:\s*\[\s*(?:passages?\s*)?\d+(?:\s*[,;]\s*\d+)*\s*\])+", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_LEADING_PUNCT = re.compile(r"^\s*[.!?…]+")


@dataclass
class Evidence:
    """The best span of one passage for one claim, and how well it supports it."""

    passage: int  # 1-based passage number in the prompt
    document: Document
    start: int
    end: int
    lexical: float
    similarity: float
    problem: str = ""  # empty when the span supports the claim

    @property
    def supported(self) -> bool:
        return not self.problem


@dataclass
class Claim:
    """One sentence of the generated answer with the markers written after it."""

    text: str
    markers: list[int]  # the valid ones, each naming a passage
    written: list[int] = field(default_factory=list)  # as the model wrote them
    evidence: list[Evidence] = field(default_factory=list)  # supporting spans, best first
    found: list[Evidence] = field(default_factory=list)  # best span of each cited passage
    reason: str = ""  # why the guard dropped it; empty when kept
    repaired: bool = False  # had no usable marker; the guard found its passage


@dataclass
class Review:
    """The guard's verdict on one generated answer."""

    raw: str
    claims: list[Claim]
    invented_markers: list[int]
    abstained: bool

    @property
    def kept(self) -> list[Claim]:
        return [c for c in self.claims if not c.reason]

    @property
    def dropped(self) -> list[Claim]:
        return [c for c in self.claims if c.reason]

    def report(self, *, enabled: bool) -> GuardReport:
        """What the guard did, for ``Answer.metadata.guard`` (``enabled``: whether it
        was on, or only reported)."""
        return {
            "enabled": enabled,
            "sentences": len(self.claims),
            "kept": len(self.kept),
            "dropped": [{"sentence": c.text, "reason": c.reason} for c in self.dropped],
            "invented_markers": self.invented_markers,
            "repaired": [c.text for c in self.claims if c.repaired and not c.reason],
        }


def parse_claims(raw: str) -> list[tuple[str, list[int]]]:
    """``"A. [1] B [2]. C."`` -> ``[("A.", [1]), ("B.", [2]), ("C.", [])]``."""
    segments: list[tuple[str, list[int]]] = []
    position = 0
    for match in _MARKERS.finditer(raw):
        segments.append(
            (raw[position : match.start()], [int(n) for n in _NUMBER.findall(match.group())])
        )
        position = match.end()
    segments.append((raw[position:], []))
    claims: list[tuple[str, list[int]]] = []
    for text, markers in segments:
        punct = _LEADING_PUNCT.match(text)
        if punct and claims:  # "… en 2012 [1]." : the full stop belongs to the claim before
            previous, previous_markers = claims[-1]
            claims[-1] = (previous + punct.group().strip(), previous_markers)
            text = text[punct.end() :]
        spans = split_sentences(text)
        for number, (start, end) in enumerate(spans):
            sentence = " ".join(text[start:end].split())
            if any(ch.isalnum() for ch in sentence):
                last = number == len(spans) - 1
                claims.append((sentence, markers if last else []))
    return claims


def says_not_found(raw: str) -> bool:
    """Whether the model gave the fixed "not found" phrase (in either language)."""
    folded = " ".join(fold(raw).split())
    return not folded or any(fold(phrase).rstrip(".") in folded for phrase in NOT_FOUND.values())


class CitationGuard:
    """Checks generated claims against the passages they cite."""

    def __init__(
        self, embedder: TextEmbedder, *, min_lexical: float, min_similarity: float
    ) -> None:
        self.embedder = embedder
        self.min_lexical = min_lexical
        self.min_similarity = min_similarity

    def review(
        self,
        raw: str,
        passages: Sequence[Passage],
        language: str,
        index: ServingIndex,
        question: str = "",
    ) -> Review:
        """Map markers to passages, find each claim's evidence, decide what stays."""
        if says_not_found(raw):
            return Review(raw=raw, claims=[], invented_markers=[], abstained=True)
        parsed = parse_claims(raw)
        invented = sorted(
            {n for _, markers in parsed for n in markers if not 1 <= n <= len(passages)}
        )
        claims = [
            Claim(text, [n for n in dict.fromkeys(markers) if 1 <= n <= len(passages)], markers)
            for text, markers in parsed
        ]
        if not claims:
            return Review(raw=raw, claims=[], invented_markers=invented, abstained=True)
        vectors = self.embedder.embed([c.text for c in claims])
        for claim, vector in zip(claims, vectors, strict=True):
            cited = claim.markers or list(range(1, len(passages) + 1))
            found = [
                self.evidence(claim.text, language, n, passages[n - 1], vector, index)
                for n in cited
            ]
            supporting = sorted(
                (e for e in found if e.supported),
                key=lambda e: e.lexical + e.similarity,
                reverse=True,
            )
            if not claim.markers:
                claim.repaired = bool(supporting)
                supporting = supporting[:1]
            claim.evidence = supporting
            claim.found = found if claim.markers else []
            if not supporting:
                best = max(found, key=lambda e: e.lexical + e.similarity, default=None)
                detail = best.problem if best else "no passage"
                claim.reason = (
                    detail
                    if claim.markers
                    else f"no citation, and no passage supports it ({detail})"
                )
            empty = not_a_claim(claim.text, question, language)
            if empty:  # supported or not, it tells the reader nothing
                claim.reason, claim.evidence, claim.repaired = empty, [], False
        return Review(raw=raw, claims=claims, invented_markers=invented, abstained=False)

    def evidence(
        self,
        claim: str,
        language: str,
        number: int,
        passage: Passage,
        vector: np.ndarray[Any, Any],
        index: ServingIndex,
    ) -> Evidence:
        """The sentence of ``passage`` that best supports ``claim``.

        One sentence, not two: words of a claim scattered over two sentences (a title and
        a date) would "support" a claim that relates them wrongly.
        """
        doc = passage.document
        chunk = passage.chunk
        sentences = list(chunk.sentences)
        first_row = index.sentence_rows[chunk.id]
        rows = index.sentence_vectors[first_row : first_row + len(sentences)]
        sims = np.asarray(rows, dtype=np.float32) @ vector
        best: Evidence | None = None
        for (start, end), similarity in zip(sentences, sims, strict=True):
            candidate = self._judge(claim, language, number, doc, start, end, float(similarity))
            if best is None or _rank(candidate) > _rank(best):
                best = candidate
        if best is None:  # a chunk always has a sentence; keep the type checker sure
            best = Evidence(number, doc, chunk.start, chunk.end, 0.0, 0.0, "empty passage")
        return best

    def _judge(
        self,
        claim: str,
        language: str,
        number: int,
        doc: Document,
        start: int,
        end: int,
        similarity: float,
    ) -> Evidence:
        text = doc.text[start:end]
        doc_language = doc.meta.language or language
        # Every occurrence counts: a word the claim repeats weighs as often as it appears.
        wanted = terms(claim, language)
        found = set(terms(text, doc_language)) | set(terms(text, language))
        stemmed = sum(t in found for t in wanted) / len(wanted) if wanted else 1.0
        # Stems alone are lenient ("équipés" meets "équipements"): the words themselves,
        # accents folded, must be there too.
        claim_words = [w for w in words(fold(claim)) if len(w) > 1 and not is_stop_word(w)]
        text_words = set(words(fold(text)))
        exact = sum(w in text_words for w in claim_words) / len(claim_words) if claim_words else 1.0
        lexical = min(stemmed, exact)
        evidence = Evidence(number, doc, start, end, round(lexical, 3), round(similarity, 3))
        missing_numbers = numbers(claim) - numbers(text)
        folded = fold(text)
        missing_names = [n for n in question_entities(claim) if fold(n) not in folded]
        if missing_numbers:
            evidence.problem = f"numbers not in the passage: {', '.join(sorted(missing_numbers))}"
        elif missing_names:
            evidence.problem = f"names not in the passage: {', '.join(missing_names)}"
        elif lexical < self.min_lexical:
            evidence.problem = f"few of its words are in the passage ({lexical:.2f})"
        elif similarity < self.min_similarity:
            evidence.problem = f"its meaning is far from the passage ({similarity:.2f})"
        return evidence


def not_a_claim(text: str, question: str, language: str) -> str:
    """Why ``text`` is no answer at all (a question, the question restated, a fragment),
    or "" when it states something. Small models echo the question or the prompt, and
    such echoes are trivially "supported" by passages that share its words."""
    if text.rstrip().endswith("?"):
        return "a question, not an answer"
    said = set(terms(text, language))
    if len(said) < 2:
        return "too short to state anything"
    asked = set(terms(question, language)) if question else set()
    if asked and said <= asked:
        return "says nothing the question does not"
    return ""


def _rank(evidence: Evidence) -> tuple[bool, float]:
    return (evidence.supported, evidence.lexical + evidence.similarity)


def compose(review: Review, *, guarded: bool, question: str, language: str, kind: str) -> Answer:
    """The ``Answer`` of a reviewed generation: kept claims (all of them when not
    ``guarded``) with their evidence cited, numbered in order of first use."""
    citations: list[Citation] = []
    numbered: dict[tuple[str, int, int], int] = {}
    parts: list[str] = []
    for claim in review.claims:
        if guarded and claim.reason:
            continue
        evidence = claim.evidence if guarded or claim.evidence else claim.found
        markers = []
        for e in evidence:
            key = (e.document.id, e.start, e.end)
            if key not in numbered:
                numbered[key] = len(citations) + 1
                score = (e.lexical + e.similarity) / 2
                citations.append(Citation.quoting(numbered[key], e.document, e.start, e.end, score))
            markers.append(numbered[key])
        suffix = " ".join(f"[{n}]" for n in dict.fromkeys(markers))
        parts.append(f"{claim.text} {suffix}".strip())
    return Answer(
        text=" ".join(parts),
        citations=citations,
        abstained=False,
        language=language,
        question=question,
        kind=kind,
    )


def unguarded_view(review: Review, passages: Sequence[Passage]) -> UnguardedAnswer:
    """The answer as the model wrote it, each marker's quote its whole passage: what the
    evaluation scores as "before the guard"."""
    text = " ".join(
        claim.text + "".join(f" [{n}]" for n in markers)
        for claim, markers in ((c, c.written) for c in review.claims)
    )
    quotes = {str(n): p.chunk.text for n, p in enumerate(passages, start=1)}
    return {"text": text, "quotes": quotes}
