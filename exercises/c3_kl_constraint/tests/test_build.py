"""c3_kl_constraint.build — visible tests for kl.py.

Run them from the repository root:  python -m pytest exercises/c3_kl_constraint/tests -q
Every call goes through the ``student`` fixture with JSON values only. An infinite KL is read
through the provided ``kl_for_json`` (JSON has no infinity: it comes back as "inf").
"""

from __future__ import annotations

import itertools
import math

import pytest

# --- Task 1: KL(p ‖ q) ---------------------------------------------------------------------------


@pytest.mark.points(2)
def test_kl_of_a_distribution_with_itself_is_zero(student):
    assert student.kl_divergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.points(3)
def test_kl_matches_the_formula_in_nats(student):
    p, q = [0.9, 0.1], [0.5, 0.5]
    assert student.kl_divergence(p, q) == pytest.approx(0.9 * math.log(1.8) + 0.1 * math.log(0.2), abs=1e-12)


@pytest.mark.points(3)
def test_kl_is_not_symmetric(student):
    p, q = [0.9, 0.1], [0.5, 0.5]
    assert student.kl_divergence(q, p) == pytest.approx(0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(5.0), abs=1e-12)
    assert student.kl_divergence(p, q) != pytest.approx(student.kl_divergence(q, p))


@pytest.mark.points(3)
def test_kl_zero_probability_in_p_contributes_nothing(student):
    assert student.kl_for_json([0.0, 1.0], [0.5, 0.5]) == pytest.approx(math.log(2.0), abs=1e-12)


@pytest.mark.points(3)
def test_kl_positive_p_where_q_is_zero_is_infinite(student):
    assert student.kl_for_json([0.5, 0.5], [1.0, 0.0]) == "inf"


# --- Task 2: the objective and the choice ---------------------------------------------------------


@pytest.mark.points(2)
def test_objective_subtracts_beta_times_kl(student):
    assert student.objective(1.0, 2.0, 0.25) == pytest.approx(0.5)


@pytest.mark.points(2)
def test_objective_at_beta_zero_is_the_reward(student):
    assert student.objective(0.7, 3.0, 0.0) == pytest.approx(0.7)


CANDIDATES = [
    {"id": "near", "reward": 0.7, "kl": 0.5},
    {"id": "middle", "reward": 1.0, "kl": 1.5},
    {"id": "far", "reward": 1.2, "kl": 4.5},
]


@pytest.mark.points(3)
def test_choose_trades_reward_against_distance(student):
    assert student.choose(CANDIDATES, 0.05) == 2  # 1.2 − 0.225 beats 1.0 − 0.075
    assert student.choose(CANDIDATES, 0.1) == 1  # 1.0 − 0.15 beats 1.2 − 0.45 and 0.7 − 0.05
    assert student.choose(CANDIDATES, 1.0) == 0


@pytest.mark.points(2)
def test_choose_the_first_on_a_tie(student):
    tied = [{"id": "a", "reward": 1.0, "kl": 1.0}, {"id": "b", "reward": 1.0, "kl": 1.0}]
    assert student.choose(tied, 0.3) == 0


# --- Task 3: the closed-form optimum --------------------------------------------------------------


@pytest.mark.points(3)
def test_optimal_policy_at_large_beta_is_the_reference(student):
    assert student.optimal_policy([0.5, 0.3, 0.2], [0.0, 1.0, 0.4], 1e6) == pytest.approx([0.5, 0.3, 0.2], abs=1e-5)


@pytest.mark.points(3)
def test_optimal_policy_at_small_beta_does_not_overflow(student):
    p = student.optimal_policy([0.5, 0.3, 0.2], [0.0, 1.0, 0.4], 1e-3)
    assert all(math.isfinite(v) for v in p) and p == pytest.approx([0.0, 1.0, 0.0], abs=1e-12)


@pytest.mark.points(5)
def test_optimal_policy_beats_brute_force(student):
    """No distribution on a grid over the 3-simplex scores higher on E[r] − β·KL than π*."""
    ref, rewards, beta = [0.5, 0.3, 0.2], [0.0, 1.0, 0.4], 0.3

    def score(pi):  # computed here, independently of the student's kl_divergence
        return sum(p * r for p, r in zip(pi, rewards)) - beta * sum(p * math.log(p / q) for p, q in zip(pi, ref) if p > 0)

    best = score(student.optimal_policy(ref, rewards, beta))
    grid = [i / 100 for i in range(101)]
    found = max(score([a, b, 1 - a - b]) for a, b in itertools.product(grid, grid) if a + b <= 1)
    assert found <= best + 1e-12
    assert found == pytest.approx(best, abs=2e-3)
