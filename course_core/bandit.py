"""Loop C — learning: REINFORCE on a K-armed Bernoulli bandit moves the policy's distribution.

The policy is a softmax over logits that start at zero. Each step samples an arm, observes a
0/1 reward, and nudges the logits along the log-probability gradient of the sampled arm, scaled
by the advantage (reward minus baseline). Unlike selection (Loop B), the generator itself
changes: the log records the distribution before and after every update.

This module is the readable single-bandit version; :mod:`course_core.testbed` steps many
bandits at once with the same update and the same random stream (run 0 there is this run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_core.errors import UserError

# 3 arms whose reward rates are far enough apart that 30 steps at lr 0.5 with the baseline move
# the policy visibly: at seed 0, P(best) goes 0.333 → 0.834 (lr 0.5) and 0.333 → 0.112 (lr -0.5);
# seeds 0-9 all give the same two verdicts.
DEFAULT_ARMS = (0.2, 0.5, 0.8)
VERDICT_MARGIN = 0.05  # |change in P(best arm)| below this is "no clear change"
TOWARD, AWAY, NO_CHANGE = "learned toward the best arm", "learned away from the best arm", "no clear change"
MAX_STEPS = 100_000
MAX_RUNS = 100_000
MAX_DRAWS = 5_000_000  # runs x steps: the random stream is drawn up front (see testbed.BernoulliArms)
MAX_ABS_LR = 100.0  # keeps every logit finite for MAX_STEPS steps (|update| <= |lr| per step)


def softmax(logits: np.ndarray) -> np.ndarray:
    """π_θ(a) = exp(θ_a) / Σ_b exp(θ_b), along the last axis (shifted by the max: no overflow)."""
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def log_prob_grad(probs: np.ndarray, action: np.ndarray | int) -> np.ndarray:
    """∇_θ log π_θ(a) = onehot(a) − π_θ, for the softmax policy with probabilities ``probs``."""
    onehot = np.arange(probs.shape[-1]) == np.asarray(action)[..., None]
    return onehot - probs


def reinforce_update(
    logits: np.ndarray,
    action: np.ndarray | int,
    advantage: np.ndarray | float,
    lr: np.ndarray | float,
    probs: np.ndarray | None = None,
) -> np.ndarray:
    """One REINFORCE step: θ ← θ + lr · (r − b) · (onehot(a) − π_θ).

    ``advantage`` is r − b. Works on one bandit (logits of shape (K,)) or a batch ((R, K), with
    actions, advantages and possibly learning rates of shape (R,)). ``probs`` may pass in
    softmax(logits) when the caller already has it. Returns new logits; the input is unchanged.
    """
    if probs is None:
        probs = softmax(logits)
    scale = np.asarray(lr) * np.asarray(advantage)
    return logits + scale[..., None] * log_prob_grad(probs, action)


def sample_action(probs: np.ndarray, u: np.ndarray | float) -> np.ndarray:
    """Inverse-CDF sampling: the first arm whose cumulative probability exceeds ``u`` ∈ [0, 1)."""
    cdf = np.cumsum(probs, axis=-1)
    index = (cdf <= np.asarray(u)[..., None]).sum(axis=-1)
    return np.minimum(index, probs.shape[-1] - 1)  # guards u just below 1 against rounding in cdf


def running_mean_baseline(reward_sum: float, count: int) -> float:
    """b = mean of the rewards seen before this step (0 before any reward was seen)."""
    return reward_sum / count if count else 0.0


# ---------------------------------------------------------------- configuration and validation


@dataclass(frozen=True)
class BanditConfig:
    """Everything that determines a run: same config, same bytes in log.jsonl."""

    arms: tuple[float, ...] = DEFAULT_ARMS
    steps: int = 30
    lr: float = 0.5
    baseline: bool = False
    seed: int = 0
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


def train(config: BanditConfig) -> list[StepRecord]:
    """Train one softmax policy with REINFORCE for ``config.steps`` steps, deterministically per seed.

    Random stream: two uniforms per step, the first picks the arm, the second decides the reward.
    """
    rng = np.random.default_rng(config.seed)
    arms = np.asarray(config.arms, dtype=float)
    logits = np.zeros(len(arms))
    reward_sum, records = 0.0, []
    for step in range(1, config.steps + 1):
        u_action, u_reward = rng.random(2)
        probs = softmax(logits)
        action = int(sample_action(probs, u_action))
        reward = 1.0 if u_reward < arms[action] else 0.0
        baseline = running_mean_baseline(reward_sum, step - 1) if config.baseline else 0.0
        advantage = reward - baseline
        logits = reinforce_update(logits, action, advantage, config.lr, probs=probs)
        records.append(StepRecord(step, probs, action, reward, baseline, advantage, softmax(logits)))
        reward_sum += reward
    return records


def _r6(x: float) -> float:
    return round(float(x), 6) + 0.0  # + 0.0 turns -0.0 into 0.0: one spelling, stable bytes


def log_row(record: StepRecord) -> dict[str, Any]:
    """One log.jsonl row: fixed key order, floats rounded to 6 decimals (byte-stable)."""
    return {
        "step": record.step,
        "probs_before": [_r6(p) for p in record.probs_before],
        "action": record.action,
        "reward": _r6(record.reward),
        "baseline": _r6(record.baseline),
        "advantage": _r6(record.advantage),
        "probs_after": [_r6(p) for p in record.probs_after],
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


def verdict(p_best_start: float, p_best_end: float, margin: float = VERDICT_MARGIN) -> str:
    """Which way the probability of the best arm moved, if clearly at all."""
    change = p_best_end - p_best_start
    if change > margin:
        return TOWARD
    if change < -margin:
        return AWAY
    return NO_CHANGE


def summarize(config: BanditConfig, curves: Curves) -> dict[str, Any]:
    """summary.json of a Bernoulli bandit run (means over runs when ``config.runs`` > 1)."""
    best = config.best_arm
    quarter = max(1, config.steps // 4)
    p_start, p_end = float(curves.mean_probs[0, best]), float(curves.mean_probs[-1, best])
    return {
        "kind": "bandit",
        "environment": "bernoulli_bandit",
        "arms": list(config.arms),
        "steps": config.steps,
        "runs": curves.runs,
        "seed": config.seed,
        "lr": config.lr,
        "baseline": config.baseline,
        "mean_reward": _r6(curves.mean_rewards.mean()),
        "mean_reward_last_quarter": _r6(curves.mean_rewards[-quarter:].mean()),
        "last_quarter_steps": quarter,
        "best_arm": best,
        "p_best_start": _r6(p_start),
        "p_best_end": _r6(p_end),
        "final_probs": [_r6(p) for p in curves.mean_probs[-1]],
        "action_counts": [int(c) for c in curves.action_counts],
        "verdict": verdict(p_start, p_end),
        "curves": {
            "mean_reward": [_r6(r) for r in curves.mean_rewards],
            "p_best": [_r6(p) for p in curves.mean_probs[:, best]],
        },
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    runs = summary["runs"]
    over = f" (means over {runs} runs, seeds drawn from one stream starting at seed {summary['seed']})" if runs > 1 else ""
    baseline = "running mean of earlier rewards" if summary["baseline"] else "none (b = 0)"
    lines = [
        f"# Bandit run — REINFORCE, {len(summary['arms'])}-armed Bernoulli bandit",
        "",
        f"- steps: {summary['steps']}, lr: {summary['lr']}, baseline: {baseline}, seed: {summary['seed']}{over}",
        "- update: θ ← θ + lr · (r − b) · (onehot(a) − π_θ), logits start at 0 (uniform policy)",
        "",
        f"**P(best arm {summary['best_arm']}): {summary['p_best_start']:.3f} → {summary['p_best_end']:.3f} — {summary['verdict']}**",
        "",
        f"Mean reward {summary['mean_reward']:.3f}; over the last {summary['last_quarter_steps']} steps "
        f"{summary['mean_reward_last_quarter']:.3f}.",
        "",
        "| arm | reward probability | times pulled | final P(arm) |",
        "|---:|---:|---:|---:|",
    ]
    for i, (q, n, p) in enumerate(zip(summary["arms"], summary["action_counts"], summary["final_probs"])):
        mark = " (best)" if i == summary["best_arm"] else ""
        lines.append(f"| {i}{mark} | {q} | {n} | {p:.3f} |")
    lines += [
        "",
        "log.jsonl holds one row per step" + (" of run 0 (seed " + str(summary["seed"]) + ")" if runs > 1 else "")
        + ": the sampled arm, reward, baseline, advantage, and the policy before and after the update.",
        "",
    ]
    return "\n".join(lines)
