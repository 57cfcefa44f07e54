"""c1_reinforce — REINFORCE, read step by step (Loop C: learning moves the distribution).

A softmax policy over K arms keeps one logit θ_a per arm; π_θ(a) = exp(θ_a) / Σ_b exp(θ_b).
Each training step samples an arm a, observes a reward r, and moves the logits along the
gradient of log π_θ(a), scaled by the advantage r − b:

    θ ← θ + lr · (r − b) · ∇_θ log π_θ(a),        ∇_θ log π_θ(a) = onehot(a) − π_θ

When the advantage is positive, the sampled arm becomes more likely; when it is negative,
less likely. The baseline b is the mean of the rewards seen *before* this step (0 at the first
step): it does not change the direction of the update in expectation, but it makes each
update less noisy.

The kit's instrument runs these functions when you pass this file with ``--policy``:

    python -m course.bandit_train --policy exercises/c1_reinforce/reinforce.py \\
        --steps 30 --seed 0 --lr 0.5 --baseline --slow --outdir runs/c1_mine

It calls ``softmax`` for the probabilities it samples from and logs, and ``train_step`` for
each update. Run the visible tests from the repository root:

    python -m pytest exercises/c1_reinforce/tests -q

Every function takes and returns JSON values: lists of floats, floats, ints, and one dict.
No numpy needed (``math.exp`` is enough).
"""

from __future__ import annotations

import math  # noqa: F401 - you will want math.exp

# =============================================================================================
# c1_reinforce.build — Task 1: the policy's probabilities
# =============================================================================================
#
# exp() of a large logit overflows (math.exp(1000) raises OverflowError; numpy gives inf, and
# inf / inf is nan). Subtracting the largest logit first changes nothing mathematically
# (the common factor exp(−max θ) cancels) and keeps every exponent ≤ 0.


def softmax(logits: list[float]) -> list[float]:
    """π(a) = exp(θ_a − max θ) / Σ_b exp(θ_b − max θ): the policy's probabilities, one per arm."""
    # TODO(c1_reinforce.build): shift by the max, exponentiate, normalise —
    #   checked by tests/test_build.py::test_softmax_*
    raise NotImplementedError("c1_reinforce.build: softmax is a stub — see tests/test_build.py::test_softmax_*")


# =============================================================================================
# c1_reinforce.build — Task 2: the gradient of log π for the sampled arm
# =============================================================================================


def grad_log_prob(probs: list[float], action: int) -> list[float]:
    """∇_θ log π_θ(action) = onehot(action) − π: one entry per logit."""
    # TODO(c1_reinforce.build): 1 − π(a) on the sampled arm, −π(b) on every other arm —
    #   checked by tests/test_build.py::test_grad_*
    raise NotImplementedError("c1_reinforce.build: grad_log_prob is a stub — see tests/test_build.py::test_grad_*")


# =============================================================================================
# c1_reinforce.build — Task 3: one REINFORCE step
# =============================================================================================


def reinforce_step(logits: list[float], action: int, advantage: float, lr: float) -> list[float]:
    """One REINFORCE update: θ + lr · advantage · ∇_θ log π_θ(action), as new logits."""
    # TODO(c1_reinforce.build): probabilities from softmax(logits), the gradient from
    #   grad_log_prob at the sampled action, then the step (lr and the advantage, once each) —
    #   checked by tests/test_build.py::test_step_*
    raise NotImplementedError("c1_reinforce.build: reinforce_step is a stub — see tests/test_build.py::test_step_*")


# =============================================================================================
# c1_reinforce.build — Task 4: the running-mean baseline
# =============================================================================================


def update_baseline(baseline: float, count: int, reward: float) -> float:
    """The running mean after one more reward: ``baseline`` is the mean of ``count`` earlier rewards."""
    # TODO(c1_reinforce.build): the mean of count + 1 rewards, without storing them
    #   (0 earlier rewards: the new mean is the reward itself) —
    #   checked by tests/test_build.py::test_baseline_*
    raise NotImplementedError("c1_reinforce.build: update_baseline is a stub — see tests/test_build.py::test_baseline_*")


# =============================================================================================
# c1_reinforce.build — Task 5: one training step, in the right order
# =============================================================================================
#
# ``state`` is {"logits": [...], "baseline": b, "count": n}: the policy's logits, the mean b of
# the n rewards seen so far (b = 0.0 when n = 0). The state always keeps that running mean;
# ``use_baseline`` decides whether the advantage subtracts it (True) or uses b = 0 (False).
# Order matters: the advantage of this step is computed against the rewards seen *before*
# it, so this step's reward enters the baseline only after the update.


def train_step(state: dict, action: int, reward: float, lr: float, use_baseline: bool) -> dict:
    """One step of training, in order: the advantage, the REINFORCE step, then the baseline absorbs the reward."""
    # TODO(c1_reinforce.build): return {"logits": new logits, "baseline": the new running mean,
    #   "count": n + 1, "advantage": reward − the baseline used} —
    #   checked by tests/test_build.py::test_train_step_*
    raise NotImplementedError("c1_reinforce.build: train_step is a stub — see tests/test_build.py::test_train_step_*")


__all__ = ["grad_log_prob", "reinforce_step", "softmax", "train_step", "update_baseline"]
