"""The single Bernoulli bandit: training, its baseline, determinism, the log, the guide's two runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course_core.artifacts.schemas import first_error
from course_core.errors import UserError
from course_core.learning.bandit import BanditConfig, curves_from_records, log_row, parse_arms, train, validate
from course_core.learning.bandit_run import AWAY, NO_CHANGE, TOWARD, summarize, verdict
from course_core.learning.defaults import BANDIT_ARMS


def test_negative_lr_moves_the_sampled_arm_the_other_way_in_training():
    # Same seed, so the same first arm and reward; its probability moves in opposite directions.
    pos = train(BanditConfig(lr=0.5, baseline=True, seed=0))[0]
    neg = train(BanditConfig(lr=-0.5, baseline=True, seed=0))[0]
    assert pos.action == neg.action and pos.reward == neg.reward == 1.0
    a = pos.action
    assert pos.probs_after[a] > pos.probs_before[a] == neg.probs_before[a] > neg.probs_after[a]


def test_baseline_is_the_mean_of_earlier_rewards():
    records = train(BanditConfig(steps=40, baseline=True, seed=3))
    rewards = [r.reward for r in records]
    for i, rec in enumerate(records):
        assert rec.baseline == pytest.approx(np.mean(rewards[:i]) if i else 0.0)
        assert rec.advantage == pytest.approx(rec.reward - rec.baseline)
    for rec in train(BanditConfig(steps=40, baseline=False, seed=3)):
        assert rec.baseline == 0.0 and rec.advantage == rec.reward


def test_policy_starts_uniform_and_stays_a_distribution():
    records = train(BanditConfig(arms=(0.1, 0.9, 0.3, 0.5), steps=50, lr=2.0, seed=1))
    assert np.allclose(records[0].probs_before, 0.25)
    for rec in records:
        assert rec.probs_after.sum() == pytest.approx(1.0)
        assert rec.reward in (0.0, 1.0)


def test_same_seed_same_log_different_seed_different_log():
    def log(seed: int) -> list[str]:
        return [json.dumps(log_row(r)) for r in train(BanditConfig(steps=25, baseline=True, seed=seed))]

    assert log(5) == log(5)
    assert log(5) != log(6)


def test_log_rows_fixed_keys_rounded_and_valid():
    row = log_row(train(BanditConfig(steps=3, seed=0))[2])
    assert list(row) == ["step", "probs_before", "action", "reward", "baseline", "advantage", "probs_after"]
    assert all(len(repr(p).split(".")[-1]) <= 6 for p in row["probs_after"])
    assert first_error(row, "bandit_log_row") is None


@pytest.mark.parametrize("lr, expected, p_end", [(0.5, TOWARD, 0.833998), (-0.5, AWAY, 0.111913)])
def test_guide_runs_move_toward_and_away_from_the_best_arm(lr, expected, p_end):
    config = BanditConfig(steps=30, seed=0, lr=lr, baseline=True)
    summary = summarize(config, curves_from_records(train(config)))
    assert config.arms == BANDIT_ARMS and summary["best_arm"] == 2
    assert summary["p_best_start"] == pytest.approx(1 / 3, abs=1e-6)
    assert summary["p_best_end"] == pytest.approx(p_end, abs=1e-6)
    assert summary["verdict"] == expected
    assert first_error(summary, "bandit_summary") is None
    assert len(summary["curves"]["p_best"]) == 31 and len(summary["curves"]["mean_reward"]) == 30
    assert sum(summary["action_counts"]) == 30


def test_verdict_margin():
    assert verdict(0.33, 0.5) == TOWARD
    assert verdict(0.33, 0.2) == AWAY
    assert verdict(0.33, 0.36) == NO_CHANGE


def test_zero_lr_learns_nothing():
    config = BanditConfig(steps=20, lr=0.0, seed=2)
    summary = summarize(config, curves_from_records(train(config)))
    assert summary["verdict"] == NO_CHANGE and summary["final_probs"] == [0.333333] * 3


@pytest.mark.parametrize(
    "config, field",
    [
        (BanditConfig(steps=0), "--steps"),
        (BanditConfig(arms=(0.2, 1.5)), "--arms"),
        (BanditConfig(arms=(-0.1, 0.5)), "--arms"),
        (BanditConfig(arms=(0.7,)), "--arms"),
        (BanditConfig(arms=(0.7, 0.7, 0.1)), "--arms"),
        (BanditConfig(lr=float("nan")), "--lr"),
        (BanditConfig(lr=1e6), "--lr"),
        (BanditConfig(runs=0), "--runs"),
        (BanditConfig(runs=10_000, steps=10_000), "--runs"),
        (BanditConfig(seed=-1), "--seed"),
    ],
)
def test_invalid_configs_are_user_errors(config, field):
    with pytest.raises(UserError) as info:
        validate(config)
    assert info.value.field == field


def test_parse_arms():
    assert parse_arms("0.2, 0.5,0.8") == (0.2, 0.5, 0.8)
    with pytest.raises(UserError, match="not a number"):
        parse_arms("0.2,high")
