"""Plain-text rendering of an answer for the terminal."""

from __future__ import annotations

from assistant.answers import Answer


def answer_as_text(answer: Answer) -> str:
    """The answer, then a numbered source list with quotes, locations and, where known,
    the part of the quote that answers."""
    lines = [answer.text, ""]
    for c in answer.citations:
        last_resort = c.date and c.date_source == "file modification time"
        dated = f"{c.date} (file date: the document gives none)" if last_resort else c.date
        where = ", ".join(x for x in (c.publisher, dated, c.url) if x)
        lines.append(f"[{c.n}] {c.title}" + (f" ({where})" if where else ""))
        lines.append(f"    « {c.quote} »  — {c.source_id}, characters {c.start}-{c.end}")
        if c.copies:
            lines.append(f"    same text in: {', '.join(c.copies)}")
        if c.answer_start is not None and c.answer_end is not None:
            # The part that answers (the web chat shows it in bold inside the quote).
            lines.append(
                f"    answer: {c.quote[c.answer_start - c.start : c.answer_end - c.start]}"
            )
    return "\n".join(lines).rstrip()
