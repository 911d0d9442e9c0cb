"""Our text tools beside the libraries that could replace them, on the evaluation data.

    .venv/bin/pip install py3langid==0.4.0 lingua-language-detector==2.1.1 bm25s==0.3.16 \\
        pysbd==0.3.4 sentencex==1.0.32
    .venv/bin/python -m assistant eval evals/dev.jsonl   # (and faq, piaf) builds their indexes
    .venv/bin/python benchmarks/library_swaps.py

Prints, for each question set or index: language detection (ours / py3langid / lingua)
accuracy and µs a question; BM25 (ours / bm25s) agreement, keyword hit@5, build and query
time; sentence splitting (ours / pysbd / sentencex) boundaries added and missed against
ours, with samples to judge. Markdown is not here: markdown-it-py replaced our regular
expressions (tests/test_loaders.py::test_markdown_is_read_as_commonmark shows what they
missed). The libraries are not dependencies of the package; this script is how the
decisions recorded in the modules' docstrings were measured (issue 16).
"""

from __future__ import annotations

import collections
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.index.keyword import KeywordIndex, top_k
from assistant.index.snapshot import Snapshot, generation_dir, read_current
from assistant.text.analysis import query_terms, terms
from assistant.text.language import detect_language
from assistant.text.sentences import _lines, _strip, split_sentences

REPO = Path(__file__).resolve().parents[1]
INDEXES = {
    "poitiers": REPO / "index",
    "dev": REPO / "index/sets/dev/index",
    "faq": REPO / "index/sets/faq/index",
    "piaf": REPO / "index/sets/piaf/index",
}
# Written for the comparison, never tuned on: English questions full of French names,
# French questions without a verb.
HELD_OUT_EN = """Who runs La Fabrique des Usages in Châtellerault?
How many jobs did the Maison de l'Économie Sociale create?
When does the Café Solidaire open?
Is the Recyclerie des Couronneries still open?
What is a SCIC?
Which associations work with the Régie de Quartier?
Where is the Tiers-Lieu Le Local?
How much funding did Grand Poitiers give to ESS projects?
What did Léonore Moncond'huy say about the budget?
Why was the Atelier Vélo moved?
List the members of the Pôle ESS.
Who founded Les Petites Cantines?
What happened at the Forum de l'Économie Sociale et Solidaire?
Does the Épicerie Sociale accept donations?
Tell me about Prix Coup de Cœur.
When was the Maison des Projets opened?
Which cooperative repairs bikes in Poitiers?
How many volunteers does Emmaüs Poitiers have?
What is the role of the CRESS Nouvelle-Aquitaine?
Who is the mayor of Poitiers?""".splitlines()
HELD_OUT_FR = """Qui dirige La Fabrique des Usages ?
Combien d'emplois la coopérative a créés ?
Quand ouvre le café associatif ?
Est-ce que la recyclerie est ouverte le samedi ?
C'est quoi une SCIC ?
Quelles associations travaillent avec la régie ?
Où se trouve le tiers-lieu Le Local ?
Combien Grand Poitiers a donné aux projets ESS ?
Que pense Léonore Moncond'huy du budget ?
Pourquoi l'atelier vélo a déménagé ?
Liste des membres du pôle ESS
Qui a fondé Les Petites Cantines ?
Que s'est-il passé au forum ESS ?
L'épicerie sociale accepte les dons ?
Parle-moi du prix Coup de cœur
Date d'ouverture de la Maison des projets
Quelle coopérative répare les vélos à Poitiers ?
Nombre de bénévoles chez Emmaüs Poitiers
Rôle de la CRESS Nouvelle-Aquitaine
Qui est le maire de Poitiers ?""".splitlines()


