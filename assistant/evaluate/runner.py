"""Running a question set through the assistant and a plain baseline, side by side.

The runner reads only :class:`~assistant.answers.Answer` objects (and the ranked source
ids that ``ask`` reports), never the answerer's internals.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.evaluate.metrics import (
    answer_words,
    citation_scores,
    claim_scores,
    contains_any,
    hit_at_k,
    percentile,
    precision_recall,
    reciprocal_rank,
    token_f1,
)
from assistant.evaluate.question_sets import EvalItem, QuestionSet

if TYPE_CHECKING:
    from langchain_core.retrievers import BaseRetriever

    from assistant.answers import Answer
    from assistant.core import Assistant
    from assistant.retrieve.retriever import SearchMode

K_VALUES = (1, 3, 5, 10)


@dataclass
class Record:
    """One question's outcome for one system."""

    id: str
    question: str
    answerable: bool
    expected: list[str]
    expected_sources: list[str]
    tags: dict[str, str]
    answer: str
    abstained: bool
    cited_sources: list[str]
    ranked_sources: list[str]
    quotes_verbatim: int
    quotes_total: int
    seconds: float
    kind: str = "extractive"
    citation_precision: float = 1.0
    citation_recall: float = 1.0
    words: int = 0
    correct: bool = False
    f1: float = 0.0
    source_hit: bool = False
    # The passage the answer was read from (the index chunk holding its first quote, or
    # the baseline's top chunk) holds an expected answer: issue 14's PIAF measure, "the
    # chosen passage contains the gold answer", beside the quote-level answer_accuracy.
    passage: str = ""
    passage_hit: bool = False
    # Generative backends: the answer as the model wrote it, before the citation guard.
    unguarded_answer: str = ""
    unguarded_correct: bool = False
    citation_precision_unguarded: float = 1.0
    citation_recall_unguarded: float = 1.0
    sentences: int = 0
    sentences_dropped: int = 0
    fallback: bool = False
    first_token_seconds: float = 0.0

    def score(self) -> None:
        if self.answerable:
            self.correct = not self.abstained and contains_any(self.answer, self.expected)
            self.unguarded_correct = bool(self.unguarded_answer) and contains_any(
                self.unguarded_answer, self.expected
            )
            self.f1 = 0.0 if self.abstained else token_f1(self.answer, self.expected)
            self.source_hit = bool(set(self.cited_sources) & set(self.expected_sources))
            self.passage_hit = (
                not self.abstained
                and bool(self.passage)
                and contains_any(self.passage, self.expected)
            )


@dataclass
class SystemResult:
    name: str
    records: list[Record] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        answerable = [r for r in self.records if r.answerable]
        with_sources = [r for r in answerable if r.expected_sources]
        with_answers = [r for r in answerable if r.expected]
        abstained = [r.abstained for r in self.records]
        unanswerable = [not r.answerable for r in self.records]
        precision, recall = precision_recall(abstained, unanswerable)
        quotes = sum(r.quotes_total for r in self.records)
        # Citation quality is scored on answers that make claims from passages.
        claimed = [r for r in self.records if not r.abstained and r.kind != "corpus"]
        seconds = [r.seconds for r in self.records]
        out = {
            "questions": float(len(self.records)),
            "answer_accuracy": _mean([r.correct for r in with_answers]),
            "token_f1": _mean([r.f1 for r in with_answers]),
            "passage_accuracy": _mean([r.passage_hit for r in with_answers]),
            "source_hit_rate": _mean([r.source_hit for r in with_sources]),
            "abstention_precision": precision,
            "abstention_recall": recall,
            "false_abstention_rate": _mean([r.abstained for r in answerable]),
            "quote_verbatim_rate": (
                sum(r.quotes_verbatim for r in self.records) / quotes if quotes else 1.0
            ),
            "citation_precision": _mean([r.citation_precision for r in claimed]),
            "citation_recall": _mean([r.citation_recall for r in claimed]),
            "answer_words": _mean([float(r.words) for r in claimed]),
            "mrr": _mean(
                [reciprocal_rank(r.ranked_sources, r.expected_sources) for r in with_sources]
            ),
            "latency_median_ms": 1000 * statistics.median(seconds) if seconds else 0.0,
            "latency_p95_ms": 1000 * percentile(seconds, 95),
        }
        generated = [r for r in self.records if r.kind not in ("extractive", "corpus", "baseline")]
        if generated or any(r.fallback for r in self.records):
            # Before the guard: the model's own sentences, each marker quoting its passage.
            written = [r for r in self.records if r.unguarded_answer]
            sentences = sum(r.sentences for r in self.records)
            first_tokens = [r.first_token_seconds for r in self.records if r.first_token_seconds]
            out.update(
                {
                    "answer_accuracy_before_guard": _mean(
                        [r.unguarded_correct for r in with_answers]
                    ),
                    "citation_precision_before_guard": _mean(
                        [r.citation_precision_unguarded for r in written]
                    ),
                    "citation_recall_before_guard": _mean(
                        [r.citation_recall_unguarded for r in written]
                    ),
                    "sentences_dropped_rate": (
                        sum(r.sentences_dropped for r in self.records) / sentences
                        if sentences
                        else 0.0
                    ),
                    "fallback_rate": _mean([r.fallback for r in self.records]),
                    "first_token_median_ms": (
                        1000 * statistics.median(first_tokens) if first_tokens else 0.0
                    ),
                }
            )
        for k in K_VALUES:
            out[f"hit@{k}"] = _mean(
                [hit_at_k(r.ranked_sources, r.expected_sources, k) for r in with_sources]
            )
        return out


