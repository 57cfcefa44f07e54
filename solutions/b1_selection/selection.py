"""b1_selection — reference solution ("wheat"). Instructor-only.

Best-of-N draws nothing new: it scores N samples the policy already produced and keeps one.
The pass rate of the kept sample rises with N while the policy stays exactly as it was. For
that rise to be a measurement, the choice must be a function of the samples alone: the same
samples must give the same pick, every time, on every machine.

Each sample is a dict ``{"index": int, "completion": str, "sum_logprob": float, "reward": float}``
(``index`` is the sample's position in the selection pack). The precedence, strongest first:

1. higher ``reward``
2. higher ``sum_logprob`` (the policy found it more likely)
3. shorter ``completion``
4. lexicographically smaller ``completion`` (Python's ``str`` order)
5. lower ``index``

Run the visible tests from the repository root:

    python -m pytest exercises/b1_selection/tests -q

Every function below is called by the tests with JSON values only and must return JSON
values (a tuple comes back to the tests as a list).
"""

from __future__ import annotations

import os
import random

# =============================================================================================
# b1_selection.build — Task 1: the tie-break key
# =============================================================================================
#
# Worked example. A key that prefers shorter completions, then the lower index. ``min`` with a
# key picks the element whose key is smallest; tuples compare element by element, so the
# first element decides and each later one only breaks ties left by the ones before it. To
# make "higher is better" fit "smallest wins", negate the number.


def shortest_first_key(sample: dict) -> tuple:
    """Sort key preferring shorter completions, then lower index (smallest key = preferred)."""
    return (len(sample["completion"]), sample["index"])


def tie_break_key(sample: dict) -> tuple:
    """The sort key of one sample under the precedence above: the best sample has the smallest key."""
    completion = sample["completion"]
    return (-float(sample["reward"]), -float(sample["sum_logprob"]), len(completion), completion, sample["index"])


# =============================================================================================
# b1_selection.build — Task 2: pick the best
# =============================================================================================


def pick_best(samples: list[dict]) -> int:
    """The position in ``samples`` of the sample with the smallest tie_break_key."""
    return min(range(len(samples)), key=lambda i: tie_break_key(samples[i]))


# =============================================================================================
# b1_selection.sabotage — provided, complete: the broken selector you will run on purpose
# =============================================================================================


def pick_best_random_tiebreak(samples: list[dict], rng_seed: int | None = None) -> int:
    """A sample of the highest reward, chosen at random among equals (seeded from os.urandom unless rng_seed is given).

    Do not "fix" this function: the Sabotage stage needs it broken. Run it through
    ``python exercises/b1_selection/run_selection.py --sabotage`` (see README).
    """
    rng = random.Random(os.urandom(16) if rng_seed is None else rng_seed)
    best = max(float(s["reward"]) for s in samples)
    tied = [i for i, s in enumerate(samples) if float(s["reward"]) == best]
    return rng.choice(tied)


__all__ = ["pick_best", "pick_best_random_tiebreak", "shortest_first_key", "tie_break_key"]
