"""c2_credit_tokens.build — visible tests for credit.py.

Run them from the repository root:  python -m pytest exercises/c2_credit_tokens/tests -q
Every call goes through the ``student`` fixture with JSON values only (lists, dicts, numbers).
Actions are indices: step 1 left = 0, right = 1; step 2 up = 0, down = 1.
"""

from __future__ import annotations

import math

import pytest

ZERO = {"step1": [0.0, 0.0], "step2": [[0.0, 0.0], [0.0, 0.0]]}
PAYS_RIGHT_UP = [[0.0, 0.0], [1.0, 0.0]]  # rewards[a1][a2]: only right → up pays


# --- Task 1: softmax and ∇ log softmax --------------------------------------------------------


@pytest.mark.points(2)
def test_softmax_of_equal_logits_is_uniform(student):
    assert student.softmax([0.0, 0.0]) == [0.5, 0.5]


@pytest.mark.points(3)
def test_softmax_matches_the_formula(student):
    theta = [0.3, -1.1, 2.0]
    z = [math.exp(t) for t in theta]
    assert student.softmax(theta) == pytest.approx([v / sum(z) for v in z], abs=1e-12)


@pytest.mark.points(2)
def test_softmax_survives_large_logits(student):
    assert student.softmax([1000.0, 1000.0]) == pytest.approx([0.5, 0.5])


@pytest.mark.points(3)
def test_grad_matches_finite_differences(student):
    theta, eps = [0.3, -1.1], 1e-6
    for a in (0, 1):
        numeric = []
        for i in range(2):
            up, down = list(theta), list(theta)
            up[i] += eps
            down[i] -= eps
            numeric.append((math.log(student.softmax(up)[a]) - math.log(student.softmax(down)[a])) / (2 * eps))
        assert student.grad_log_softmax(theta, a) == pytest.approx(numeric, abs=1e-7)


@pytest.mark.points(2)
def test_grad_at_uniform_logits(student):
    assert student.grad_log_softmax([0.0, 0.0], 1) == [-0.5, 0.5]


# --- Task 2: expected reward -------------------------------------------------------------------


@pytest.mark.points(2)
def test_expected_reward_of_the_uniform_policy_is_a_quarter(student):
    assert student.expected_reward(ZERO, PAYS_RIGHT_UP) == pytest.approx(0.25)


@pytest.mark.points(3)
def test_expected_reward_uses_the_branch_step1_took(student):
    logits = {"step1": [0.0, math.log(3.0)], "step2": [[5.0, 0.0], [0.0, math.log(4.0)]]}
    # π1(right) = 3/4; after right π2(up) = 1/5; the left branch's logits must not matter
    assert student.expected_reward(logits, PAYS_RIGHT_UP) == pytest.approx(0.75 * 0.2, abs=1e-12)


# --- Task 3: the update -------------------------------------------------------------------------


@pytest.mark.points(4)
def test_update_matches_a_hand_computation(student):
    # R − b = 1 − 0.25 = 0.75; ∇log π at uniform logits = onehot − 0.5; lr · 0.75 · 0.5 = 0.1875
    new = student.reinforce_update(ZERO, 1, 0, 1.0, 0.25, 0.5)
    assert new["step1"] == pytest.approx([-0.1875, 0.1875], abs=1e-12)
    assert new["step2"][1] == pytest.approx([0.1875, -0.1875], abs=1e-12)
    assert new["step2"][0] == [0.0, 0.0]


@pytest.mark.points(3)
def test_update_moves_both_steps_toward_a_rewarded_path(student):
    new = student.reinforce_update(ZERO, 1, 0, 1.0, 0.0, 0.5)
    assert student.softmax(new["step1"])[1] > 0.5
    assert student.softmax(new["step2"][1])[0] > 0.5


@pytest.mark.points(3)
def test_update_negative_advantage_pushes_the_chosen_actions_down(student):
    new = student.reinforce_update(ZERO, 0, 1, 0.0, 0.5, 0.5)
    assert student.softmax(new["step1"])[0] < 0.5
    assert student.softmax(new["step2"][0])[1] < 0.5
    assert new["step2"][1] == [0.0, 0.0]


@pytest.mark.points(3)
def test_update_without_step1_credit_keeps_step1(student):
    new = student.reinforce_update(ZERO, 1, 0, 1.0, 0.0, 0.5, update_step1=False)
    assert new["step1"] == [0.0, 0.0]
    assert new["step2"][1][0] > 0.0
