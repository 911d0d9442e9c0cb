"""Follow-up questions: folding the conversation into a question that stands alone."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from assistant.errors import QuestionError
from assistant.text.analysis import is_stop_word, query_terms
from assistant.text.language import detect_language
from assistant.text.numbers import YEAR
from assistant.text.question_kinds import is_follow_up, question_type

Message = Mapping[str, str]
_WORD = re.compile(r"[^\W\d_]+|\d+")


def validate_history(history: Sequence[Message] | None) -> list[dict[str, str]]:
    """Check the Gradio/LangChain message format (``system`` messages are accepted and
    play no part).

    Raises:
        QuestionError: (a ``ValueError``) naming the bad message.
    """
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise QuestionError("history must be a list of {'role': ..., 'content': ...} messages")
    clean: list[dict[str, str]] = []
    for number, message in enumerate(history):
        if not isinstance(message, Mapping):
            raise QuestionError(f"history[{number}] must be a mapping with 'role' and 'content'")
        role, content = message.get("role"), message.get("content")
        if role not in ("user", "assistant", "system"):
            raise QuestionError(
                f"history[{number}]: role must be 'user', 'assistant' or 'system', not {role!r}"
            )
        if not isinstance(content, str):
            raise QuestionError(f"history[{number}]: content must be text")
        # NFC, as the question is: earlier turns fill in what a follow-up leaves out.
        clean.append({"role": str(role), "content": unicodedata.normalize("NFC", content)})
    return clean


def previous_questions(history: Sequence[Message]) -> list[str]:
    return [m["content"] for m in history if m.get("role") == "user" and m.get("content")]


def context_questions(question: str, history: Sequence[Message]) -> list[str]:
    """Earlier questions that ``question`` leans on (empty when it stands alone)."""
    earlier = previous_questions(history)
    if not earlier or not is_follow_up(question, query_terms(question)):
        return []
    return earlier[-1:]


def standalone_question(question: str, history: Sequence[Message]) -> str:
    """``question`` itself, or joined to the previous question when it leans on it."""
    return " ".join([*context_questions(question, history), question])


_ASKING = frozenset(
    """qu quoi quel quelle quels quelles qui que quand comment combien pourquoi où ou est-ce
    what which who whom when where why how many much is are was were""".split()
)


def follow_up_question(question: str, history: Sequence[Message]) -> str:
    """What the reader should read: ``question`` itself, or, for a follow-up, the question
    with the subject of the previous one added after it in brackets ("Et combien y en a-t-il
    dans la Vienne ? (SCIC)"), so the new question decides what is asked and the
    conversation only fills in what it leaves out."""
    earlier = context_questions(question, history)
    if not earlier:
        return question
    asked = {w.lower() for w in _WORD.findall(question)}
    subject = [
        w
        for w in _WORD.findall(earlier[-1])
        if w.lower() not in asked and w.lower() not in _ASKING and not is_stop_word(w)
    ]
    return f"{question} ({' '.join(subject)})" if subject else question


# "The year before", "l'année suivante": a year relative to the one the conversation is
# about. ("L'année dernière" is relative to today, not to the conversation: left alone.)
_RELATIVE_YEAR = (
    (
        re.compile(
            r"\b(?:the\s+)?(?:year|one)\s+before\b|\bprevious\s+year\b|\byear\s+earlier\b"
            r"|\b(?:l['’]\s*)?ann[ée]e\s+(?:pr[ée]c[ée]dente|d['’]avant)\b"
            r"|\b(?:l['’])?an\s+d['’]avant\b"
            r"|\bun\s+an\s+(?:plus\s+t[ôo]t|avant)\b",
            re.IGNORECASE,
        ),
        -1,
    ),
    (
        re.compile(
            r"\b(?:the\s+)?(?:year|one)\s+after\b|\bfollowing\s+year\b|\byear\s+later\b"
            r"|\b(?:l['’]\s*)?ann[ée]e\s+(?:suivante|d['’]apr[èe]s)\b"
            r"|\bun\s+an\s+(?:plus\s+tard|apr[èe]s)\b",
            re.IGNORECASE,
        ),
        1,
    ),
)


def resolve_relative_year(question: str, history: Sequence[Message]) -> str:
    """A follow-up that asks about "the year before" (or after) the year of the previous
    question, with that year written in its place: "And the year before?" after a question
    on 2023 reads "And in 2022?". The year then counts as asked: an answer must quote it
    (``extractive._grounded``), so a year the sources do not cover is declined instead of
    answered with the previous one's facts. Otherwise ``question`` unchanged."""
    earlier = context_questions(question, history)
    if not earlier or YEAR.search(question):
        return question
    years = YEAR.findall(earlier[-1]) or YEAR.findall(previous_answer(history))
    if not years:
        return question
    for pattern, shift in _RELATIVE_YEAR:
        found = pattern.search(question)
        if found:
            shifted = int(years[-1]) + shift
            if _elliptical(question) and YEAR.search(earlier[-1]):
                # "Et l'année d'avant ?" after "Qui a reçu le prix Initiatives solidaires
                # en 2023 ?" asks that question about 2022: what it names (the prize) stays
                # asked, so a sentence that only holds 2022 does not answer it.
                last = list(YEAR.finditer(earlier[-1]))[-1]
                return earlier[-1][: last.start()] + str(shifted) + earlier[-1][last.end() :]
            french = found.group(0).lower().startswith(("ann", "an ", "un ", "l'", "l’"))
            year = f"{'en' if french else 'in'} {shifted}"
            return question[: found.start()] + year + question[found.end() :]
    return question


def _elliptical(question: str) -> bool:
    """Whether ``question`` has no asking word of its own ("Et en 2023 ?", "And the year
    before?"): it asks what the question before it asked."""
    return not {w.lower() for w in _WORD.findall(question)} & _ASKING


def asked_kind(question: str, history: Sequence[Message]) -> str:
    """The kind of information asked (:func:`assistant.text.question_kinds.question_type`); an
    elliptical follow-up with no asking word of its own ("Et en 2023 ?", "And the year
    before?") asks for the same kind as the question before it."""
    earlier = context_questions(question, history)
    if earlier and _elliptical(question):
        return question_type(earlier[-1])
    return question_type(question)


def previous_answer(history: Sequence[Message]) -> str:
    """The last assistant message, or ``""``."""
    for message in reversed(history):
        if message.get("role") == "assistant":
            return message.get("content", "")
    return ""


def conversation_language(question: str, history: Sequence[Message]) -> str:
    """The question's language; a question too short to tell follows the conversation."""
    earlier = previous_questions(history)
    default = detect_language(earlier[-1]) if earlier else "fr"
    return detect_language(question, default=default)
