"""Chaff: the final tie-break is the position in the list, not the sample's index.

Mistake: the same thing only while samples arrive in pack order. Shuffle equal samples and
the pick follows the shuffle instead of the sample.
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
    return (-float(sample["reward"]), -float(sample["sum_logprob"]), len(completion), completion)


def pick_best(samples: list[dict]) -> int:
    return min(range(len(samples)), key=lambda i: tie_break_key(samples[i]))
