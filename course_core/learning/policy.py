"""REINFORCE for a softmax policy, in five functions: the one copy every Loop C mechanism uses.

The policy is a softmax over logits θ (one logit per action). One step of REINFORCE
(Williams 1992; Sutton & Barto 2018, Section 13.3) samples an action a, observes a reward r,
and moves the logits along the score function, scaled by the advantage r − b:

    θ ← θ + lr · (r − b) · ∇_θ log π_θ(a),   where for a softmax  ∇_θ log π_θ(a) = onehot(a) − π_θ

The baseline b may be anything that does not depend on a; the running mean of the rewards
seen so far is the classic choice, and b = 0 is plain REINFORCE. A positive advantage raises
π(a), a negative one lowers it, and a negative lr reverses both.

Every function works on one policy (logits of shape (K,)) or a batch of R policies ((R, K),
with actions, advantages and rewards of shape (R,)), so :mod:`~course_core.learning.bandit`,
:mod:`~course_core.learning.testbed` and :mod:`~course_core.learning.two_step` share them.
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """π_θ(a) = exp(θ_a − max θ) / Σ_b exp(θ_b − max θ), along the last axis (the shift avoids overflow)."""
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def grad_log_prob(probs: np.ndarray, action: np.ndarray | int) -> np.ndarray:
    """The score function of a softmax policy: ∇_θ log π_θ(a) = onehot(a) − π_θ (``probs`` is π_θ)."""
    onehot = np.arange(probs.shape[-1]) == np.asarray(action)[..., None]
    return onehot - probs


def reinforce_step(
    logits: np.ndarray,
    action: np.ndarray | int,
    advantage: np.ndarray | float,
    lr: np.ndarray | float,
    probs: np.ndarray | None = None,
) -> np.ndarray:
    """One REINFORCE step: θ ← θ + lr · (r − b) · (onehot(a) − π_θ). Returns new logits; the input is unchanged.

    ``advantage`` is r − b; ``lr`` may differ per policy of a batch. ``probs`` may pass in
    softmax(logits) when the caller already has it (the gradient is taken where a was sampled).
    """
    if probs is None:
        probs = softmax(logits)
    scale = np.asarray(lr) * np.asarray(advantage)
    return logits + scale[..., None] * grad_log_prob(probs, action)


def running_mean(reward_sum: np.ndarray | float, count: int) -> np.ndarray | float:
    """The running-mean baseline: b = (r_1 + … + r_n) / n over the n rewards seen so far; 0 before any."""
    return reward_sum / count if count else 0.0


def sample_action(probs: np.ndarray, u: np.ndarray | float) -> np.ndarray:
    """a ~ π by inverse CDF: the first action whose cumulative probability exceeds ``u`` ∈ [0, 1)."""
    cdf = np.cumsum(probs, axis=-1)
    index = (cdf <= np.asarray(u)[..., None]).sum(axis=-1)
    return np.minimum(index, probs.shape[-1] - 1)  # guards u just below 1 against rounding in cdf
