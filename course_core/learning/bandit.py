"""Loop C — learning: REINFORCE on a K-armed Bernoulli bandit moves the policy's distribution.

The policy is a softmax over logits that start at zero. Each step samples an arm, observes a
0/1 reward, and nudges the logits along the log-probability gradient of the sampled arm, scaled
by the advantage (reward minus baseline):

    θ ← θ + lr · (r − b) · (onehot(a) − π_θ),   b = mean of the earlier rewards (--baseline), else 0

The building blocks are :mod:`course_core.learning.policy`'s. Unlike selection (Loop B), the
generator itself changes: the log records the distribution before and after every update.

This module is the readable single-bandit version; :mod:`course_core.learning.testbed` steps many
bandits at once with the same update and the same random stream (run 0 there is this run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from course_core.errors import UserError
from course_core.learning import defaults
from course_core.learning.policy import reinforce_step, running_mean, sample_action, softmax

MAX_STEPS = 100_000
MAX_RUNS = 100_000
MAX_DRAWS = 5_000_000  # runs x steps: the random stream is drawn up front (see testbed.BernoulliArms)
MAX_ABS_LR = 100.0  # keeps every logit finite for MAX_STEPS steps (|update| <= |lr| per step)


# ---------------------------------------------------------------- configuration and validation


@dataclass(frozen=True)
class BanditConfig:
    """Everything that determines a run: same config, same bytes in log.jsonl."""

    arms: tuple[float, ...] = defaults.BANDIT_ARMS
    steps: int = defaults.BANDIT_STEPS
    lr: float = defaults.BANDIT_LR
    baseline: bool = False
    seed: int = defaults.BANDIT_SEED
    runs: int = 1

    @property
    def best_arm(self) -> int:
        return int(np.argmax(self.arms))

    def sampling_config(self) -> dict[str, Any]:
        return {
            "environment": "bernoulli_bandit",
            "arms": list(self.arms),
            "seed": self.seed,
            "steps": self.steps,
            "lr": self.lr,
            "baseline": self.baseline,
            "policy": "softmax",
            "runs": self.runs,
        }


def parse_arms(text: str) -> tuple[float, ...]:
    """``"0.2,0.5,0.8"`` → (0.2, 0.5, 0.8): reward probabilities in [0, 1], at least two arms."""
    parts = [p.strip() for p in text.split(",")]
    arms = []
    for i, part in enumerate(parts):
        try:
            value = float(part)
        except ValueError:
            raise UserError(
                f"arm {i} is {part!r}, not a number", field="--arms", hint="give reward probabilities like 0.2,0.5,0.8"
            ) from None
        arms.append(value)
    return tuple(arms)


def validate(config: BanditConfig) -> None:
    """Raise UserError for a config that cannot make a meaningful run (before anything is written)."""
    arms = config.arms
    if len(arms) < 2:
        raise UserError(f"a bandit needs at least 2 arms, got {len(arms)}", field="--arms", hint="e.g. --arms 0.2,0.5,0.8")
    for i, p in enumerate(arms):
        if not (math.isfinite(p) and 0.0 <= p <= 1.0):
            raise UserError(
                f"arm {i} has reward probability {p}, outside [0, 1]",
                field="--arms",
                hint="each arm pays 1 with its probability, else 0: use values between 0 and 1",
            )
    if sum(p == max(arms) for p in arms) > 1:
        raise UserError(
            "two or more arms share the highest reward probability, so 'the best arm' is undefined",
            field="--arms",
            hint="make one arm strictly better than the others",
        )
    if not 1 <= config.steps <= MAX_STEPS:
        raise UserError(f"--steps must be between 1 and {MAX_STEPS}, got {config.steps}", field="--steps")
    if not 1 <= config.runs <= MAX_RUNS:
        raise UserError(f"--runs must be between 1 and {MAX_RUNS}, got {config.runs}", field="--runs")
    if config.runs * config.steps > MAX_DRAWS:
        raise UserError(
            f"--runs × --steps is {config.runs * config.steps}, more than {MAX_DRAWS}",
            field="--runs",
            hint="the random draws of all runs are held in memory: use fewer runs or steps",
        )
    if not (math.isfinite(config.lr) and abs(config.lr) <= MAX_ABS_LR):
        raise UserError(f"--lr must be a finite number with |lr| <= {MAX_ABS_LR:g}, got {config.lr}", field="--lr")
    if config.seed < 0:
        raise UserError(f"--seed must be >= 0, got {config.seed}", field="--seed")


# ---------------------------------------------------------------- the policy the training loop steps


class Policy(Protocol):
    """What the training loop needs from a policy: its probabilities, and one update from (action, reward).

    The kit's own update is :class:`KitPolicy` (the functions of :mod:`~course_core.learning.policy`);
    ``--policy FILE`` swaps in a user's module (:mod:`~course_core.learning.user_policy`).
    ``state`` is whatever the policy keeps between steps.
    """

    def initial_state(self, n_arms: int) -> Any: ...

    def probs(self, state: Any) -> np.ndarray: ...

    def logits(self, state: Any) -> np.ndarray: ...

    def step(self, state: Any, action: int, reward: float, lr: float, use_baseline: bool) -> tuple[Any, float, float]:
        """(new state, the baseline used, the advantage) after one REINFORCE update."""
        ...


@dataclass(frozen=True)
class _KitState:
    logits: np.ndarray
    reward_sum: float
    count: int


class KitPolicy:
    """The kit's update: baseline = mean of the rewards before this step, then one REINFORCE step."""

    def initial_state(self, n_arms: int) -> _KitState:
        return _KitState(np.zeros(n_arms), 0.0, 0)

    def probs(self, state: _KitState) -> np.ndarray:
        return softmax(state.logits)

    def logits(self, state: _KitState) -> np.ndarray:
        return state.logits

    def step(self, state: _KitState, action: int, reward: float, lr: float, use_baseline: bool) -> tuple[_KitState, float, float]:
        baseline = running_mean(state.reward_sum, state.count) if use_baseline else 0.0
        advantage = reward - baseline
        logits = reinforce_step(state.logits, action, advantage, lr, probs=softmax(state.logits))  # θ ← θ + lr·(r − b)·(onehot(a) − π)
        return _KitState(logits, state.reward_sum + reward, state.count + 1), baseline, advantage


