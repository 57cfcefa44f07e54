"""c2_credit_tokens.build — hidden tests: credit.py against the kit's own two-step oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_core.learning import policy
from course_core.learning import two_step as kit

PAYS_RIGHT_UP = [[0.0, 0.0], [1.0, 0.0]]


def random_logits(rng: np.random.Generator) -> dict:
    return {"step1": rng.normal(0, 1.5, 2).tolist(), "step2": rng.normal(0, 1.5, (2, 2)).tolist()}


@pytest.mark.points(3)
def test_hidden_softmax_matches_the_kit_on_many_logits(student):
    rng = np.random.default_rng(11)
    for n in (2, 3, 6):
        theta = rng.normal(0, 3, n)
        assert student.softmax(theta.tolist()) == pytest.approx(policy.softmax(theta).tolist(), abs=1e-12)


@pytest.mark.points(2)
def test_hidden_softmax_of_extreme_logits_is_finite(student):
    for theta in ([-1000.0, 0.0], [710.0, 0.0], [-745.0, 745.0]):
        p = student.softmax(theta)
        assert all(math.isfinite(v) for v in p) and sum(p) == pytest.approx(1.0)
    assert student.softmax([710.0, 0.0])[0] == pytest.approx(1.0)


@pytest.mark.points(3)
def test_hidden_grad_matches_the_kit(student):
    rng = np.random.default_rng(12)
    for n in (2, 4):
        theta = rng.normal(0, 2, n)
        for a in range(n):
            expected = policy.grad_log_prob(policy.softmax(theta), a)
            assert student.grad_log_softmax(theta.tolist(), a) == pytest.approx(expected.tolist(), abs=1e-12)


@pytest.mark.points(3)
def test_hidden_expected_reward_matches_the_kit(student):
    rng = np.random.default_rng(13)
    for _ in range(10):
        logits = random_logits(rng)
        pol = kit.TwoStepPolicy(np.array(logits["step1"]), np.array(logits["step2"]))
        assert student.expected_reward(logits, PAYS_RIGHT_UP) == pytest.approx(pol.expected_reward(), abs=1e-12)


@pytest.mark.points(2)
def test_hidden_expected_reward_with_another_reward_table(student):
    logits = {"step1": [math.log(2.0), 0.0], "step2": [[0.0, math.log(3.0)], [0.0, 0.0]]}
    # π1 = (2/3, 1/3); π2(·|left) = (1/4, 3/4); π2(·|right) = (1/2, 1/2)
    rewards = [[1.0, 0.0], [0.0, 2.0]]
    assert student.expected_reward(logits, rewards) == pytest.approx(2 / 3 * 1 / 4 + 1 / 3 * 1 / 2 * 2, abs=1e-12)


@pytest.mark.points(5)
def test_hidden_update_matches_the_kit_on_random_episodes(student):
    rng = np.random.default_rng(14)
    for _ in range(12):
        logits = random_logits(rng)
        a1, a2 = int(rng.integers(2)), int(rng.integers(2))
        r, b, lr = float(rng.integers(2)), float(rng.random()), float(rng.uniform(0.05, 2))
        for credit in (True, False):
            pol = kit.TwoStepPolicy(np.array(logits["step1"]), np.array(logits["step2"]))
            kit.credit_episode(pol, a1, a2, r - b, lr, credit)
            new = student.reinforce_update(logits, a1, a2, r, b, lr, update_step1=credit)
            assert new["step1"] == pytest.approx(pol.step1.tolist(), abs=1e-12)
            assert new["step2"][0] == pytest.approx(pol.step2[0].tolist(), abs=1e-12)
            assert new["step2"][1] == pytest.approx(pol.step2[1].tolist(), abs=1e-12)


@pytest.mark.points(2)
def test_hidden_update_with_advantage_zero_changes_nothing(student):
    logits = {"step1": [0.4, -0.2], "step2": [[1.0, 0.5], [-0.3, 0.9]]}
    assert student.reinforce_update(logits, 1, 1, 0.7, 0.7, 1.0) == logits