RETRIEVAL_MODES: tuple[SearchMode, ...] = ("dense", "keyword", "hybrid")


@dataclass
class EvalRun:
    question_set: str
    systems: dict[str, SystemResult]
    # retrieval mode -> ranked source ids per question (answerable ones with sources)
    retrieval: dict[str, list[tuple[list[str], list[str]]]] = field(default_factory=dict)

    def metrics(self) -> dict[str, dict[str, float]]:
        return {name: system.metrics() for name, system in self.systems.items()}

    def retrieval_metrics(self) -> dict[str, dict[str, float]]:
        """hit@k and MRR of each retrieval mode alone (dense, keyword) and fused."""
        out: dict[str, dict[str, float]] = {}
        for mode, rows in self.retrieval.items():
            out[mode] = {"mrr": _mean([reciprocal_rank(r, e) for r, e in rows])}
            for k in K_VALUES:
                out[mode][f"hit@{k}"] = _mean([hit_at_k(r, e, k) for r, e in rows])
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_set": self.question_set,
            "metrics": self.metrics(),
            "retrieval": self.retrieval_metrics(),
            "records": {n: [asdict(r) for r in s.records] for n, s in self.systems.items()},
        }


def _mean(values: Sequence[float | bool]) -> float:
    return sum(float(v) for v in values) / len(values) if values else 0.0


def _expectations(item: EvalItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "question": item.question,
        "answerable": item.answerable,
        "expected": list(item.answers),
        "expected_sources": list(item.sources),
        "tags": dict(item.tags),
    }


def run_assistant(assistant: Assistant, item: EvalItem, llm: str | None = None) -> Record:
    """Ask one question (with backend ``llm``) and check every quote against its source."""
    started = time.perf_counter()
    answer = assistant.ask(item.question, list(item.history), llm=llm)
    seconds = time.perf_counter() - started
    documents = assistant.snapshot().by_id
    verbatim = sum(
        1
        for c in answer.citations
        if c.source_id in documents and documents[c.source_id].text[c.start : c.end] == c.quote
    )
    precision, recall = citation_scores(answer.text, {c.n: c.quote for c in answer.citations})
    record = Record(
        **_expectations(item),
        passage=_chosen_passage(assistant, answer),
        kind=answer.kind,
        citation_precision=precision,
        citation_recall=recall,
        words=answer_words(answer.text),
        answer=answer.text,
        abstained=answer.abstained,
        cited_sources=[] if answer.abstained else answer.sources(),
        ranked_sources=list(answer.metadata.ranked_sources or []),
        quotes_verbatim=verbatim,
        quotes_total=len(answer.citations),
        seconds=seconds,
    )
    unguarded = answer.metadata.unguarded
    if unguarded:
        from assistant.answer.guard import parse_claims

        quotes = {int(n): q for n, q in unguarded["quotes"].items()}
        record.unguarded_answer = unguarded["text"]
        # Every sentence the model wrote counts, those it left without a marker included.
        before = claim_scores(parse_claims(unguarded["text"]), quotes)
        record.citation_precision_unguarded, record.citation_recall_unguarded = before
    guard = answer.metadata.guard
    record.sentences = guard["sentences"] if guard else 0
    record.sentences_dropped = len(guard["dropped"]) if guard else 0
    record.fallback = bool(answer.metadata.fallback or answer.metadata.llm_error)
    record.first_token_seconds = float(answer.timings.get("first_token", 0.0))
    record.score()
    return record


