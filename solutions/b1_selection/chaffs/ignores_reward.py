"""Chaff: picks by likelihood alone; the reward never enters the key.

Mistake: that is the deployable "logprob" selector, not best-of-N by reward. On items where
the most likely sample is wrong and another is right, it keeps the wrong one.
"""

from __future__ import annotations

import os
import random


def shortest_first_key(sample: dict) -> tuple:
    return (len(sample["completion"]), sample["index"])


def pick_best_random_tiebreak(samples: list[dict], rng_seed: int | None = None) -> int:
    rng = random.Random(os.urandom(16) if rng_seed is None else rng_seed)
    best = max(float(s["reward"]) for s in samples)
    tied = [i for i, s in enumerate(samples) if float(s["reward"]) == best]
    return rng.choice(tied)


def tie_break_key(sample: dict) -> tuple:
    completion = sample["completion"]
    return (-float(sample["sum_logprob"]), len(completion), completion, sample["index"])


def pick_best(samples: list[dict]) -> int:
    return min(range(len(samples)), key=lambda i: tie_break_key(samples[i]))
