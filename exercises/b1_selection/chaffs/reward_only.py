"""Public chaff for b1_selection: reward decides, and the first of the best wins.

Mistake: stopping after the first rule. It is deterministic and always keeps a sample of the
highest reward, so its pass rate is exactly right; but it ignores likelihood, length and
lexicographic order, so on many items it keeps a different sample than the precedence says.

Your tests/test_regression.py should fail on this file (the lock stage checks it). Study it,
do not copy it.
"""

from __future__ import annotations

import os
import random


def shortest_first_key(sample: dict) -> tuple:
    return (len(sample["completion"]), sample["index"])


def tie_break_key(sample: dict) -> tuple:
    return (-float(sample["reward"]),)


def pick_best(samples: list[dict]) -> int:
    best = max(float(s["reward"]) for s in samples)
    return next(i for i, s in enumerate(samples) if float(s["reward"]) == best)


def pick_best_random_tiebreak(samples: list[dict], rng_seed: int | None = None) -> int:
    rng = random.Random(os.urandom(16) if rng_seed is None else rng_seed)
    best = max(float(s["reward"]) for s in samples)
    tied = [i for i, s in enumerate(samples) if float(s["reward"]) == best]
    return rng.choice(tied)
