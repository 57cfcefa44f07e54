"""The local language models' tasks: sums, split into train and held-out items.

    sums_train.jsonl     2000 items: the tiny model's pretraining texts and its RL prompts
    sums_holdout.jsonl    200 items: never seen in pretraining or training, for evaluation
    digit_sums_train.jsonl   51 items  one-digit sums with the kit's format instruction, for
    digit_sums_holdout.jsonl 30 items  SmolLM2-135M (its two-digit sums are almost never right)

Prompts are ``What is a + b?`` with 10 <= a, b <= 99 and no format instruction: the tiny model
cannot read one, so only the reward can teach it to answer ``Final: <int>``. The split is made
on unordered pairs, so neither ``a + b`` nor ``b + a`` of a held-out item appears in training.
Only the standard library; seeded with strings (independent of PYTHONHASHSEED).
"""

from __future__ import annotations

import random
from typing import Any

LOW, HIGH = 10, 99
N_TRAIN, N_HOLDOUT = 2000, 200
SEED = "lm-sums-v1"
DIGIT_HOLDOUT = 30
FORMAT_LINE = "Output exactly one line: Final: <int>"  # as in every prompt of math_dev


def prompt(a: int, b: int) -> str:
    return f"What is {a} + {b}?"


def _row(split: str, i: int, a: int, b: int) -> dict[str, Any]:
    return {"id": f"sum-{split}-{i:04d}", "prompt": prompt(a, b), "expected_answer": a + b, "category": "two_digit_sum"}


def sum_splits() -> dict[str, list[dict[str, Any]]]:
    """``{"sums_train": rows, "sums_holdout": rows}`` in the kit's dataset schema."""
    rng = random.Random(SEED)
    pairs = [(a, b) for a in range(LOW, HIGH + 1) for b in range(a, HIGH + 1)]  # unordered: a <= b
    rng.shuffle(pairs)
    held, rest = pairs[:N_HOLDOUT], pairs[N_HOLDOUT:]
    ordered = [p for a, b in rest for p in (((a, b), (b, a)) if a != b else ((a, a),))]
    train = rng.sample(ordered, N_TRAIN)
    holdout = [(a, b) if rng.random() < 0.5 else (b, a) for a, b in held]
    digits = [(a, b) for a in range(1, 10) for b in range(1, 10)]
    rng.shuffle(digits)

    def digit_row(split: str, i: int, a: int, b: int) -> dict[str, Any]:
        return {"id": f"dsum-{split}-{i:02d}", "prompt": f"{prompt(a, b)}\n{FORMAT_LINE}", "expected_answer": a + b,
                "category": "one_digit_sum"}

    return {
        "sums_train": [_row("train", i + 1, a, b) for i, (a, b) in enumerate(train)],
        "sums_holdout": [_row("hold", i + 1, a, b) for i, (a, b) in enumerate(holdout)],
        "digit_sums_train": [digit_row("train", i + 1, a, b) for i, (a, b) in enumerate(digits[DIGIT_HOLDOUT:])],
        "digit_sums_holdout": [digit_row("hold", i + 1, a, b) for i, (a, b) in enumerate(digits[:DIGIT_HOLDOUT])],
    }
