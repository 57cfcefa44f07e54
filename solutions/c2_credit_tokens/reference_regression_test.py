"""c2_credit_tokens — an exemplary tests/test_regression.py (instructor-only).

One test per way the terminal reward can miss its logit, each built so that exactly that
mistake changes the answer. The kit's meta-tests check it passes on the reference solution
and fails on every chaff (public and hidden).
"""

from __future__ import annotations

import math

import pytest

ZERO = {"step1": [0.0, 0.0], "step2": [[0.0, 0.0], [0.0, 0.0]]}


def test_uniform_logits_give_a_uniform_policy(student):
    assert student.softmax([0.0, 0.0]) == [0.5, 0.5]


def test_step1_is_credited_at_its_own_action(student):
    new = student.reinforce_update(ZERO, 1, 0, 1.0, 0.0, 1.0)  # right, then up: indices differ
    assert new["step1"] == pytest.approx([-0.5, 0.5])


def test_step1_learns_when_credited_and_not_when_frozen(student):
    assert student.reinforce_update(ZERO, 1, 0, 1.0, 0.0, 1.0)["step1"] != [0.0, 0.0]
    assert student.reinforce_update(ZERO, 1, 0, 1.0, 0.0, 1.0, update_step1=False)["step1"] == [0.0, 0.0]


def test_both_steps_move_by_the_same_advantage(student):
    new = student.reinforce_update(ZERO, 0, 0, 1.0, 0.6, 1.0)  # R − b = 0.4, 1 − π = 0.5
    assert new["step1"][0] == pytest.approx(0.2) and new["step2"][0][0] == pytest.approx(0.2)


def test_the_branch_not_taken_keeps_its_logits(student):
    logits = {"step1": [0.0, 0.0], "step2": [[0.3, -0.4], [0.5, 0.6]]}
    assert student.reinforce_update(logits, 0, 1, 1.0, 0.3, 0.5)["step2"][1] == [0.5, 0.6]


def test_grad_log_softmax_sums_to_zero(student):
    g = student.grad_log_softmax([0.2, -0.7, 1.1], 2)
    assert sum(g) == pytest.approx(0.0, abs=1e-12) and g[0] < 0


def test_expected_reward_follows_the_branch(student):
    logits = {"step1": [0.0, 0.0], "step2": [[10.0, 0.0], [0.0, 0.0]]}
    assert student.expected_reward(logits, [[0.0, 0.0], [1.0, 0.0]]) == pytest.approx(0.25)
    logits = {"step1": [0.0, math.log(3.0)], "step2": [[0.0, 0.0], [math.log(4.0), 0.0]]}
    assert student.expected_reward(logits, [[0.0, 0.0], [1.0, 0.0]]) == pytest.approx(0.75 * 0.8)
