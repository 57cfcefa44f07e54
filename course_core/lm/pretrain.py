"""Pretrain the tiny model's starting weights: a seeded, deterministic script (``data/lm/tiny.pt``).

    python -m course_core.lm.pretrain            (re)write data/lm/tiny.pt and data/lm/tiny.json
    python -m course_core.lm.pretrain --check    retrain in memory; exit 1 if the weights differ

The corpus is the train split of two-digit sums (``data/datasets/sums_train.jsonl``), each
question followed by its (correct) answer in one of several formats, drawn by weight. Only
``Final: <int>`` is what the strict scorer accepts, and it is a minority: the starting model
knows how to add but rarely says it the way the reward wants. That is the gap Loop C closes.

Training is next-character prediction with the loss on the answer only (the questions are
random digits that nothing could predict). Adam with a warm-up and cosine decay, one thread,
one seed: the same command writes the same bytes. Around step 600 the model still gets a third
of the held-out sums wrong; by step 1000 it writes the right number about 85% of the time.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from course_core.lm import chars
from course_core.lm.model import GPT, GPTConfig, count_parameters
from course_core.lm.reproducible import seed_everything, weights_fingerprint
from course_core.lm.weights import save_tiny
from course_core.paths import DATA_DIR

CORPUS = DATA_DIR / "datasets/sums_train.jsonl"
OUT = DATA_DIR / "lm/tiny.pt"
SEED, STEPS, BATCH = 0, 1000, 64
LR, WARMUP, FINAL_LR_FRACTION = 5e-3, 30, 0.1  # linear warm-up, then cosine decay to 10% of LR

# How the corpus writes an answer s = a + b: (name, weight, writer). Weights sum to 1.
# Only "final" passes the strict scorer; "final_answer" and "final_no_space" also start with "F".
ANSWER_FORMATS: list[tuple[str, float, Callable[[int, int, int], str]]] = [
    ("final", 0.15, lambda a, b, s: f"Final: {s}"),
    ("final_answer", 0.02, lambda a, b, s: f"Final answer: {s}"),
    ("final_no_space", 0.01, lambda a, b, s: f"Final:{s}"),
    ("bare", 0.18, lambda a, b, s: f"{s}"),
    ("the_answer_is", 0.15, lambda a, b, s: f"The answer is {s}."),
    ("answer_colon", 0.10, lambda a, b, s: f"Answer: {s}"),
    ("equation", 0.15, lambda a, b, s: f"{a} + {b} = {s}"),
    ("worked_then_final", 0.07, lambda a, b, s: f"{a} + {b} = {s}\nFinal: {s}"),
    ("lowercase_final", 0.05, lambda a, b, s: f"final: {s}"),
    ("it_is", 0.07, lambda a, b, s: f"It is {s}."),
    ("sum_is", 0.05, lambda a, b, s: f"The sum is {s}"),
]


def load_pairs(path: Path = CORPUS) -> list[tuple[str, int, int]]:
    """(prompt, a, b) for each item of the train split."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        a, b = (int(x) for x in row["prompt"].removeprefix("What is ").removesuffix("?").split(" + "))
        out.append((row["prompt"], a, b))
    return out


def make_batch(pairs: list[tuple[str, int, int]], g: torch.Generator, block: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One batch of texts ``prompt\\nanswer<end>``: inputs (B, block) and targets with -100 outside the answer."""
    weights = torch.tensor([w for _, w, _ in ANSWER_FORMATS])
    items = torch.randint(len(pairs), (BATCH,), generator=g).tolist()
    formats = torch.multinomial(weights, BATCH, replacement=True, generator=g).tolist()
    x = torch.zeros(BATCH, block, dtype=torch.long)
    y = torch.full((BATCH, block), -100, dtype=torch.long)
    for row, (i, f) in enumerate(zip(items, formats)):
        prompt, a, b = pairs[i]
        head = chars.encode(prompt + "\n")
        answer = chars.encode(ANSWER_FORMATS[f][2](a, b, a + b)) + [chars.EOS]
        seq = head + answer
        x[row, : len(seq) - 1] = torch.tensor(seq[:-1])
        y[row, len(head) - 1 : len(seq) - 1] = torch.tensor(answer)  # position t predicts token t + 1
    return x, y


def learning_rate(step: int, steps: int) -> float:
    """LR · warm-up · (a cosine from 1 down to FINAL_LR_FRACTION over the run)."""
    warm = min(1.0, step / WARMUP)
    cosine = FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * step / steps))
    return LR * warm * cosine


def pretrain(seed: int = SEED, steps: int = STEPS, log: Callable[[str], None] = print) -> tuple[GPT, dict[str, Any]]:
    """Train a fresh tiny GPT on the answer-format corpus; returns the model and a record of how."""
    g = seed_everything(seed)
    cfg = GPTConfig()
    model = GPT(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    pairs = load_pairs()
    start = time.perf_counter()
    for step in range(1, steps + 1):
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, steps)
        x, y = make_batch(pairs, g, cfg.block_size)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, cfg.vocab_size), y.view(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == 1:
            log(f"step {step:4d}  loss {loss.item():.4f}")
    seconds = time.perf_counter() - start
    record = {
        "model": "tiny",
        "config": cfg.to_dict(),
        "parameters": count_parameters(model),
        "seed": seed,
        "steps": steps,
        "batch_size": BATCH,
        "lr": LR,
        "lr_schedule": f"linear warm-up over {WARMUP} steps, cosine decay to {FINAL_LR_FRACTION:g} x lr",
        "optimizer": "adam",
        "corpus": "data/datasets/sums_train.jsonl",
        "answer_formats": [{"name": n, "weight": w, "example": fn(12, 34, 46)} for n, w, fn in ANSWER_FORMATS],
        "final_loss": round(float(loss.item()), 6),
        "fingerprint": weights_fingerprint(model.state_dict()),
        "generated_by": "python -m course_core.lm.pretrain",
    }
    log(f"{steps} steps in {seconds:.1f} s; {record['parameters']} parameters; {record['fingerprint']}")
    return model, record


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m course_core.lm.pretrain", description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="retrain in memory; exit 1 if the result differs from data/lm/tiny.pt")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the weights (default data/lm/tiny.pt)")
    args = ap.parse_args(argv)
    model, record = pretrain()
    card = args.out.with_suffix(".json")
    if args.check:
        shipped = json.loads(card.read_text(encoding="utf-8")) if card.is_file() else {}
        same = shipped.get("fingerprint") == record["fingerprint"]
        print(("matches " if same else "differs from ") + str(card))
        return 0 if same else 1
    save_tiny(model, args.out, record)
    card.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) and {card}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
