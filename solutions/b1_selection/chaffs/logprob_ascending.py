"""Chaff: among equally rewarded samples, the *less* likely one wins.

Mistake: sum_logprob is negative and "closer to zero" is more likely; sorting it ascending
without negating prefers the sample the policy found least likely.
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
    return (-float(sample["reward"]), float(sample["sum_logprob"]), len(completion), completion, sample["index"])


def pick_best(samples: list[dict]) -> int:
    return min(range(len(samples)), key=lambda i: tie_break_key(samples[i]))
