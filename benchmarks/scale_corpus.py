"""Build nested French corpora of growing size for the scale benchmark, offline.

    apt-get download libreoffice-help-fr debian-reference-fr debian-handbook
    for f in *.deb; do dpkg-deb -x "$f" debs; done
    .venv/bin/python benchmarks/scale_corpus.py --out bench-data --text debs/usr/share \\
        --sizes 2000 10000 30000 100000

What goes in, in this order, until a size is reached (each size holds the smaller ones):

1. The PIAF paragraphs that the questions of ``evals/piaf.jsonl`` are about ("needles"),
   one document each with the same ids as the evaluation, so every size can be asked the
   same 300 questions and scored.
2. The other PIAF paragraphs (French Wikipedia, MIT).
3. The French HTML of the ``--text`` folders, copied as they are (Debian's French
   documentation: LibreOffice help, Debian Reference, Debian Administrator's Handbook),
   so the pipeline's own HTML reader cleans them.
4. Then, when real text runs out, recombined documents: paragraphs of three to seven
   real sentences drawn at random (fixed seed) from the text of 2 and 3. Every chunk is
   new text made of real French sentences; none holds a needle's sentence.

Chunk counts are the pipeline's own (its loader, cleaner and chunker with the model's
tokenizer), so a size of N means a build makes at least N chunks. Each size is a folder
of hard links with a ``sources.toml`` for the PIAF documents; ``sizes.json`` says what
each holds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.documents import Document, SourceMeta
from assistant.embeddings import Embedder
from assistant.errors import UnreadableFileError
from assistant.evaluate.piaf import iter_paragraphs
from assistant.evaluate.question_sets import load_question_set
from assistant.index.chunking import chunk_document
from assistant.ingest.cleaning import clean_text
from assistant.ingest.loaders import load_file
from assistant.settings import Settings
from assistant.text.sentences import is_prose, split_sentences

REPO = Path(__file__).resolve().parents[1]
PUBLISHER = "PIAF v1.1 (Etalab), from French Wikipedia"


@dataclass
class Entry:
    """One document of the generated corpus."""

    file: str  # path under the pool folder
    chunks: int
    kind: str  # needle, piaf, html, recombined
    manifest: str = ""  # its sources.toml entry, if any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench-data")
    parser.add_argument("--piaf", type=Path, default=REPO.parent / "shared/external/piaf-v1.1.json")
    parser.add_argument("--questions", type=Path, default=REPO / "evals/piaf.jsonl")
    parser.add_argument("--text", type=Path, action="append", default=[], help="HTML folder")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000, 30000, 100000])
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    settings = Settings()
    embedder = Embedder(settings.embedding)
    pool = args.out / "pool"
    shutil.rmtree(pool, ignore_errors=True)
    pool.mkdir(parents=True)
    target = max(args.sizes)

    def chunk_count(doc_id: str, title: str, text: str) -> int:
        meta = SourceMeta(id=doc_id, file="", title=title, language="fr")
        doc = Document(meta=meta, text=text, sha256="", path=None)
        chunks = chunk_document(
            doc,
            embedder.count_tokens,
            max_tokens=settings.chunking.max_tokens,
            min_tokens=settings.chunking.min_tokens,
        )
        return len(chunks)

    needles = {s for item in load_question_set(args.questions).items for s in item.sources}
    entries: list[Entry] = []
    later: list[Entry] = []
    pool_sentences: list[str] = []
    for pid, title, context, _ in iter_paragraphs(args.piaf):
        text = clean_text(context, language="fr")
        name = f"piaf/{pid}.txt"
        (pool / name).parent.mkdir(parents=True, exist_ok=True)
        (pool / name).write_text(text + "\n", encoding="utf-8")
        manifest = (
            f"[[document]]\nid = {json.dumps(pid)}\nfile = {json.dumps(name)}\n"
            f"title = {json.dumps(title, ensure_ascii=False)}\n"
            f'publisher = "{PUBLISHER}"\nlanguage = "fr"\n'
        )
        entry = Entry(name, chunk_count(pid, title, text), "piaf", manifest)
        if pid in needles:
            entry.kind = "needle"
            entries.append(entry)
        else:
            later.append(entry)
            pool_sentences += _sentences(text)
    entries += later
    print(f"PIAF: {len(entries)} paragraphs, {sum(e.chunks for e in entries)} chunks")

    html = 0
    for path, rel in _html_files(args.text):
        try:
            loaded = load_file(path)
        except UnreadableFileError as exc:
            print(f"  skipped {rel}: {exc.reason}", file=sys.stderr)
            continue
        text = clean_text(loaded.text, language="fr")
        count = chunk_count(rel, loaded.title, text)
        if count == 0:
            continue
        name = f"html/{rel}"
        (pool / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, pool / name)
        entries.append(Entry(name, count, "html"))
        pool_sentences += _sentences(text)
        html += count
    print(f"HTML: {html} chunks; sentence pool: {len(pool_sentences)} sentences")

    rng = random.Random(args.seed)
    made = sum(e.chunks for e in entries)
    number = 0
    while made < target and pool_sentences:
        number += 1
        paragraphs = [" ".join(rng.sample(pool_sentences, rng.randint(3, 7))) for _ in range(20)]
        text = "\n\n".join(paragraphs)
        title = f"Recueil {number}"
        name = f"recombined/{number // 1000:03d}/recueil-{number:05d}.txt"
        (pool / name).parent.mkdir(parents=True, exist_ok=True)
        (pool / name).write_text(f"{title}\n\n{text}\n", encoding="utf-8")
        loaded = load_file(pool / name)
        count = chunk_count(name, loaded.title or title, clean_text(loaded.text, language="fr"))
        entries.append(Entry(name, count, "recombined"))
        made += count
    print(f"recombined: {number} documents; {made} chunks in all")

    sizes = {}
    for size in sorted(args.sizes):
        folder = args.out / f"size-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        chosen, total = [], 0
        for entry in entries:
            if total >= size:
                break
            chosen.append(entry)
            total += entry.chunks
        for entry in chosen:
            (folder / entry.file).parent.mkdir(parents=True, exist_ok=True)
            os.link(pool / entry.file, folder / entry.file)
        (folder / "sources.toml").write_text(
            "\n".join(e.manifest for e in chosen if e.manifest), encoding="utf-8"
        )
        kinds = {k: sum(e.chunks for e in chosen if e.kind == k) for k in _KINDS}
        sizes[size] = {"folder": folder.name, "documents": len(chosen), "chunks": total, **kinds}
        print(f"size {size}: {len(chosen)} documents, {total} chunks {kinds}")
    (args.out / "sizes.json").write_text(json.dumps(sizes, indent=2), encoding="utf-8")


_KINDS = ("needle", "piaf", "html", "recombined")


def _sentences(text: str) -> list[str]:
    """Prose sentences of 6 to 60 words, the material of recombined paragraphs."""
    found = []
    for start, end in split_sentences(text):
        sentence = text[start:end].strip()
        if is_prose(sentence) and 6 <= len(sentence.split()) <= 60:
            found.append(sentence)
    return found


def _html_files(folders: list[Path]) -> Iterator[tuple[Path, str]]:
    """French HTML pages under ``folders``, in a fixed order."""
    for folder in folders:
        for path in sorted(folder.rglob("*.htm*")):
            rel = path.relative_to(folder).as_posix()
            if _french(rel) and path.is_file():
                yield path, rel


def _french(rel: str) -> bool:
    parts = rel.split("/")
    # The handbook ships every language side by side; keep fr-FR. Other packages are French.
    return "fr-FR" in parts if "debian-handbook" in parts else True


if __name__ == "__main__":
    main()
