"""c2_credit_tokens.repair — hidden tests: the terminal reward reaches both decisions, each at its own logit."""

from __future__ import annotations

import numpy as np
import pytest

from course_core.learning import policy
from course_core.learning import two_step as kit

ZERO = {"step1": [0.0, 0.0], "step2": [[0.0, 0.0], [0.0, 0.0]]}
PAYS_RIGHT_UP = [[0.0, 0.0], [1.0, 0.0]]


def train(student, episodes: int, update_step1: bool = True, seed: int = 0) -> dict:
    """The kit's episode loop (sampling, reward, running-mean baseline) with the student's update."""
    rng = np.random.default_rng(seed)
    logits, total = ZERO, 0.0
    for episode in range(1, episodes + 1):
        a1 = int(policy.sample_action(policy.softmax(np.array(logits["step1"])), rng.random()))
        a2 = int(policy.sample_action(policy.softmax(np.array(logits["step2"][a1])), rng.random()))
        r = kit.reward(a1, a2)
        b = policy.running_mean(total, episode - 1)
        logits = student.reinforce_update(logits, a1, a2, r, b, 0.5, update_step1=update_step1)
        total += r
    return logits


@pytest.mark.points(4)
def test_repair_step1_learns_from_the_terminal_reward(student):
    """200 episodes with both steps credited: the first decision learns to go right."""
    logits = train(student, 200)
    assert student.softmax(logits["step1"])[1] > 0.9, "with credit, P(step 1 = right) ends above 0.9"
    assert student.expected_reward(logits, PAYS_RIGHT_UP) > 0.9, "with credit, E[R] ends above 0.9"


@pytest.mark.points(2)
def test_repair_frozen_step1_stays_exactly_uniform(student):
    """update_step1=False: step 1 never moves, step 2 still learns."""
    logits = train(student, 100, update_step1=False, seed=3)
    assert logits["step1"] == [0.0, 0.0], "update_step1=False leaves step 1's logits exactly as they were"
    assert student.softmax(logits["step2"][1])[0] > 0.8, "step 2 still learns after right"


@pytest.mark.points(2)
def test_repair_step1_gradient_is_taken_at_step1s_action(student):
    """Step 1 is credited for the action step 1 took, not the one step 2 took."""
    new = student.reinforce_update(ZERO, 1, 0, 1.0, 0.0, 1.0)
    assert new["step1"][1] > new["step1"][0], "a rewarded 'right' at step 1 raises θ_right"


@pytest.mark.points(2)
def test_repair_both_steps_share_one_advantage(student):
    """One episode, one advantage R − b for every step."""
    new = student.reinforce_update(ZERO, 0, 0, 1.0, 0.6, 1.0)
    moved1 = new["step1"][0] - ZERO["step1"][0]
    moved2 = new["step2"][0][0] - ZERO["step2"][0][0]
    assert moved1 == pytest.approx(0.2, abs=1e-12) and moved2 == pytest.approx(0.2, abs=1e-12), "each step moves by lr·(R − b)·(1 − π)"


@pytest.mark.points(2)
def test_repair_only_the_branch_taken_learns(student):
    """Step 2's policy is conditioned on step 1: the branch not visited keeps its logits."""
    logits = {"step1": [0.1, 0.2], "step2": [[0.3, -0.4], [0.5, 0.6]]}
    new = student.reinforce_update(logits, 0, 1, 1.0, 0.3, 0.5)
    assert new["step2"][1] == [0.5, 0.6], "after left, the right branch's logits do not change"


@pytest.mark.points(2)
def test_repair_the_gradient_subtracts_pi(student):
    """∇ log π(a) = onehot(a) − π sums to zero: the other action's logit goes down."""
    g = student.grad_log_softmax([0.2, -0.7, 1.1], 2)
    assert sum(g) == pytest.approx(0.0, abs=1e-12) and g[0] < 0 and g[1] < 0, "the actions not taken get −π"
