"""Which candidates an answer quotes beside its best one (ExtractiveAnswerer._select)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from assistant.answer.extractive import Candidate, ExtractiveAnswerer
from assistant.answer.reader import Reading
from assistant.documents import Document, SourceMeta
from assistant.index.chunking import Chunk
from assistant.index.snapshot import Snapshot
from assistant.retrieve.retriever import Passage, ServingIndex

TEXT = (
    "Au total, environ 50 personnes employées aux Usines. "
    "Une CAE accompagne les entrepreneurs. On en recense 150 en France."
)


def _candidate(passage: Passage, sentence: str, score: float, logit: float) -> Candidate:
    start = TEXT.index(sentence)
    return Candidate(
        passage=passage,
        document_rank=0,
        number=0,
        start=start,
        end=start + len(sentence),
        text=sentence,
        reading=Reading(logit, (0, 0), 0.0),
        score=score,
    )


def _passage() -> Passage:
    document = Document(SourceMeta(id="d", file="d.txt", title="D"), TEXT, sha256="0")
    chunk = Chunk("d#0", "d", 0, 0, len(TEXT), TEXT, ((0, len(TEXT)),), TEXT)
    return Passage(chunk, document, 1.0)


def test_a_sentence_the_reader_reads_far_worse_is_not_quoted_beside_the_answer() -> None:
    passage = _passage()
    best = _candidate(passage, "Au total, environ 50 personnes employées aux Usines.", 0.36, 0.6)
    other = _candidate(passage, "On en recense 150 en France.", 0.22, -2.1)
    answerer = ExtractiveAnswerer(use_reader=True)
    assert answerer._select([best, other]) == [best]


def test_a_sentence_the_reader_reads_as_well_is_quoted_too() -> None:
    passage = _passage()
    best = _candidate(passage, "Au total, environ 50 personnes employées aux Usines.", 0.43, -0.55)
    other = _candidate(passage, "On en recense 150 en France.", 0.39, -0.51)
    answerer = ExtractiveAnswerer(use_reader=True)
    assert answerer._select([best, other]) == [best, other]


def test_every_chunk_of_a_document_ranks_as_its_document() -> None:
    """The second chunk of the best document (a list of laureates after the paragraph that
    names the prize) is as close to the question as its first: candidates carry the rank of
    their document among the retrieved ones, not of their chunk."""
    first = "Le prix a été remis mardi soir. "
    second = "Les lauréats sont La Bricole et Terre de Laine."
    a_text, b_text = first + second, "Un autre texte sur le même prix."
    a = Document(SourceMeta(id="a", file="a.txt", title="A"), a_text, sha256="a")
    b = Document(SourceMeta(id="b", file="b.txt", title="B"), b_text, sha256="b")
    a0 = Chunk("a#0", "a", 0, 0, len(first), first, ((0, len(first) - 1),), first)
    a1 = Chunk("a#1", "a", 1, len(first), len(a_text), second, ((len(first), len(a_text)),), second)
    b0 = Chunk("b#0", "b", 0, 0, len(b_text), b_text, ((0, len(b_text)),), b_text)
    snapshot = Snapshot("g", {}, [a, b], {"a": [a0, a1], "b": [b0]})
    index = ServingIndex(snapshot, Path("."), cast(Any, None))
    passages = [Passage(a0, a, 0.9), Passage(b0, b, 0.8), Passage(a1, a, 0.7)]
    candidates = ExtractiveAnswerer(use_reader=False)._candidates(passages, index)
    ranks = {c.text: c.document_rank for c in candidates}
    assert ranks == {first.strip(): 0, b_text: 1, second: 0}


def _document(text: str) -> Passage:
    document = Document(SourceMeta(id="w", file="w.txt", title="W"), text, sha256="w")
    chunk = Chunk("w#0", "w", 0, 0, len(text), text, ((0, len(text)),), text)
    return Passage(chunk, document, 1.0)


def test_a_why_answer_takes_in_the_clause_that_gives_the_reason() -> None:
    """ "Pourquoi l'épicerie a-t-elle fermé le lundi ?": the window that restates the
    question is quoted with the clause after it that gives the reason."""
    from assistant.answer.extractive import _clause_candidates, _extend_to_reasons

    text = (
        "« Nous faisons ce que nous pouvons avec les bénévoles qui restent, et nous "
        "espérons que de nouveaux habitants du village viendront nous rejoindre avant "
        "l'hiver prochain », explique "
        "Jeanne Morel, trésorière de l'association qui tient l'épicerie du bourg, qui a "
        "fermé le lundi depuis le printemps, faute d'avoir trouvé un nouveau bénévole "
        "pour remplacer le couple de retraités parti en Bretagne."
    )
    passage = _document(text)
    sentence = Candidate(passage, 0, 0, 0, len(text), text)
    windows = _clause_candidates(sentence)
    restating = [w for w in windows if text[w.end :].startswith(", faute")]
    assert restating, [w.text for w in windows]
    _extend_to_reasons(restating)
    assert "faute d'avoir trouvé un nouveau bénévole" in restating[0].text
    assert restating[0].text == text[restating[0].start : restating[0].end]


def test_a_why_answer_quotes_the_sentence_that_refers_back_with_its_antecedent() -> None:
    """The sentence that restates a "why" question ranks below the next one, which refers
    back to it ("Celui-ci…") and says why; the answer quotes both."""
    from assistant.answer.extractive import _prefer_continuations

    first = "Bien qu'il ait un atelier en ville, il vient travailler au Fablab."
    second = "Celui-ci lui permet d'utiliser une découpeuse laser."
    text = f"{first} {second}"
    passage = _document(text)
    restated = Candidate(passage, 0, 0, 0, len(first), first, score=0.78)
    restated.reading = Reading(0.4, (0, 0), 0.0)
    later = len(first) + 1
    reason = Candidate(passage, 0, 1, later, len(text), second, score=0.35, before=(0, len(first)))
    reason.reading = Reading(-1.6, (0, 0), 0.0)
    _prefer_continuations([restated, reason])
    assert reason.score > restated.score
    assert reason.quoted() == text


def test_agreeing_scorers_do_not_answer_with_a_sentence_about_something_else() -> None:
    """Across languages the reader's score is lower, so a candidate that the reader and the
    selector both rank first may answer (``_agreed``); not when it holds almost nothing
    the question names ("What time does the ticket office at the station open?" is not
    answered by a grocery's opening hours in the same town)."""
    from assistant.answer.extractive import _agreed

    passage = _passage()
    sentence = "Au total, environ 50 personnes employées aux Usines."
    best = _candidate(passage, sentence, 0.15, -2.1)
    other = _candidate(passage, "On en recense 150 en France.", 0.05, -4.0)
    best.selected, other.selected = 0.33, 0.12
    best.coverage = 0.6
    assert _agreed([best, other], selector_threshold=0.22) == [best]
    best.coverage = 0.02
    assert _agreed([best, other], selector_threshold=0.22) == []
    best.coverage, best.selected = 0.6, 0.1  # the selector would not answer on its own
    assert _agreed([best, other], selector_threshold=0.22) == []
    # A table row's column names are in its header: "Quelle subvention a reçu Vélo
    # Solidaire ?" over "Vélo Solidaire | Poitiers | 12 000 €" (field case 08).
    best.coverage, best.selected, best.role = 0.097, 0.69, "row"
    assert _agreed([best, other], selector_threshold=0.22) == [best]


def test_a_heading_the_title_already_holds_is_read_once() -> None:
    """The reader reads ``sentence [SEP] title ; heading ; previous``: a Markdown page's
    "# title" heading repeats the title, and is left out; another heading stays."""
    passage = _passage()  # title "D"
    sentence = "Une CAE accompagne les entrepreneurs."
    repeated = Candidate(passage, 0, 0, 0, len(sentence), sentence, heading="D")
    other = Candidate(passage, 0, 0, 0, len(sentence), sentence, heading="Les chiffres")
    assert repeated.reader_input().text() == f"{sentence} [SEP] D"
    assert other.reader_input().text() == f"{sentence} [SEP] D ; Les chiffres"


def test_the_reader_is_unsure_of_english_questions_whatever_the_evidence() -> None:
    """The reader was trained on French questions: an English question over English
    evidence ("When is the twentieth third place expected to open?" / "In two years, the
    twentieth…", read at 0.14 for a threshold of 0.18) may be answered where the selector
    agrees, as over French evidence; a French question over French prose may not."""
    from assistant.answer.extractive import _unsure

    def candidate(text: str, language: str) -> Candidate:
        document = Document(
            SourceMeta(id=language, file="d.txt", title="D", language=language), text, "0"
        )
        chunk = Chunk("d#0", "d", 0, 0, len(text), text, ((0, len(text)),), text)
        return Candidate(Passage(chunk, document, 1.0), 0, 0, 0, len(text), text, score=0.14)

    english = candidate("In two years, the twentieth opens.", "en")
    french = candidate("Dans deux ans, le vingtième ouvrira.", "fr")
    assert _unsure([english], "en", unaccented=False)
    assert _unsure([french], "en", unaccented=False)
    assert not _unsure([french], "fr", unaccented=False)
    assert _unsure([french], "fr", unaccented=True)
    assert not _unsure([], "en", unaccented=False)
