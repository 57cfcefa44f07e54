"""Public chaff for c2_credit_tokens: step 1 is credited at step 2's action.

Mistake: the step-1 gradient is taken at ``a2`` instead of ``a1``. Both are 0 or 1, so the code
runs and the shapes fit; whenever the two steps' indices differ (right then up: 1 then 0), the
terminal reward pushes step 1 towards the action it did *not* take.

It holds only the mistake: a patch (`PATCHES` below) that runs on top of the module it names,
yours under `pytest --chaff`, the reference in the grader's lock stage. Your
tests/test_regression.py should fail on it. Each function asks the module first, with the
same arguments: wherever the module fails, the chaff fails the same way; only the mistake
tells them apart.
"""

from __future__ import annotations

PATCHES = "credit.py"

_reinforce_update = reinforce_update  # noqa: F821 - a name of the module this patches


def reinforce_update(logits: dict, a1: int, a2: int, reward: float, baseline: float, lr: float,
                     update_step1: bool = True) -> dict:
    """The update with step 1's gradient taken at a2 (step 2's update is right)."""
    right = _reinforce_update(logits, a1, a2, reward, baseline, lr, update_step1)
    wrong = _reinforce_update(logits, a2, a2, reward, baseline, lr, update_step1)
    return {**right, "step1": wrong["step1"]}
