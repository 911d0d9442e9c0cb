"""Text tools every stage shares: folding and stemming, numbers, sentences, languages, the
kinds of question, glossary, acronyms and spelling. Imports nothing above it."""
