"""Documents to one index generation on disk: chunks, vectors in the store, BM25, and the
snapshot an answer reads."""
