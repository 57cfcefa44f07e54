"""Public chaff for c1_reinforce: the update goes down the gradient instead of up.

Mistake: θ − lr · (r − b) · ∇log π instead of θ + lr · (r − b) · ∇log π. Every step moves the
sampled arm's probability against the sign of its advantage, so at --lr 0.5 this module
writes exactly the log a correct module writes at --lr -0.5: it learns away from the best arm.

It holds only the mistake: a patch (`PATCHES` below) that runs on top of the module it names,
yours under `pytest --chaff`, the reference in the grader's lock stage. Your
tests/test_regression.py should fail on it. Each function asks the module first, with the
same arguments: wherever the module fails, the chaff fails the same way; only the mistake
tells them apart.
"""

from __future__ import annotations

PATCHES = "reinforce.py"

_reinforce_step = reinforce_step  # noqa: F821 - a name of the module this patches
_train_step = train_step  # noqa: F821 - a name of the module this patches


def reinforce_step(logits: list[float], action: int, advantage: float, lr: float) -> list[float]:
    """The update with its sign flipped: θ − lr · advantage · ∇log π."""
    _reinforce_step(logits, action, advantage, lr)
    return _reinforce_step(logits, action, advantage, -lr)


def train_step(state: dict, action: int, reward: float, lr: float, use_baseline: bool) -> dict:
    """A training step whose update has its sign flipped (the baseline is updated as before)."""
    _train_step(state, action, reward, lr, use_baseline)
    return _train_step(state, action, reward, -lr, use_baseline)
