"""Public chaff for c2_credit_tokens: step 1 is credited at step 2's action.

Mistake: the step-1 gradient is taken at ``a2`` instead of ``a1``. Both are 0 or 1, so the code
runs and the shapes fit; whenever the two steps' indices differ (right then up: 1 then 0), the
terminal reward pushes step 1 towards the action it did *not* take.

Your tests/test_regression.py should fail on this file (the lock stage checks it). Study it,
do not copy it.
"""

from __future__ import annotations

import math

STEP1_ACTIONS = ["left", "right"]
STEP2_ACTIONS = ["up", "down"]

# =============================================================================================
# c2_credit_tokens.build — Task 1: the policy at one decision point
# =============================================================================================
#
# Worked example. A one-hot vector is the gradient of log π(a) with respect to the logits
# *before* the softmax's normalisation takes its share: ∂θ_a/∂θ_i. Lists in, lists out.


def onehot(action: int, n: int) -> list[float]:
    """e_action: 1.0 at index ``action``, 0.0 elsewhere (length n)."""
    return [1.0 if i == action else 0.0 for i in range(n)]


def softmax(logits: list[float]) -> list[float]:
    """π(a) = exp(θ_a − max θ) / Σ_b exp(θ_b − max θ)."""
    top = max(logits)
    z = [math.exp(x - top) for x in logits]
    total = sum(z)
    return [v / total for v in z]


def grad_log_softmax(logits: list[float], action: int) -> list[float]:
    """∇_θ log π(action) = onehot(action) − π, one entry per logit."""
    return [e - p for e, p in zip(onehot(action, len(logits)), softmax(logits))]


# =============================================================================================
# c2_credit_tokens.build — Task 2: the value of a policy
# =============================================================================================


def expected_reward(logits: dict, rewards: list[list[float]]) -> float:
    """E[R] = Σ_{a1,a2} π1(a1) · π2(a2 | a1) · rewards[a1][a2]."""
    p1 = softmax(logits["step1"])
    return sum(p1[a1] * p2 * rewards[a1][a2]
               for a1 in range(len(p1))
               for a2, p2 in enumerate(softmax(logits["step2"][a1])))


# =============================================================================================
# c2_credit_tokens.build — Task 3: one REINFORCE update from the terminal reward
# =============================================================================================


def reinforce_update(logits: dict, a1: int, a2: int, reward: float, baseline: float, lr: float,
                     update_step1: bool = True) -> dict:
    """New logits after θ_t += lr·(R − b)·∇log π(a_t | s_t) for t = 1, 2 (step 1 kept when update_step1 is False)."""
    advantage = reward - baseline
    g1 = grad_log_softmax(logits["step1"], a2)  # both gradients at the logits the episode was sampled with
    g2 = grad_log_softmax(logits["step2"][a1], a2)
    step1 = [t + lr * advantage * g for t, g in zip(logits["step1"], g1)] if update_step1 else list(logits["step1"])
    step2 = [list(row) for row in logits["step2"]]
    step2[a1] = [t + lr * advantage * g for t, g in zip(logits["step2"][a1], g2)]
    return {"step1": step1, "step2": step2}


__all__ = ["STEP1_ACTIONS", "STEP2_ACTIONS", "expected_reward", "grad_log_softmax", "onehot", "reinforce_update", "softmax"]
