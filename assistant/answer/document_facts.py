"""Questions about a document rather than what it says: who wrote it, when it was
published, when it was last updated.

"Qui a écrit l'article sur le coworking ?", "When was the RTES page last updated?": the
answer is the document's byline or date line ("Par Frank Niedercorn", "Publié le
10 avril 2013 - mis à jour le 18 février 2019", "Dernière mise à jour : 16/01/2019"),
which a reader trained on encyclopaedia paragraphs (PIAF) has never seen as an answer and
ranks below any sentence that shares a word with the question. The line is found by its
form, in the document the question is about, and quoted verbatim with the name or date
as the answer span. Nothing is answered from the manifest alone: a fact the text does not
show cannot be cited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from assistant.answer.answerer import pieces
from assistant.answers import Answer, Citation
from assistant.documents import Document
from assistant.index.snapshot import Snapshot
from assistant.retrieve.concepts import Concept
from assistant.retrieve.query import Query
from assistant.text.analysis import fold, terms
from assistant.text.fact_lines import Fact, FactLine, find_fact
from assistant.text.question_kinds import question_entities

# Asked about, on the folded question. "Updated" before "published": "la page a-t-elle
# été mise à jour" also says "page", and a line may give both dates.
_ASKS: tuple[tuple[Fact, re.Pattern[str]], ...] = (
    (
        "author",
        re.compile(
            r"\b(?:auteure?s?|autrice|qui (?:l'a |a |les? a )?(?:ecrit|redige|signe)"
            r"|(?:ecrit|redige|signe)e? par|authors?|who wrote|written by|byline)\b"
        ),
    ),
    (
        "updated",
        re.compile(
            r"\b(?:mise? a jour|actualisee?|modifiee?|updated?|last update|revised|modified)\b"
        ),
    ),
    (
        "published",
        re.compile(
            r"\b(?:publiee?s?|paru|parue|sortie?|mise? en ligne|date de publication|publication"
            r"|published|released|came out|posted|put online)\b"
        ),
    ),
)
# A question about a document names it as one ("l'article", "the page", "celui-là");
# "Quand le palmarès a-t-il été publié ?" asks about an event the text reports.
_DOCUMENT = re.compile(
    r"\b(?:article|page|actualite|actu|breve|news|item|post|billet|texte|text|document"
    r"|fiche|communique|site|dossier|report|rapport|version|celui-ci|celui-la|celle-ci"
    r"|celle-la)s?\b"
)
_LANGUAGE_ASKED = (
    ("en", re.compile(r"\b(?:english|anglaise?|en anglais)\b")),
    ("fr", re.compile(r"\b(?:french|francaise?|en francais)\b")),
)


def fact_asked(question: str) -> Fact | None:
    """Which fact about a document ``question`` asks for, or None when it asks about
    something else (it must name a document: "l'article", "the page", "celui-là")."""
    folded = fold(question)
    if not _DOCUMENT.search(folded):
        return None
    return next((fact for fact, pattern in _ASKS if pattern.search(folded)), None)


class DocumentFactAnswerer:
    """An :class:`~assistant.answer.answerer.Answerer` for questions about a document
    itself ("Qui a écrit l'article… ?", "When was the page last updated?"): its byline
    or date line, quoted, whatever the backend; other questions get nothing."""

    def stream(self, query: Query) -> Iterator[str | Answer]:
        retrieval = query.retrieval
        snapshot = query.index.snapshot
        ranked = dict.fromkeys(p.document.id for p in retrieval.passages)
        answer = answer_document_fact(
            query.reading,
            query.language,
            [snapshot.by_id[doc_id] for doc_id in ranked],
            retrieval.concepts,
            snapshot,
            context=" ".join(query.earlier),
        )
        if answer is not None:
            yield from pieces(answer.text)
            yield answer


def answer_document_fact(
    question: str,
    language: str,
    ranked: Sequence[Document],
    concepts: Sequence[Concept],
    snapshot: Snapshot,
    context: str = "",
) -> Answer | None:
    """The byline or date line that answers ``question``, quoted, or None when the question
    asks something else or no line answers it (the caller then answers as for any question).
    The question alone says what it asks ("And when did Grand Poitiers join?" after "When
    was the page last updated?" asks about joining); ``context``, what a follow-up leaves
    out, only helps find the document.

    ``ranked``: the documents retrieval found for the question, best first; the first that
    is about what the question names is the one asked about (its translation's line serves
    when it has none). A document is about it when it mentions every name of the question
    and at least half of its other ``concepts``: "l'auteur de l'article sur le vélo à
    Bordeaux" is not answered by another article's byline.
    """
    fact = fact_asked(question)
    if fact is None:
        return None
    question = f"{question} {context}".strip()
    wanted_language = next(
        (code for code, pattern in _LANGUAGE_ASKED if pattern.search(fold(question))), None
    )
    subject = [c for c in concepts if not _about_documents(c)]
    # "the English version": a language asked for, not a name the text must hold.
    names = [n for n in question_entities(question) if not _names_language(n)]
    for doc in ranked:
        if not _is_about(doc, subject, names, snapshot):
            continue
        family = [doc]
        twin = snapshot.twins.get(doc.meta.id)
        if twin is not None and twin in snapshot.by_id:
            family.append(snapshot.by_id[twin])
        if wanted_language is not None:
            family.sort(key=lambda d: (d.meta.language or "fr") != wanted_language)
        for candidate in family:
            line = find_fact(candidate, fact)
            if line is not None:
                return _answer(question, language, line)
        return None  # the document asked about does not state it: not another one's
    return None


def _names_language(word: str) -> bool:
    return any(pattern.search(fold(word)) for _, pattern in _LANGUAGE_ASKED)


def _about_documents(concept: Concept) -> bool:
    """Words of the question that ask for the fact, name the document as one or its
    language."""
    text = fold(concept.surface)
    return (
        bool(_DOCUMENT.search(text))
        or any(p.search(text) for _, p in _ASKS)
        or _names_language(text)
    )


def _is_about(
    doc: Document, subject: Sequence[Concept], names: Sequence[str], snapshot: Snapshot
) -> bool:
    texts = [doc]
    twin = snapshot.twins.get(doc.meta.id)
    if twin is not None and twin in snapshot.by_id:
        texts.append(snapshot.by_id[twin])
    found: set[str] = set()
    folded = ""
    for text in texts:
        found |= set(terms(f"{text.meta.title}\n{text.text}", text.meta.language or "fr"))
        folded += " " + fold(f"{text.meta.title}\n{text.text}")
    mentioned = snapshot.acronyms.mentioned
    if not all(mentioned(name, folded) for name in names):
        return False
    weights = [c.weight for c in subject]
    hits = sum(c.weight for c in subject if c.found_in(found))
    return not subject or hits >= 0.5 * sum(weights)


def _answer(question: str, language: str, line: FactLine) -> Answer:
    citation = Citation.quoting(1, line.doc, line.start, line.end, 1.0, answer=line.value)
    answer = Answer(
        text=f"{citation.quote} [1]",
        citations=[citation],
        abstained=False,
        language=language,
        question=question,
        kind="extractive",
        confidence=1.0,
    )
    # Whatever the backend: the line is quoted, no model writes it.
    answer.metadata.answered_by = "document_facts"
    return answer
