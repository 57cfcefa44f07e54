"""Chaff: breaks ties between equally rewarded samples at random.

Mistake: "they are all equally good, so any of them will do". The pass rate does not move,
but the selected samples do, so results.jsonl differs from run to run and no two runs can
be compared line by line.
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
    return (-float(sample["reward"]), -float(sample["sum_logprob"]), len(completion), completion, sample["index"])


def pick_best(samples: list[dict]) -> int:
    return pick_best_random_tiebreak(samples)