def questions(name: str) -> list[dict[str, object]]:
    lines = (REPO / "evals" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [q for q in map(json.loads, lines) if "question" in q]


def snapshot(name: str) -> Snapshot:
    directory = INDEXES[name]
    current = read_current(directory)
    if current is None:
        raise SystemExit(
            f"no index in {directory}: run `python -m assistant eval evals/{name}.jsonl`"
        )
    return Snapshot.load(generation_dir(directory, current), REPO / "sources")


def language_detection() -> None:
    from lingua import Language, LanguageDetectorBuilder
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    langid = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    langid.set_languages(["fr", "en"])
    lingua = LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()
    codes = {Language.FRENCH: "fr", Language.ENGLISH: "en"}
    systems: dict[str, Callable[[str], str]] = {
        "ours": detect_language,
        "py3langid": lambda text: str(langid.classify(text)[0]),
        "lingua": lambda text: codes.get(lingua.detect_language_of(text), "fr"),  # type: ignore[arg-type]
    }
    sets: dict[str, list[tuple[str, str]]] = {}
    for name in INDEXES:
        sets[name] = [
            (str(q["question"]), str(q.get("tags", {}).get("language", "fr")))  # type: ignore[union-attr]
            for q in questions(name)
        ]
    sets["held out"] = [(q, "en") for q in HELD_OUT_EN] + [(q, "fr") for q in HELD_OUT_FR]
    print("## Language detection: accuracy (µs a question)")
    for name, items in sets.items():
        row = []
        for system, detect in systems.items():
            started = time.perf_counter()
            right = sum(detect(q) == language for q, language in items)
            micro = (time.perf_counter() - started) / len(items) * 1e6
            row.append(f"{system} {right / len(items):.3f} ({micro:.0f})")
        print(f"{name} ({len(items)}): " + " | ".join(row))


def bm25() -> None:
    import bm25s

    print("\n## BM25 on the same analysed terms: ours / bm25s")
    for name in INDEXES:
        snap = snapshot(name)
        chunks = snap.all_chunks
        docs = [terms(c.embed_text, snap.by_id[c.doc_id].meta.language or "fr") for c in chunks]
        started = time.perf_counter()
        ours = KeywordIndex.build(docs)
        build_ours = time.perf_counter() - started
        started = time.perf_counter()
        theirs = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
        theirs.index([d or [""] for d in docs], show_progress=False)
        build_theirs = time.perf_counter() - started
        same = jaccard = 0.0
        hits = [0, 0]
        with_sources = 0
        times: tuple[list[float], list[float]] = ([], [])
        asked = questions(name)
        for q in asked:
            query = sorted(set(query_terms(str(q["question"]))))
            started = time.perf_counter()
            a = [row for row, _ in top_k(ours.scores(query), 10)]
            times[0].append(time.perf_counter() - started)
            started = time.perf_counter()
            known = [t for t in query if t in theirs.vocab_dict]
            scores = theirs.get_scores(known) if known else np.zeros(len(chunks), np.float32)
            b = [row for row, _ in top_k(np.asarray(scores, dtype=np.float32), 10)]
            times[1].append(time.perf_counter() - started)
            same += a[:1] == b[:1]
            jaccard += len(set(a) & set(b)) / max(1, len(set(a) | set(b)))
            sources = set(q.get("sources") or [])  # type: ignore[call-overload]
            if sources and q.get("answerable", True):
                with_sources += 1
                hits[0] += any(chunks[r].doc_id in sources for r in a[:5])
                hits[1] += any(chunks[r].doc_id in sources for r in b[:5])
        n = len(asked)
        print(
            f"{name}: {len(chunks)} chunks, {n} questions; same first {same / n:.3f}, "
            f"Jaccard@10 {jaccard / n:.3f}; keyword hit@5 {hits[0] / with_sources:.3f} / "
            f"{hits[1] / with_sources:.3f}; build {build_ours * 1e3:.0f} / "
            f"{build_theirs * 1e3:.0f} ms; query median "
            f"{statistics.median(times[0]) * 1e3:.2f} / {statistics.median(times[1]) * 1e3:.2f} ms"
        )


def sentence_splitting() -> None:
    import pysbd
    from sentencex import segment

    segmenters = {
        lang: pysbd.Segmenter(language=lang, clean=False, char_span=True) for lang in ("fr", "en")
    }

    def by_line(text: str, split: Callable[[str], list[tuple[int, int]]]) -> list[tuple[int, int]]:
        # Line breaks end a sentence in all three: only the splitting inside a line differs.
        spans = []
        for start, end in _lines(text, 0, len(text)):
            for a, b in split(text[start:end]):
                span = _strip(text, start + a, start + b)
                if span[0] < span[1]:
                    spans.append(span)
        return spans

    def located(line: str, pieces: list[str]) -> list[tuple[int, int]]:
        spans, position = [], 0
        for piece in pieces:
            found = line.find(piece.strip(), position)
            if found >= 0:
                position = found + len(piece.strip())
                spans.append((found, position))
        return spans

    documents = [d for name in INDEXES for d in snapshot(name).documents]
    counts: collections.Counter[str] = collections.Counter()
    seconds: collections.Counter[str] = collections.Counter()
    samples: dict[str, list[str]] = collections.defaultdict(list)
    for doc in documents:
        lang = doc.meta.language if doc.meta.language in ("fr", "en") else "fr"
        systems: dict[str, Callable[[str], list[tuple[int, int]]]] = {
            "pysbd": lambda line, lang=lang: [
                (s.start, s.end) for s in segmenters[lang].segment(line)
            ],
            "sentencex": lambda line, lang=lang: located(line, list(segment(lang, line))),
        }
        started = time.perf_counter()
        ends = {end for _, end in split_sentences(doc.text)}
        seconds["ours"] += time.perf_counter() - started
        counts["ours"] += len(ends)
        for system, split in systems.items():
            started = time.perf_counter()
            theirs = {end for _, end in by_line(doc.text, split)}
            seconds[system] += time.perf_counter() - started
            for key, found in (("added", theirs - ends), ("missed", ends - theirs)):
                counts[f"{system} {key}"] += len(found)
                samples[f"{system} {key}"] += [
                    doc.text[max(0, e - 50) : e + 30].replace("\n", "⏎") for e in found
                ]
    chars = sum(len(d.text) for d in documents)
    print(f"\n## Sentence splitting: {len(documents)} documents, {chars} characters")
    print(dict(counts), {k: round(v, 2) for k, v in seconds.items()}, "seconds")
    random.seed(0)
    for key, texts in samples.items():
        print(f"### {key} (boundary after the 50th character)")
        for text in random.sample(texts, min(10, len(texts))):
            print("   ", text)


if __name__ == "__main__":
    language_detection()
    bm25()
    sentence_splitting()
