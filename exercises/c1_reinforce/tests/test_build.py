"""c1_reinforce.build — visible tests for reinforce.py.

Run them from the repository root:  python -m pytest exercises/c1_reinforce/tests -q
Every call goes through the ``student`` fixture with JSON values only (lists, floats, a dict).
"""

from __future__ import annotations

import math

import pytest


def close(a: list[float], b: list[float], tol: float = 1e-9) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=0, abs_tol=tol) for x, y in zip(a, b))


def state(logits: list[float], baseline: float = 0.0, count: int = 0) -> dict:
    return {"logits": logits, "baseline": baseline, "count": count}


# --- Task 1: softmax ---------------------------------------------------------------------------


@pytest.mark.points(2)
def test_softmax_of_equal_logits_is_uniform(student):
    assert close(student.softmax([0.0, 0.0, 0.0]), [1 / 3, 1 / 3, 1 / 3])


@pytest.mark.points(3)
def test_softmax_matches_the_formula(student):
    z = [math.exp(1.0), math.exp(2.0), math.exp(-1.0)]
    assert close(student.softmax([1.0, 2.0, -1.0]), [v / sum(z) for v in z])


@pytest.mark.points(3)
def test_softmax_survives_large_logits(student):
    assert close(student.softmax([1000.0, 0.0]), [1.0, 0.0])


# --- Task 2: grad_log_prob ---------------------------------------------------------------------


@pytest.mark.points(3)
def test_grad_is_onehot_minus_probs(student):
    assert close(student.grad_log_prob([0.2, 0.5, 0.3], 1), [-0.2, 0.5, -0.3])


@pytest.mark.points(2)
def test_grad_entries_sum_to_zero(student):
    assert abs(sum(student.grad_log_prob([0.1, 0.6, 0.3], 0))) < 1e-12


# --- Task 3: reinforce_step --------------------------------------------------------------------


@pytest.mark.points(3)
def test_step_from_uniform_is_the_stated_formula(student):
    # θ = 0, π = 1/3 each, a = 2, advantage 1, lr = 0.5:  θ + 0.5 · (onehot(2) − 1/3)
    assert close(student.reinforce_step([0.0, 0.0, 0.0], 2, 1.0, 0.5), [-1 / 6, -1 / 6, 1 / 3])


@pytest.mark.points(3)
def test_step_positive_advantage_raises_the_sampled_probability(student):
    before = student.softmax([0.3, -0.2, 0.1])
    after = student.softmax(student.reinforce_step([0.3, -0.2, 0.1], 1, 0.6, 0.5))
    assert after[1] > before[1]


@pytest.mark.points(3)
def test_step_negative_advantage_lowers_the_sampled_probability(student):
    before = student.softmax([0.3, -0.2, 0.1])
    after = student.softmax(student.reinforce_step([0.3, -0.2, 0.1], 1, -0.4, 0.5))
    assert after[1] < before[1]


# --- Task 4: update_baseline -------------------------------------------------------------------


@pytest.mark.points(2)
def test_baseline_first_reward_is_the_mean(student):
    assert student.update_baseline(0.0, 0, 1.0) == pytest.approx(1.0)


@pytest.mark.points(3)
def test_baseline_is_the_running_mean(student):
    b, rewards = 0.0, [1.0, 0.0, 0.0, 1.0, 1.0]
    for n, r in enumerate(rewards):
        b = student.update_baseline(b, n, r)
    assert b == pytest.approx(sum(rewards) / len(rewards))


# --- Task 5: train_step ------------------------------------------------------------------------


@pytest.mark.points(3)
def test_train_step_returns_the_new_state_and_the_advantage(student):
    out = student.train_step(state([0.0, 0.0, 0.0], 0.5, 2), 2, 1.0, 0.5, True)
    assert sorted(out) == ["advantage", "baseline", "count", "logits"]
    assert out["advantage"] == pytest.approx(0.5)
    assert out["count"] == 3 and out["baseline"] == pytest.approx(2 / 3)
    assert close(out["logits"], [-1 / 12, -1 / 12, 1 / 6])


@pytest.mark.points(3)
def test_train_step_without_baseline_uses_the_raw_reward(student):
    out = student.train_step(state([0.0, 0.0], 0.5, 2), 0, 1.0, 1.0, False)
    assert out["advantage"] == pytest.approx(1.0)
    assert close(out["logits"], [0.5, -0.5])
    assert out["baseline"] == pytest.approx(2 / 3)  # the running mean is kept either way
