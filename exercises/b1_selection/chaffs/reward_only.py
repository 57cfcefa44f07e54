"""Public chaff for b1_selection: reward decides, and the first of the best wins.

Mistake: stopping after the first rule. It is deterministic and always keeps a sample of the
highest reward, so its pass rate is exactly right; but it ignores likelihood, length and
lexicographic order, so on many items it keeps a different sample than the precedence says.

It holds only the mistake: a patch (`PATCHES` below) that runs on top of the module it names,
yours under `pytest --chaff`, the reference in the grader's lock stage. Your
tests/test_regression.py should fail on it. Each function asks the module first, with the
same arguments: wherever the module fails, the chaff fails the same way; only the mistake
tells them apart.
"""

from __future__ import annotations

PATCHES = "selection.py"

_tie_break_key = tie_break_key  # noqa: F821 - a name of the module this patches
_pick_best = pick_best  # noqa: F821 - a name of the module this patches


def _reward_only(sample: dict) -> dict:
    """The sample with every rule after reward made a tie (the index is left: the first wins)."""
    return {**sample, "sum_logprob": 0.0, "completion": ""}


def tie_break_key(sample: dict) -> tuple:
    """The key of a sample as if reward were the only rule."""
    _tie_break_key(sample)
    return _tie_break_key({**_reward_only(sample), "index": 0})


def pick_best(samples: list[dict]) -> int:
    """The first sample of the highest reward."""
    _pick_best(samples)
    return _pick_best([_reward_only(s) for s in samples])
