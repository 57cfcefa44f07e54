"""c3_kl_constraint.repair — hidden tests: β prices distance; β = 0 and β < 0 go to the extreme."""

from __future__ import annotations

import math

import pytest

CANDIDATES = [
    {"id": "near", "reward": 0.7, "kl": 0.9},
    {"id": "hack", "reward": 1.2, "kl": 4.6},
    {"id": "middle", "reward": 1.0, "kl": 1.6},
]


@pytest.mark.points(2)
def test_repair_beta_zero_takes_the_highest_reward(student):
    """β = 0: the distance is free, the highest reward wins however far it is."""
    assert student.choose(CANDIDATES, 0.0) == 1, "at β = 0 the choice is the highest reward"


@pytest.mark.points(2)
def test_repair_negative_beta_pays_for_distance(student):
    """β < 0 rewards distance: the farthest candidate wins even against a higher reward."""
    far = [{"id": "close_best", "reward": 1.0, "kl": 0.1}, {"id": "far_worse", "reward": 0.5, "kl": 3.0}]
    assert student.choose(far, -0.5) == 1, "a negative β makes distance a bonus"


@pytest.mark.points(2)
def test_repair_larger_beta_never_moves_the_choice_further_away(student):
    """As β grows, the chosen candidate's KL never increases."""
    kls = [CANDIDATES[student.choose(CANDIDATES, b)]["kl"] for b in (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 5.0)]
    assert all(a >= b for a, b in zip(kls, kls[1:])), "the chosen KL shrinks as β grows"


@pytest.mark.points(2)
def test_repair_kl_is_measured_in_nats(student):
    """KL uses the natural log."""
    assert student.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2.0), abs=1e-12), "KL([1,0] ‖ [½,½]) = ln 2"


@pytest.mark.points(2)
def test_repair_kl_direction_is_p_against_q(student):
    """KL(p ‖ q) weighs log-ratios by p, not by q."""
    p, q = [0.99, 0.01], [0.5, 0.5]
    assert student.kl_divergence(p, q) == pytest.approx(0.99 * math.log(1.98) + 0.01 * math.log(0.02), abs=1e-12), "weights are p(a)"


@pytest.mark.points(2)
def test_repair_zero_probability_is_zero_not_nan(student):
    """0 · ln 0 is 0 (never NaN, never an error)."""
    assert student.kl_for_json([0.0, 0.25, 0.75], [0.2, 0.4, 0.4]) == pytest.approx(0.25 * math.log(0.625) + 0.75 * math.log(1.875), abs=1e-12)


@pytest.mark.points(2)
def test_repair_beta_multiplies_the_kl(student):
    """J = r − β·KL: β scales the price of distance, not the reward."""
    assert student.objective(2.0, 1.0, 0.5) == pytest.approx(1.5), "r − β·KL with r = 2, KL = 1, β = 0.5"


@pytest.mark.points(2)
def test_repair_optimum_at_small_beta_is_finite(student):
    """π* at β = 0.001 with rewards of order 1: computed in log space, no overflow."""
    p = student.optimal_policy([0.2, 0.4, 0.2, 0.09, 0.1, 0.01], [1.0, 0.7, 0.0, 0.3, 0.0, 1.2], 0.001)
    assert p == pytest.approx([0, 0, 0, 0, 0, 1.0], abs=1e-12), "all mass on the highest reward"
