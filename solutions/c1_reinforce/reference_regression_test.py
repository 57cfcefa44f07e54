"""c1_reinforce — an exemplary tests/test_regression.py (instructor-only).

One test per property a plausible mistake breaks: the direction of the step, the −π on the
unsampled logits, the learning rate applied once, the order of advantage and baseline update,
the baseline used when asked, the running mean, and the max-shift. The kit's meta-tests check
that it passes on the reference solution and fails on every chaff (public and hidden).
"""

from __future__ import annotations

import math

import pytest


def deltas(student, theta: list[float], action: int, advantage: float, lr: float) -> list[float]:
    return [n - t for n, t in zip(student.reinforce_step(theta, action, advantage, lr), theta)]


def test_positive_advantage_raises_the_sampled_logit(student):
    assert deltas(student, [0.0, 0.0, 0.0], 1, 1.0, 0.5)[1] > 0


def test_unsampled_logits_move_by_minus_lr_advantage_pi(student):
    assert deltas(student, [0.0, 0.0, 0.0], 1, 1.0, 0.5) == pytest.approx([-1 / 6, 1 / 3, -1 / 6])


def test_learning_rate_multiplies_the_step_once(student):
    assert deltas(student, [0.0, 0.0], 0, 1.0, 0.5) == pytest.approx([0.25, -0.25])
    assert deltas(student, [0.0, 0.0], 0, 1.0, -0.5) == pytest.approx([-0.25, 0.25])


def test_first_step_advantage_is_the_reward(student):
    out = student.train_step({"logits": [0.0, 0.0], "baseline": 0.0, "count": 0}, 0, 1.0, 0.5, True)
    assert out["advantage"] == pytest.approx(1.0)


def test_baseline_is_subtracted_when_asked(student):
    out = student.train_step({"logits": [0.0, 0.0], "baseline": 0.75, "count": 4}, 0, 1.0, 0.5, True)
    assert out["advantage"] == pytest.approx(0.25)
    assert out["baseline"] == pytest.approx(0.8) and out["count"] == 5


def test_running_mean_of_four_rewards(student):
    b = 0.0
    for n, r in enumerate([1.0, 1.0, 1.0, 0.0]):
        b = student.update_baseline(b, n, r)
    assert b == pytest.approx(0.75)


def test_softmax_of_large_logits_does_not_overflow(student):
    p = student.softmax([1000.0, 0.0])
    assert p == pytest.approx([1.0, 0.0]) and all(math.isfinite(x) for x in p)
