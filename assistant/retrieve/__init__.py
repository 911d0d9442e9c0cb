"""A question and its conversation to passages: concepts, follow-ups and hybrid retrieval."""
