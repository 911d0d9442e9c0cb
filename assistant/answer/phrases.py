"""Every phrase the assistant says on its own, in French and English, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answers import Answer, Citation

# The sentinel both code and tests check: an answer that starts with it is an abstention.
NOT_FOUND = {
    "fr": "Je n'ai pas trouvé la réponse dans les sources.",
    "en": "I could not find the answer in the sources.",
}
LEADS = {
    "fr": "Passages les plus proches : {markers}.",
    "en": "Closest passages: {markers}.",
}
LIST_GOES_ON = {
    "fr": "(La liste continue dans la source.)",
    "en": "(The list goes on in the source.)",
}
EMPTY_QUESTION = {
    "fr": "Posez une question sur l'économie sociale et solidaire de Grand Poitiers.",
    "en": "Ask a question about the social and solidarity economy of Grand Poitiers.",
}
SOURCES_INTRO = {
    "fr": "Le corpus compte {count} documents :",
    "en": "The corpus holds {count} documents:",
}
SOURCE_LINE = {
    "fr": "« {title} » ({details}) [{n}]",
    "en": "“{title}” ({details}) [{n}]",
}
DOCUMENT_INTRO = {
    "fr": "« {title} » ({details}) dit notamment :",
    "en": "“{title}” ({details}) says in particular:",
}


def say(table: dict[str, str], language: str, **values: object) -> str:
    """The phrase of ``table`` in ``language`` (French when unknown), filled in."""
    return table.get(language, table["fr"]).format(**values)


def not_found(
    question: str,
    language: str,
    leads: Sequence[Citation],
    *,
    confidence: float = 0.0,
    kind: str = "extractive",
) -> Answer:
    """The "not found" answer, its ``leads`` (numbered from 1) cited as closest passages."""
    text = say(NOT_FOUND, language)
    if leads:
        markers = ", ".join(f"[{c.n}]" for c in leads)
        text += " " + say(LEADS, language, markers=markers)
    return Answer(
        text=text,
        citations=list(leads),
        abstained=True,
        language=language,
        question=question,
        kind=kind,
        confidence=confidence,
    )
