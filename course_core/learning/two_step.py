"""Credit assignment in a two-step decision: the reward arrives only at the end.

Step 1 chooses ``left`` or ``right``; step 2, knowing step 1's choice, chooses ``up`` or
``down``. Only the path ``right → up`` pays reward 1; every other path pays 0. Each of the three
decision points (the root, and the two second-step states) has its own softmax policy over two
logits. REINFORCE sends the single terminal reward back to *both* decisions of the episode;
withholding it from step 1 (``credit_step1=False``) leaves step 1 exactly uniform forever, while
step 2 still learns — the first decision can only improve if the final reward reaches it.

    θ_t ← θ_t + lr · (R − b) · ∇ log π(a_t | s_t)   for t = 1, 2,   b = mean of earlier rewards (or 0)

Each decision point takes one :func:`~course_core.learning.policy.reinforce_step`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_core.errors import UserError
from course_core.learning import defaults
from course_core.learning.policy import reinforce_step, running_mean, sample_action, softmax

ENVIRONMENT = "two_step_v1"
STEP1_ACTIONS = ("left", "right")
STEP2_ACTIONS = ("up", "down")
REWARDING_PATH = ("right", "up")
MAX_STEPS = 1_000_000


def reward(a1: int, a2: int) -> float:
    """1.0 for the one rewarding path, 0.0 otherwise; paid only after step 2."""
    return 1.0 if (STEP1_ACTIONS[a1], STEP2_ACTIONS[a2]) == REWARDING_PATH else 0.0


@dataclass
class TwoStepPolicy:
    """Logits: ``step1`` (2,) at the root; ``step2`` (2, 2), one row per step-1 choice."""

    step1: np.ndarray = field(default_factory=lambda: np.zeros(2))
    step2: np.ndarray = field(default_factory=lambda: np.zeros((2, 2)))

    def probs(self) -> dict[str, Any]:
        """The policy as named probabilities (plain floats, stable key order)."""
        p1 = softmax(self.step1)
        return {
            "step1": {a: float(p) for a, p in zip(STEP1_ACTIONS, p1)},
            "step2": {
                s: {a: float(p) for a, p in zip(STEP2_ACTIONS, softmax(self.step2[i]))}
                for i, s in enumerate(STEP1_ACTIONS)
            },
        }

    def expected_reward(self) -> float:
        """E[R] = Σ_{a1,a2} π1(a1) · π2(a2 | a1) · R(a1, a2)."""
        p1 = softmax(self.step1)
        return float(sum(
            p1[i] * softmax(self.step2[i])[j] * reward(i, j) for i in range(2) for j in range(2)
        ))


def credit_episode(
    policy: TwoStepPolicy, a1: int, a2: int, advantage: float, lr: float, credit_step1: bool = True
) -> None:
    """θ_t ← θ_t + lr · (R − b) · ∇ log π(a_t | s_t) for t = 1, 2 (step 1 skipped when credit_step1 is False).

    ``advantage`` is R − b, the one terminal reward sent back to both decisions of the episode;
    each decision point's logits take one :func:`~course_core.learning.policy.reinforce_step`.
    """
    if credit_step1:
        policy.step1 = reinforce_step(policy.step1, a1, advantage, lr)
    policy.step2[a1] = reinforce_step(policy.step2[a1], a2, advantage, lr)


# One episode's update: (policy, a1, a2, reward, baseline, lr, credit_step1), applied in place.
Update = Callable[["TwoStepPolicy", int, int, float, float, float, bool], None]


def kit_update(policy: TwoStepPolicy, a1: int, a2: int, r: float, b: float, lr: float, credit_step1: bool) -> None:
    """The kit's own update: :func:`credit_episode` with advantage R − b."""
    credit_episode(policy, a1, a2, r - b, lr, credit_step1)


@dataclass
class TwoStepConfig:
    steps: int = defaults.TWO_STEP_STEPS
    seed: int = defaults.TWO_STEP_SEED
    lr: float = defaults.TWO_STEP_LR
    credit_step1: bool = True
    baseline: str = defaults.TWO_STEP_BASELINE  # "mean": running mean of earlier rewards; "none": b = 0

    def check(self) -> None:
        if not 1 <= self.steps <= MAX_STEPS:
            raise UserError(f"--steps must be between 1 and {MAX_STEPS}, got {self.steps}")
        if self.seed < 0:
            raise UserError(f"--seed must be a non-negative integer, got {self.seed}")
        if not np.isfinite(self.lr):
            raise UserError(f"--lr must be a finite number, got {self.lr}")
        if self.baseline not in ("mean", "none"):
            raise UserError(f"--baseline must be 'mean' or 'none', got {self.baseline!r}")

    def sampling_config(self) -> dict[str, Any]:
        """What the manifest records as the conditions of this run."""
        return {
            "environment": ENVIRONMENT,
            "step1_actions": list(STEP1_ACTIONS),
            "step2_actions": list(STEP2_ACTIONS),
            "rewarding_path": list(REWARDING_PATH),
            "policy": "softmax per decision point, logits initialised to 0",
            "algorithm": "REINFORCE",
            "baseline": self.baseline,
            "credit_step1": self.credit_step1,
            "steps": self.steps,
            "seed": self.seed,
            "lr": self.lr,
            "rng": "numpy.random.default_rng",
        }


def train(config: TwoStepConfig, update: Update = kit_update) -> tuple[TwoStepPolicy, list[dict[str, Any]]]:
    """Run ``config.steps`` episodes; return the final policy and one log row per episode.

    ``update`` applies one episode's REINFORCE step (the kit's own, or a user's module).
    """
    config.check()
    rng = np.random.default_rng(config.seed)
    policy = TwoStepPolicy()
    rows: list[dict[str, Any]] = []
    reward_sum = 0.0
    for episode in range(1, config.steps + 1):
        a1 = int(sample_action(softmax(policy.step1), rng.random()))
        a2 = int(sample_action(softmax(policy.step2[a1]), rng.random()))
        r = reward(a1, a2)
        b = running_mean(reward_sum, episode - 1) if config.baseline == "mean" else 0.0
        update(policy, a1, a2, r, b, config.lr, config.credit_step1)
        reward_sum += r
        rows.append({
            "episode": episode,
            "step1_action": STEP1_ACTIONS[a1],
            "step2_action": STEP2_ACTIONS[a2],
            "reward": r,
            "baseline": b,
            "advantage": r - b,
            "step1_updated": config.credit_step1,
            "policy_after": policy.probs(),
            "expected_reward_after": policy.expected_reward(),
        })
    return policy, rows
