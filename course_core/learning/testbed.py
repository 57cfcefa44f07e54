"""Many bandits at once: the REINFORCE update stepped for R runs together as arrays.

Two environments share one vectorised loop (:func:`batch_steps`):

- :class:`BernoulliArms` — R copies of the kit's Bernoulli bandit, for ``--runs R``. Run r uses
  the r-th block of the stream ``default_rng(seed).random((R, T, 2))``, so run 0 draws exactly
  what the single-bandit :func:`course_core.learning.bandit.train` draws with the same seed.
- :class:`GaussianTestbed` — the 10-armed testbed of Sutton & Barto, *Reinforcement Learning:
  An Introduction* (2nd ed., 2018), Section 2.3: q*(a) ~ N(mean, 1) per run, rewards ~ N(q*(a), 1).

:func:`figure_2_5` reproduces that book's Figure 2.5: the gradient bandit algorithm (Section 2.8)
with α = 0.1 and 0.4, with and without a baseline, as % optimal action per step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from course_core.learning import defaults
from course_core.learning.bandit import BanditConfig, Curves, Policy, StepRecord, round6, train_runs
from course_core.learning.policy import reinforce_step, running_mean, sample_action, softmax


class BatchEnvironment(Protocol):
    n_arms: int
    runs: int

    def action_uniforms(self, t: int) -> np.ndarray: ...

    def rewards(self, t: int, actions: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class BatchStep:
    """Step ``t`` (0-based) of R bandits: arrays of shape (R, K) or (R,)."""

    t: int
    probs: np.ndarray  # the policies before this step's update
    actions: np.ndarray
    rewards: np.ndarray
    baselines: np.ndarray
    logits_after: np.ndarray


def batch_steps(
    env: BatchEnvironment,
    steps: int,
    lr: float | np.ndarray,
    baseline: bool | np.ndarray,
    include_current: bool,
) -> Iterator[BatchStep]:
    """Step all ``env.runs`` bandits together with REINFORCE; yield each step's arrays.

    ``lr`` and ``baseline`` may differ per run (arrays of shape (R,)). The baseline is the running
    mean of rewards: of the earlier ones (b = 0 at the first step) or, with ``include_current``,
    of all rewards up to and including this one (Sutton & Barto, Section 2.8).
    """
    logits = np.zeros((env.runs, env.n_arms))
    use_baseline = np.broadcast_to(np.asarray(baseline, dtype=bool), (env.runs,))
    reward_sum = np.zeros(env.runs)
    for t in range(steps):
        probs = softmax(logits)
        actions = sample_action(probs, env.action_uniforms(t))
        rewards = env.rewards(t, actions)
        seen = reward_sum + rewards if include_current else reward_sum  # Section 2.8 averages this reward too
        baselines = np.where(use_baseline, running_mean(seen, t + include_current), 0.0)
        reward_sum = reward_sum + rewards
        logits = reinforce_step(logits, actions, rewards - baselines, lr, probs=probs)  # θ ← θ + α·(R − b)·(onehot(A) − π)
        yield BatchStep(t, probs, actions, rewards, baselines, logits)


def bernoulli_draws(seed: int, runs: int, steps: int) -> np.ndarray:
    """The uniforms of ``runs`` Bernoulli bandits, shape (runs, steps, 2): run r uses block r of one stream."""
    return np.random.default_rng(seed).random((runs, steps, 2))


class BernoulliArms:
    """R independent Bernoulli bandits with the same arms; all random draws made up front."""

    def __init__(self, arms: tuple[float, ...], runs: int, steps: int, seed: int) -> None:
        self.p = np.asarray(arms, dtype=float)
        self.n_arms, self.runs = len(arms), runs
        draws = bernoulli_draws(seed, runs, steps)
        self._u_action = np.ascontiguousarray(draws[:, :, 0].T)  # (T, R)
        self._u_reward = np.ascontiguousarray(draws[:, :, 1].T)

    def action_uniforms(self, t: int) -> np.ndarray:
        return self._u_action[t]

    def rewards(self, t: int, actions: np.ndarray) -> np.ndarray:
        return (self._u_reward[t] < self.p[actions]).astype(float)


class GaussianTestbed:
    """R runs of the k-armed testbed: q*(a) ~ N(mean, 1) fixed per run, rewards ~ N(q*(a), 1)."""

    def __init__(self, runs: int, seed: int, n_arms: int = 10, mean: float = 4.0) -> None:
        self.rng = np.random.default_rng(seed)
        self.n_arms, self.runs = n_arms, runs
        self.q_star = self.rng.normal(mean, 1.0, size=(runs, n_arms))
        self.optimal = self.q_star.argmax(axis=1)
        self._rows = np.arange(runs)

    def action_uniforms(self, t: int) -> np.ndarray:
        return self.rng.random(self.runs)

    def rewards(self, t: int, actions: np.ndarray) -> np.ndarray:
        return self.q_star[self._rows, actions] + self.rng.standard_normal(self.runs)


def bernoulli_curves(config: BanditConfig) -> Curves:
    """Train ``config.runs`` Bernoulli bandits in one vectorised pass; average policy and reward per step."""
    env = BernoulliArms(config.arms, config.runs, config.steps, config.seed)
    mean_probs = np.empty((config.steps + 1, env.n_arms))
    mean_rewards = np.empty(config.steps)
    counts = np.zeros(env.n_arms, dtype=np.int64)
    step = None
    for step in batch_steps(env, config.steps, config.lr, config.baseline, include_current=False):
        mean_probs[step.t] = step.probs.mean(axis=0)
        mean_rewards[step.t] = step.rewards.mean()
        counts += np.bincount(step.actions, minlength=env.n_arms)
    assert step is not None
    mean_probs[-1] = softmax(step.logits_after).mean(axis=0)
    return Curves(mean_probs=mean_probs, mean_rewards=mean_rewards, action_counts=counts, runs=config.runs)


def policy_runs(config: BanditConfig, policy: Policy) -> list[list[StepRecord]]:
    """``config.runs`` bandits trained with ``policy``, run r on block r of the stream, stepped together.

    The same draws :func:`bernoulli_curves` uses, stepped through any :class:`~course_core.learning.bandit.Policy`
    (a user's module cannot be vectorised, :func:`~course_core.learning.bandit.train_runs`);
    run 0 is the single run with that seed.
    """
    return train_runs(config, policy, bernoulli_draws(config.seed, config.runs, config.steps))


LOCK_THRESHOLD = 0.9  # a run whose final policy gives one arm at least this much has stopped exploring


def across_runs(config: BanditConfig, runs: list[list[StepRecord]]) -> dict[str, Any]:
    """How the runs differ from each other: the spread of the update, and where each run ended.

    ``update_variance``: for each step, the variance across runs of the logit update
    lr · (r − b) · (onehot(a) − π), summed over the arms; then averaged over the steps.
    """
    logits = np.array([[np.zeros(len(config.arms))] + [r.logits_after for r in records] for records in runs])  # (R, T+1, K)
    updates = np.diff(logits, axis=1)
    final = np.array([records[-1].probs_after for records in runs])
    preferred = final.argmax(axis=1)
    locked = final.max(axis=1) >= LOCK_THRESHOLD
    return {
        "update_variance": round6(updates.var(axis=0).sum(axis=1).mean()),
        "p_best_end_std": round6(final[:, config.best_arm].std()),
        "runs_preferring_arm": [int(c) for c in np.bincount(preferred, minlength=len(config.arms))],
        "lock_threshold": LOCK_THRESHOLD,
        "runs_locked": int(locked.sum()),
        "runs_locked_on_worse_arm": int((locked & (preferred != config.best_arm)).sum()),
    }


# ---------------------------------------------------------------- Sutton & Barto, Figure 2.5

FIGURE_2_5_RUNS, FIGURE_2_5_STEPS = defaults.TESTBED_RUNS, defaults.TESTBED_STEPS
TESTBED_MEAN = 4.0  # Figure 2.5 shifts q* to mean +4 so that the baseline matters


@dataclass(frozen=True)
class Setting:
    alpha: float
    baseline: bool
    published: float  # % optimal action at step 1000, read off the book's figure (as a fraction)

    @property
    def label(self) -> str:
        return f"alpha={self.alpha:g}, {'with' if self.baseline else 'without'} baseline"

    @property
    def column(self) -> str:
        return f"alpha{self.alpha:g}_{'baseline' if self.baseline else 'no_baseline'}"


FIGURE_2_5_SETTINGS = (
    Setting(0.1, True, 0.85),
    Setting(0.4, True, 0.72),
    Setting(0.1, False, 0.48),
    Setting(0.4, False, 0.27),
)


def figure_2_5(
    runs: int = FIGURE_2_5_RUNS,
    steps: int = FIGURE_2_5_STEPS,
    seed: int = 0,
    settings: tuple[Setting, ...] = FIGURE_2_5_SETTINGS,
) -> np.ndarray:
    """Fraction of runs choosing the optimal action at each step, shape (len(settings), steps).

    All settings are stepped in one batch of len(settings) × runs independent testbed problems,
    each setting with its own ``runs`` problems.
    """
    n = len(settings)
    env = GaussianTestbed(n * runs, seed, mean=TESTBED_MEAN)
    alphas = np.repeat([s.alpha for s in settings], runs)
    baselines = np.repeat([s.baseline for s in settings], runs)
    optimal = np.empty((n, steps))
    for step in batch_steps(env, steps, alphas, baselines, include_current=True):
        optimal[:, step.t] = (step.actions == env.optimal).reshape(n, runs).mean(axis=1)
    return optimal
