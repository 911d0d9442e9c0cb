"""Questions about the corpus itself: "what are your sources?", "what does document X say?"."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.answer.answerer import pieces
from assistant.answer.phrases import DOCUMENT_INTRO, SOURCE_LINE, SOURCES_INTRO, say
from assistant.answers import Answer, Citation
from assistant.documents import Document
from assistant.index.snapshot import Snapshot
from assistant.retrieve.query import Query
from assistant.text.analysis import fold, terms
from assistant.text.sentences import is_prose

_LIST_SOURCES = re.compile(
    r"\b(vos sources|tes sources|les sources|quelles sources|quels documents|liste des documents"
    r"|what (?:are )?(?:your|the) sources|which sources|what documents|which documents"
    r"|list (?:of )?(?:the )?(?:documents|sources)|your sources|documents do you have"
    r"|what do you know about|sur quoi (?:te|vous) bases?)\b"
)
_ABOUT_DOCUMENT = re.compile(
    r"\b(que dit|que raconte|resume|résume|de quoi parle|what does|what do|summari[sz]e"
    r"|what is in|qu'y a-t-il dans)\b.*\b(document|page|article|texte|text|source|fiche)\b"
)
_LEAD_SENTENCES = 3


class CorpusAnswerer:
    """An :class:`~assistant.answer.answerer.Answerer` for questions about the corpus
    itself, answered from the index without a search; other questions get nothing."""

    def stream(self, query: Query) -> Iterator[str | Answer]:
        answer = answer_corpus_question(query.question, query.language, query.index.snapshot)
        if answer is not None:
            answer.metadata.answered_by = "corpus"
            yield from pieces(answer.text)
            yield answer


def answer_corpus_question(question: str, language: str, snapshot: Snapshot) -> Answer | None:
    """An answer built from the manifest and the documents, or None for other questions."""
    folded = fold(question)
    if _ABOUT_DOCUMENT.search(folded):
        doc = _named_document(question, snapshot)
        if doc is not None:
            return _about(question, language, doc, snapshot)
    if _LIST_SOURCES.search(folded):
        return _list_sources(question, language, snapshot)
    return None


def _details(doc: Document) -> str:
    meta = doc.meta
    return ", ".join(x for x in (meta.publisher, meta.date or meta.updated, meta.language) if x)


def _first_sentence(doc: Document, snapshot: Snapshot) -> tuple[int, int]:
    chunks = snapshot.chunks.get(doc.id) or []
    return chunks[0].sentences[0] if chunks else (0, min(len(doc.text), 200))


def _citation(n: int, doc: Document, span: tuple[int, int]) -> Citation:
    return Citation.quoting(n, doc, span[0], span[1], score=1.0)


def _list_sources(question: str, language: str, snapshot: Snapshot) -> Answer:
    lines = [say(SOURCES_INTRO, language, count=len(snapshot.documents))]
    citations: list[Citation] = []
    for n, doc in enumerate(snapshot.documents, start=1):
        citations.append(_citation(n, doc, _first_sentence(doc, snapshot)))
        lines.append(
            "- " + say(SOURCE_LINE, language, title=doc.meta.title, details=_details(doc), n=n)
        )
    return Answer(
        text="\n".join(lines),
        citations=citations,
        language=language,
        question=question,
        kind="corpus",
        confidence=1.0,
    )


def _named_document(question: str, snapshot: Snapshot) -> Document | None:
    """The document whose title, publisher, id or file name shares most words with the
    question; ties go to the document in the question's language order of the manifest."""
    asked = set(terms(question, "fr")) | set(terms(question, "en"))
    generic = {"document", "page", "articl", "text", "texte", "source", "dit", "say", "fich"}
    asked -= generic
    best: tuple[float, Document | None] = (0.0, None)
    for doc in snapshot.documents:
        meta = doc.meta
        described = f"{meta.title} {meta.publisher} {meta.id.replace('-', ' ')} {meta.file}"
        words = set(terms(described, "fr")) | set(terms(described, "en"))
        overlap = len(asked & words)
        if overlap > best[0]:
            best = (overlap, doc)
    return best[1]


def _about(question: str, language: str, doc: Document, snapshot: Snapshot) -> Answer:
    spans = [s for c in snapshot.chunks.get(doc.id, []) for s in c.sentences]
    # The lead: the first sentences that read as prose (headings are skipped).
    lead = [s for s in spans if is_prose(doc.text[s[0] : s[1]])][:_LEAD_SENTENCES]
    citations = [_citation(n, doc, span) for n, span in enumerate(lead, start=1)]
    body = " ".join(f"{c.quote} [{c.n}]" for c in citations)
    intro = say(DOCUMENT_INTRO, language, title=doc.meta.title, details=_details(doc))
    return Answer(
        text=f"{intro} {body}",
        citations=citations,
        language=language,
        question=question,
        kind="corpus",
        confidence=1.0,
    )
