"""c3_kl_constraint.build — hidden tests: kl.py against the kit's own KL-tradeoff oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_core.learning import kl_choice
from course_core.learning import kl_tradeoff as kit


def dist(rng: np.random.Generator, n: int) -> list[float]:
    x = rng.random(n) + 0.01
    return (x / x.sum()).tolist()


@pytest.mark.points(4)
def test_hidden_kl_matches_the_kit_on_random_distributions(student):
    rng = np.random.default_rng(21)
    for n in (2, 3, 6):
        for _ in range(5):
            p, q = dist(rng, n), dist(rng, n)
            assert student.kl_divergence(p, q) == pytest.approx(kit.kl(np.log(p), np.log(q)), abs=1e-12)


@pytest.mark.points(2)
def test_hidden_kl_conventions_with_several_zeros(student):
    assert student.kl_for_json([0.0, 0.5, 0.0, 0.5], [0.25, 0.25, 0.25, 0.25]) == pytest.approx(math.log(2.0), abs=1e-12)
    assert student.kl_for_json([0.0, 1.0], [1.0, 0.0]) == "inf"
    assert student.kl_for_json([0.0, 1.0], [0.0, 1.0]) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.points(2)
def test_hidden_objective_on_many_values(student):
    for r, k, b in ((0.3, 0.0, 5.0), (1.2, 4.605, 0.1), (-0.5, 0.25, 2.0), (1.0, 1.0, -0.5)):
        assert student.objective(r, k, b) == pytest.approx(r - b * k, abs=1e-12)


@pytest.mark.points(4)
def test_hidden_choose_agrees_with_the_kit_on_the_six_candidates(student):
    rows = kl_choice.candidate_rows(kit.CANDIDATES)
    for beta in (-1.0, -0.1, 0.0, 0.01, 0.05, 0.06, 0.07, 0.1, 0.3, 0.43, 0.44, 1.0, 10.0):
        assert student.choose(rows, beta) == kl_choice.choose(rows, beta), beta


@pytest.mark.points(4)
def test_hidden_optimal_policy_matches_the_kit(student):
    ref = [c.ref_prob for c in kit.CANDIDATES]
    rewards = [c.reward for c in kit.CANDIDATES]
    for beta in (0.001, 0.02, 0.1, 0.5, 3.0, 100.0):
        expected = np.exp(kit.optimal_log_policy(np.array(ref), np.array(rewards), beta)).tolist()
        assert student.optimal_policy(ref, rewards, beta) == pytest.approx(expected, abs=1e-12)


@pytest.mark.points(2)
def test_hidden_optimal_policy_with_equal_rewards_is_the_reference(student):
    assert student.optimal_policy([0.7, 0.2, 0.1], [0.4, 0.4, 0.4], 0.05) == pytest.approx([0.7, 0.2, 0.1], abs=1e-12)