def _chosen_passage(assistant: Assistant, answer: Answer) -> str:
    """The text of the index chunk holding the answer's first quote ("" for an abstention
    or an answer without quotes)."""
    if answer.abstained or not answer.citations:
        return ""
    first = answer.citations[0]
    for chunk in assistant.snapshot().chunks.get(first.source_id, []):
        if chunk.start <= first.start < chunk.end:
            return chunk.text
    return first.quote


def run_baseline(retriever: BaseRetriever, item: EvalItem, k: int = max(K_VALUES)) -> Record:
    """The plain pipeline: dense top-k, answer with the top chunk, never abstain."""
    started = time.perf_counter()
    question = " ".join(
        [m["content"] for m in item.history if m["role"] == "user"] + [item.question]
    )
    docs = retriever.invoke(question)[:k]
    seconds = time.perf_counter() - started
    ranked = list(dict.fromkeys(str(d.metadata.get("doc_id", "")) for d in docs))
    top = docs[0].page_content if docs else ""
    record = Record(
        **_expectations(item),
        kind="baseline",
        words=answer_words(top),
        answer=top,
        passage=top,
        abstained=not docs,
        cited_sources=ranked[:1],
        ranked_sources=ranked,
        quotes_verbatim=len(docs[:1]),
        quotes_total=len(docs[:1]),
        seconds=seconds,
    )
    record.score()
    return record


def evaluate(
    assistant: Assistant,
    question_set: QuestionSet,
    *,
    baseline: bool = True,
    backends: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Run every question through the assistant (its ``llm`` setting, then each of
    ``backends``) and, in the same run, the baseline."""
    assistant.ensure_index()
    systems = {"assistant": SystemResult("assistant")}
    for spec in backends:
        systems[backend_label(spec)] = SystemResult(spec)
    retriever = None
    if baseline:
        from assistant.evaluate.baseline import dense_baseline

        retriever = dense_baseline(assistant, k=max(K_VALUES))
        systems["baseline"] = SystemResult("baseline (LangChain dense top-k)")
    run = EvalRun(question_set.name, systems)
    total = len(question_set.items)
    for done, item in enumerate(question_set.items, start=1):
        systems["assistant"].records.append(run_assistant(assistant, item))
        for spec in backends:
            systems[backend_label(spec)].records.append(run_assistant(assistant, item, spec))
        if retriever is not None:
            systems["baseline"].records.append(run_baseline(retriever, item))
        if item.answerable and item.sources:
            for mode in RETRIEVAL_MODES:
                ranked = ranked_sources(assistant, item, mode)
                run.retrieval.setdefault(mode, []).append((ranked, list(item.sources)))
        if progress:
            progress(done, total)
    return run


def backend_label(spec: str) -> str:
    """A short system name: ``gguf:/x/SmolLM2.Q4_1.gguf`` -> ``gguf:SmolLM2.Q4_1``."""
    kind, _, model = spec.partition(":")
    if kind == "gguf":
        model = model.rsplit("/", 1)[-1].removesuffix(".gguf")
    return f"{kind}:{model}" if model else kind


def ranked_sources(assistant: Assistant, item: EvalItem, mode: SearchMode) -> list[str]:
    """Source ids in the order one retrieval mode ranks them, for the item's question."""
    retrieval = assistant.retrieve(
        item.question, list(item.history), k=max(K_VALUES) * 3, mode=mode
    )
    return list(dict.fromkeys(p.document.id for p in retrieval.passages))
