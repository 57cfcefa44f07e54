"""Public chaff for c1_reinforce: the update goes down the gradient instead of up.

Mistake: θ − lr · (r − b) · ∇log π instead of θ + lr · (r − b) · ∇log π. Every step moves the
sampled arm's probability against the sign of its advantage, so at --lr 0.5 this module
writes exactly the log a correct module writes at --lr -0.5: it learns away from the best arm.

Your tests/test_regression.py should fail on this file (the lock stage checks it). Study it,
do not copy it.
"""

from __future__ import annotations

import math


def softmax(logits: list[float]) -> list[float]:
    """π(a) = exp(θ_a − max θ) / Σ_b exp(θ_b − max θ): the policy's probabilities, one per arm."""
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def grad_log_prob(probs: list[float], action: int) -> list[float]:
    """∇_θ log π_θ(action) = onehot(action) − π: one entry per logit."""
    return [(1.0 if a == action else 0.0) - p for a, p in enumerate(probs)]


def reinforce_step(logits: list[float], action: int, advantage: float, lr: float) -> list[float]:
    """One REINFORCE update: θ + lr · advantage · ∇_θ log π_θ(action), as new logits."""
    scale = lr * advantage
    return [x - scale * g for x, g in zip(logits, grad_log_prob(softmax(logits), action))]


def update_baseline(baseline: float, count: int, reward: float) -> float:
    """The running mean after one more reward: ``baseline`` is the mean of ``count`` earlier rewards."""
    return baseline + (reward - baseline) / (count + 1)


def train_step(state: dict, action: int, reward: float, lr: float, use_baseline: bool) -> dict:
    """One step of training, in order: the advantage, the REINFORCE step, then the baseline absorbs the reward."""
    baseline = state["baseline"] if use_baseline else 0.0
    advantage = reward - baseline
    return {
        "logits": reinforce_step(state["logits"], action, advantage, lr),
        "baseline": update_baseline(state["baseline"], state["count"], reward),
        "count": state["count"] + 1,
        "advantage": advantage,
    }


__all__ = ["grad_log_prob", "reinforce_step", "softmax", "train_step", "update_baseline"]
