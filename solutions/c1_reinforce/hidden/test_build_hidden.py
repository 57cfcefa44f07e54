"""c1_reinforce.build — hidden tests: the same five functions, probed away from the easy cases."""

from __future__ import annotations

import math

import pytest


def close(a: list[float], b: list[float], tol: float = 1e-9) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=0, abs_tol=tol) for x, y in zip(a, b))


def softmax_ref(logits: list[float]) -> list[float]:
    top = max(logits)
    z = [math.exp(x - top) for x in logits]
    return [v / sum(z) for v in z]


@pytest.mark.points(2)
def test_softmax_five_arms_sum_to_one(student):
    p = student.softmax([0.5, -1.25, 3.0, 0.0, -0.75])
    assert close(p, softmax_ref([0.5, -1.25, 3.0, 0.0, -0.75])) and abs(sum(p) - 1) < 1e-12


@pytest.mark.points(2)
def test_softmax_ignores_a_common_shift(student):
    assert close(student.softmax([1.0, 2.0, 3.0]), student.softmax([101.0, 102.0, 103.0]), 1e-12)


@pytest.mark.points(2)
def test_softmax_large_and_very_negative_logits(student):
    assert close(student.softmax([800.0, 799.0, -900.0]), [1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1)), 0.0])


@pytest.mark.points(2)
def test_grad_on_a_skewed_policy(student):
    assert close(student.grad_log_prob([0.7, 0.05, 0.25], 2), [-0.7, -0.05, 0.75])


@pytest.mark.points(2)
def test_grad_matches_finite_differences_of_log_softmax(student):
    theta, a, h = [0.4, -0.3, 1.1, 0.0], 3, 1e-6
    numeric = []
    for i in range(len(theta)):
        up = [t + (h if j == i else 0.0) for j, t in enumerate(theta)]
        down = [t - (h if j == i else 0.0) for j, t in enumerate(theta)]
        numeric.append((math.log(softmax_ref(up)[a]) - math.log(softmax_ref(down)[a])) / (2 * h))
    assert close(student.grad_log_prob(softmax_ref(theta), a), numeric, 1e-6)


@pytest.mark.points(2)
def test_step_away_from_uniform_is_the_formula(student):
    theta, a, advantage, lr = [0.8, -0.4, 0.1], 0, 0.65, 0.3
    p = softmax_ref(theta)
    expected = [t + lr * advantage * ((1.0 if i == a else 0.0) - p[i]) for i, t in enumerate(theta)]
    assert close(student.reinforce_step(theta, a, advantage, lr), expected)


@pytest.mark.points(2)
def test_step_with_zero_advantage_or_zero_lr_changes_nothing(student):
    theta = [0.8, -0.4, 0.1]
    assert close(student.reinforce_step(theta, 1, 0.0, 0.5), theta)
    assert close(student.reinforce_step(theta, 1, 1.0, 0.0), theta)


@pytest.mark.points(2)
def test_baseline_mean_of_many_rewards(student):
    rewards = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.25]
    b = 0.0
    for n, r in enumerate(rewards):
        b = student.update_baseline(b, n, r)
    assert b == pytest.approx(sum(rewards) / len(rewards), abs=1e-12)


@pytest.mark.points(2)
def test_train_step_first_step_from_the_empty_state(student):
    out = student.train_step({"logits": [0.0, 0.0, 0.0], "baseline": 0.0, "count": 0}, 1, 1.0, 0.5, True)
    assert out["advantage"] == pytest.approx(1.0) and out["count"] == 1 and out["baseline"] == pytest.approx(1.0)
    assert close(out["logits"], [-1 / 6, 1 / 3, -1 / 6])


@pytest.mark.points(2)
def test_train_step_three_steps_chain(student):
    s = {"logits": [0.0, 0.0], "baseline": 0.0, "count": 0}
    advantages = []
    for action, reward in ((0, 1.0), (1, 0.0), (0, 1.0)):
        s = student.train_step(s, action, reward, 0.5, True)
        advantages.append(s["advantage"])
    assert advantages == pytest.approx([1.0, -1.0, 0.5])
    assert s["count"] == 3 and s["baseline"] == pytest.approx(2 / 3)
