"""Passages to an :class:`~assistant.answers.Answer`: the reader, the extractive,
generative and corpus answerers, and the citation guard."""
