"""Follow-up questions: folding the conversation into a question that stands alone."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from assistant.analysis import is_stop_word, query_terms
from assistant.language import detect_language
from assistant.questions import is_follow_up

Message = Mapping[str, str]
_WORD = re.compile(r"[^\W\d_]+|\d+")


def validate_history(history: Sequence[Message] | None) -> list[dict[str, str]]:
    """Check the Gradio/LangChain message format; raise ValueError naming the bad message."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise ValueError("history must be a list of {'role': ..., 'content': ...} messages")
    clean: list[dict[str, str]] = []
    for number, message in enumerate(history):
        if not isinstance(message, Mapping):
            raise ValueError(f"history[{number}] must be a mapping with 'role' and 'content'")
        role, content = message.get("role"), message.get("content")
        if role not in ("user", "assistant", "system"):
            raise ValueError(f"history[{number}]: role must be 'user' or 'assistant', not {role!r}")
        if not isinstance(content, str):
            raise ValueError(f"history[{number}]: content must be text")
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
