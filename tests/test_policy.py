"""The policy-gradient building blocks: softmax, the score function, the REINFORCE step, the baseline, sampling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_core.learning.policy import grad_log_prob, reinforce_step, running_mean, sample_action, softmax

logits_st = st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=6).map(np.array)


def _finite_difference(f, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = h
        grad[i] = (f(theta + e) - f(theta - e)) / (2 * h)
    return grad


def test_softmax_is_a_distribution_shift_invariant_and_never_overflows():
    theta = np.array([0.3, -1.1, 2.0])
    p = softmax(theta)
    assert p.sum() == pytest.approx(1.0) and np.all(p > 0)
    assert np.allclose(softmax(theta + 1000.0), p)  # exp(1000) alone would overflow
    batch = softmax(np.stack([theta, np.zeros(3)]))
    assert np.allclose(batch[0], p) and np.allclose(batch[1], 1 / 3)


@settings(max_examples=40, deadline=None)
@given(logits_st, st.data())
def test_score_function_matches_finite_difference(theta, data):
    a = data.draw(st.integers(0, len(theta) - 1))
    numeric = _finite_difference(lambda t: np.log(softmax(t)[a]), theta)
    assert np.allclose(grad_log_prob(softmax(theta), a), numeric, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(logits_st, st.data(), st.floats(-3, 3))
def test_expected_reinforce_step_is_the_gradient_of_expected_reward(theta, data, b):
    """Σ_a π(a) · Δθ(a) / lr = ∇_θ Σ_a π_θ(a) q(a), whatever the baseline b."""
    q = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(theta), max_size=len(theta))))
    pi, lr = softmax(theta), 0.7
    expected = sum(pi[a] * (reinforce_step(theta, a, q[a] - b, lr) - theta) for a in range(len(theta))) / lr
    numeric = _finite_difference(lambda t: softmax(t) @ q, theta)
    assert np.allclose(expected, numeric, atol=1e-6)


def test_update_is_the_stated_formula_and_batches():
    theta, a, adv, lr = np.array([0.1, -0.4, 0.3]), 2, -0.6, 0.5
    pi = softmax(theta)
    assert np.allclose(reinforce_step(theta, a, adv, lr), theta + lr * adv * (np.eye(3)[a] - pi))
    batch = np.stack([theta, -theta])
    out = reinforce_step(batch, np.array([2, 0]), np.array([adv, 1.0]), np.array([lr, 0.1]))
    assert np.allclose(out[0], reinforce_step(theta, 2, adv, lr))
    assert np.allclose(out[1], reinforce_step(-theta, 0, 1.0, 0.1))
    assert np.array_equal(theta, [0.1, -0.4, 0.3])  # inputs are not modified


def test_negative_lr_moves_the_same_logit_the_other_way():
    theta = np.zeros(3)
    up, down = reinforce_step(theta, 1, 1.0, 0.5) - theta, reinforce_step(theta, 1, 1.0, -0.5) - theta
    assert up[1] > 0 > down[1]
    assert np.allclose(up, -down)


def test_running_mean_baseline():
    assert running_mean(0.0, 0) == 0.0  # no reward seen yet: b = 0
    assert running_mean(3.0, 4) == 0.75
    assert np.array_equal(running_mean(np.array([2.0, 4.0]), 4), [0.5, 1.0])  # one baseline per policy of a batch


def test_sample_action_inverts_the_cdf():
    probs = np.array([0.2, 0.5, 0.3])
    assert [int(sample_action(probs, u)) for u in (0.0, 0.19, 0.2, 0.69, 0.7, 0.999999)] == [0, 0, 1, 1, 2, 2]
    assert int(sample_action(np.array([0.5, 0.5 - 1e-17]), 1 - 1e-17)) == 1  # never past the last arm
    u = np.random.default_rng(0).random(20_000)
    freq = np.bincount(sample_action(np.broadcast_to(probs, (len(u), 3)), u), minlength=3) / len(u)
    assert np.allclose(freq, probs, atol=0.015)
