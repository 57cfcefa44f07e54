"""The vectorised bandits: agreement with the single-bandit loop, baselines, and Sutton & Barto Figure 2.5."""

from __future__ import annotations

import numpy as np
import pytest

from course_core.artifacts.schemas import first_error
from course_core.learning.bandit import BanditConfig, KitPolicy, curves_from_records, train, train_runs
from course_core.learning.bandit_run import TESTBED_TOLERANCE, figure_csv, summarize_testbed
from course_core.learning.testbed import (
    FIGURE_2_5_SETTINGS,
    BernoulliArms,
    GaussianTestbed,
    batch_steps,
    bernoulli_curves,
    bernoulli_draws,
    figure_2_5,
)


@pytest.mark.parametrize("lr, baseline", [(0.5, True), (-0.5, True), (1.0, False)])
def test_run_zero_of_a_batch_is_the_single_run_with_that_seed(lr, baseline):
    config = BanditConfig(arms=(0.3, 0.9, 0.6), steps=60, lr=lr, baseline=baseline, seed=11, runs=7)
    single = train(config)
    env = BernoulliArms(config.arms, config.runs, config.steps, config.seed)
    for step, rec in zip(batch_steps(env, config.steps, lr, baseline, include_current=False), single):
        assert step.probs.shape == (7, 3)
        assert step.actions[0] == rec.action and step.rewards[0] == rec.reward
        assert step.baselines[0] == pytest.approx(rec.baseline, abs=1e-12)
        assert np.allclose(step.probs[0], rec.probs_before, atol=1e-12)
    # And the runs are not copies of each other.
    assert len({tuple(env._u_action[:, r][:5]) for r in range(7)}) == 7


def test_batch_of_one_reproduces_the_single_run_curves():
    config = BanditConfig(steps=30, lr=0.5, baseline=True, seed=0, runs=1)
    batch, single = bernoulli_curves(config), curves_from_records(train(config))
    assert np.allclose(batch.mean_probs, single.mean_probs, atol=1e-12)
    assert np.array_equal(batch.mean_rewards, single.mean_rewards)
    assert np.array_equal(batch.action_counts, single.action_counts)


def test_mean_curves_shapes_and_counts():
    config = BanditConfig(steps=40, lr=0.5, baseline=True, seed=0, runs=300)
    curves = bernoulli_curves(config)
    assert curves.mean_probs.shape == (41, 3) and curves.mean_rewards.shape == (40,)
    assert curves.action_counts.sum() == 300 * 40 and curves.runs == 300
    assert np.allclose(curves.mean_probs.sum(axis=1), 1.0)
    assert curves.mean_probs[-1, 2] > 0.6  # on average the policy learns toward the best arm


class _Scripted:
    """A 2-armed environment whose rewards are fixed in advance (one column per run)."""

    n_arms, runs = 2, 2

    def __init__(self, rewards: list[list[float]]) -> None:
        self.r = np.array(rewards)

    def action_uniforms(self, t: int) -> np.ndarray:
        return np.zeros(self.runs)

    def rewards(self, t: int, actions: np.ndarray) -> np.ndarray:
        return self.r[t]


def test_baseline_before_and_including_the_current_reward():
    rewards = [[1.0, 4.0], [0.0, 2.0], [1.0, 0.0]]
    before = [s.baselines for s in batch_steps(_Scripted(rewards), 3, 0.1, True, include_current=False)]
    assert np.allclose(before, [[0, 0], [1, 4], [0.5, 3]])
    including = [s.baselines for s in batch_steps(_Scripted(rewards), 3, 0.1, True, include_current=True)]
    assert np.allclose(including, [[1, 4], [0.5, 3], [2 / 3, 2]])
    mixed = [s.baselines for s in batch_steps(_Scripted(rewards), 3, 0.1, np.array([True, False]), include_current=True)]
    assert np.allclose(np.array(mixed)[:, 1], 0.0)


def test_per_run_learning_rates():
    steps = list(batch_steps(GaussianTestbed(runs=2, seed=0), 5, np.array([0.0, 0.3]), False, include_current=True))
    assert np.allclose(steps[-1].logits_after[0], 0.0)
    assert not np.allclose(steps[-1].logits_after[1], 0.0)


def test_testbed_problems():
    env = GaussianTestbed(runs=4000, seed=1, mean=4.0)
    assert env.q_star.shape == (4000, 10)
    assert env.q_star.mean() == pytest.approx(4.0, abs=0.03) and env.q_star.std() == pytest.approx(1.0, abs=0.03)
    assert np.array_equal(env.optimal, env.q_star.argmax(axis=1))


@pytest.mark.slow
def test_sutton_barto_figure_2_5_numbers():
    """2000 runs × 1000 steps: % optimal averaged over steps 991-1000 within ±0.03 of the book's curves."""
    optimal = figure_2_5()
    assert optimal.shape == (4, 1000)
    summary = summarize_testbed(optimal, 2000, 1000, 0)
    for s in summary["settings"]:
        assert abs(s["optimal_averaged"] - s["published"]) <= TESTBED_TOLERANCE, s
    assert summary["all_within_tolerance"] and summary["averaged_steps"] == [991, 1000]
    assert first_error(summary, "bandit_summary") is None
    # The figure's shape: the baseline helps, and without it the larger step size is worse.
    final = {(s.alpha, s.baseline): v for s, v in zip(FIGURE_2_5_SETTINGS, optimal[:, -10:].mean(axis=1))}
    assert final[(0.1, True)] > final[(0.4, True)] > final[(0.1, False)] > final[(0.4, False)]
    assert optimal[:, 0].max() < 0.2  # step 1: a uniform policy picks the best of 10 arms about 10% of the time


def test_testbed_csv_layout():
    optimal = figure_2_5(runs=20, steps=5, seed=0)
    lines = figure_csv(optimal).splitlines()
    assert lines[0] == "step,pct_optimal_alpha0.1_baseline,pct_optimal_alpha0.4_baseline,pct_optimal_alpha0.1_no_baseline,pct_optimal_alpha0.4_no_baseline"
    assert len(lines) == 6 and lines[1].startswith("1,")
    assert all(0 <= float(v) <= 100 for line in lines[1:] for v in line.split(",")[1:])


def test_runs_stepped_together_are_the_runs_trained_alone() -> None:
    config = BanditConfig(seed=3, steps=12, lr=0.5, baseline=True, runs=5)
    draws = bernoulli_draws(config.seed, config.runs, config.steps)
    together = train_runs(config, KitPolicy(), draws)
    alone = [train(config, KitPolicy(), draws[r]) for r in range(config.runs)]
    assert len(together) == 5 and len({tuple(s.action for s in run) for run in alone}) > 1  # the runs differ
    for a, b in zip(together, alone):
        assert [(s.step, s.action, s.reward, s.baseline, s.advantage) for s in a] == [(s.step, s.action, s.reward, s.baseline, s.advantage) for s in b]
        assert all(np.array_equal(x.probs_after, y.probs_after) and np.array_equal(x.probs_before, y.probs_before) for x, y in zip(a, b))