# ---------------------------------------------------------------- the training loop (one bandit)


@dataclass(frozen=True)
class StepRecord:
    """One step of training: what was sampled, what it earned, and how the policy moved."""

    step: int
    probs_before: np.ndarray
    action: int
    reward: float
    baseline: float
    advantage: float
    probs_after: np.ndarray
    logits_after: np.ndarray | None = None


def train(config: BanditConfig, policy: Policy | None = None, uniforms: np.ndarray | None = None) -> list[StepRecord]:
    """Train one softmax policy with REINFORCE for ``config.steps`` steps, deterministically per seed.

    Random stream: two uniforms per step, the first picks the arm, the second decides the reward;
    ``uniforms`` (shape (steps, 2)) defaults to ``default_rng(seed).random((steps, 2))``.
    ``policy`` defaults to the kit's own update (:class:`KitPolicy`).
    """
    policy = KitPolicy() if policy is None else policy
    if uniforms is None:
        uniforms = np.random.default_rng(config.seed).random((config.steps, 2))
    arms = np.asarray(config.arms, dtype=float)
    state = policy.initial_state(len(arms))
    records = []
    for step, (u_action, u_reward) in enumerate(uniforms, start=1):
        probs = policy.probs(state)
        action = int(sample_action(probs, u_action))
        reward = 1.0 if u_reward < arms[action] else 0.0
        state, baseline, advantage = policy.step(state, action, reward, config.lr, config.baseline)
        records.append(StepRecord(step, probs, action, reward, baseline, advantage, policy.probs(state), policy.logits(state)))
    return records


def train_runs(config: BanditConfig, policy: Policy, uniforms: np.ndarray) -> list[list[StepRecord]]:
    """Many bandits, run r on ``uniforms[r]``, stepped together: step t of every run, then step t + 1.

    Each run's records are the ones :func:`train` gives it alone. A policy with ``step_runs``
    updates every run of a step at once (a user's module the grader serves from a sandbox then
    answers a step in one message); either way its functions are called in this order, the
    order the grader replays.
    """
    arms = np.asarray(config.arms, dtype=float)
    states = [policy.initial_state(len(arms)) for _ in range(len(uniforms))]
    records: list[list[StepRecord]] = [[] for _ in states]
    for t in range(config.steps):
        probs = [policy.probs(state) for state in states]
        actions = [int(sample_action(p, u[t, 0])) for p, u in zip(probs, uniforms)]
        rewards = [1.0 if u[t, 1] < arms[a] else 0.0 for a, u in zip(actions, uniforms)]
        if hasattr(policy, "step_runs"):
            updated = policy.step_runs(states, actions, rewards, config.lr, config.baseline)
        else:
            updated = [policy.step(st, a, r, config.lr, config.baseline) for st, a, r in zip(states, actions, rewards)]
        for r, (state, baseline, advantage) in enumerate(updated):
            records[r].append(StepRecord(t + 1, probs[r], actions[r], rewards[r], baseline, advantage, policy.probs(state), policy.logits(state)))
            states[r] = state
    return records


def round6(x: float) -> float:
    """Rounded to 6 decimals, the precision of every number a bandit run writes."""
    return round(float(x), 6) + 0.0  # + 0.0 turns -0.0 into 0.0: one spelling, stable bytes


def log_row(record: StepRecord) -> dict[str, Any]:
    """One log.jsonl row: fixed key order, floats rounded to 6 decimals (byte-stable)."""
    return {
        "step": record.step,
        "probs_before": [round6(p) for p in record.probs_before],
        "action": record.action,
        "reward": round6(record.reward),
        "baseline": round6(record.baseline),
        "advantage": round6(record.advantage),
        "probs_after": [round6(p) for p in record.probs_after],
    }


# ---------------------------------------------------------------- what a run amounts to


@dataclass(frozen=True)
class Curves:
    """Per-step averages over the runs: the policy (T+1 rows: before step 1 … after step T) and rewards."""

    mean_probs: np.ndarray  # (T + 1, K)
    mean_rewards: np.ndarray  # (T,)
    action_counts: np.ndarray  # (K,), summed over runs
    runs: int = 1


def curves_from_records(records: list[StepRecord]) -> Curves:
    probs = np.array([records[0].probs_before] + [r.probs_after for r in records])
    rewards = np.array([r.reward for r in records])
    counts = np.bincount([r.action for r in records], minlength=probs.shape[1])
    return Curves(mean_probs=probs, mean_rewards=rewards, action_counts=counts, runs=1)


def curves_from_runs(runs: list[list[StepRecord]]) -> Curves:
    """Per-step means over several runs' records (each run trained on its own stream)."""
    each = [curves_from_records(records) for records in runs]
    return Curves(
        mean_probs=np.mean([c.mean_probs for c in each], axis=0),
        mean_rewards=np.mean([c.mean_rewards for c in each], axis=0),
        action_counts=np.sum([c.action_counts for c in each], axis=0),
        runs=len(runs),
    )
