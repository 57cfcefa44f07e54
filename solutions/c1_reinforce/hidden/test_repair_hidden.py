"""c1_reinforce.repair — hidden tests: each property a plausible mistake breaks, and the classroom run reproduced."""

from __future__ import annotations

import math

import pytest


def close(a: list[float], b: list[float], tol: float = 1e-9) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=0, abs_tol=tol) for x, y in zip(a, b))


@pytest.mark.points(2)
def test_repair_positive_advantage_moves_the_logits_up_the_gradient(student):
    theta = [0.2, -0.1, 0.4]
    new = student.reinforce_step(theta, 0, 0.75, 0.5)
    assert new[0] > theta[0] and new[1] < theta[1] and new[2] < theta[2], "advantage > 0 and lr > 0: the sampled logit rises, the others fall"


@pytest.mark.points(2)
def test_repair_negative_lr_reverses_the_step(student):
    theta = [0.2, -0.1, 0.4]
    up = student.reinforce_step(theta, 2, 1.0, 0.5)
    down = student.reinforce_step(theta, 2, 1.0, -0.5)
    assert close([u - t for u, t in zip(up, theta)], [t - d for d, t in zip(down, theta)]), "lr −0.5 is exactly the opposite step of lr 0.5"


@pytest.mark.points(2)
def test_repair_the_step_scales_linearly_with_lr(student):
    theta = [0.0, 0.5, -0.5]
    half = student.reinforce_step(theta, 1, 1.0, 0.5)
    full = student.reinforce_step(theta, 1, 1.0, 1.0)
    assert close([h - t for h, t in zip(half, theta)], [(f - t) / 2 for f, t in zip(full, theta)]), "the learning rate multiplies the step once"


@pytest.mark.points(2)
def test_repair_every_logit_moves_by_minus_pi(student):
    theta = [1.0, 0.0, -1.0]
    z = [math.exp(t - 1.0) for t in theta]
    p = [v / sum(z) for v in z]
    new = student.reinforce_step(theta, 0, 1.0, 1.0)
    assert close([n - t for n, t in zip(new, theta)], [1 - p[0], -p[1], -p[2]]), "the unsampled logits move by −lr · A · π(b)"


@pytest.mark.points(2)
def test_repair_the_advantage_uses_earlier_rewards_only(student):
    out = student.train_step({"logits": [0.0, 0.0], "baseline": 0.0, "count": 0}, 0, 1.0, 0.5, True)
    assert out["advantage"] == pytest.approx(1.0), "at the first step no earlier reward exists: b = 0, so A = r"
    out = student.train_step({"logits": [0.0, 0.0], "baseline": 0.25, "count": 4}, 1, 1.0, 0.5, True)
    assert out["advantage"] == pytest.approx(0.75), "this step's reward enters the baseline only after the update"


@pytest.mark.points(2)
def test_repair_the_baseline_is_used_when_asked(student):
    out = student.train_step({"logits": [0.0, 0.0, 0.0], "baseline": 0.6, "count": 5}, 0, 0.0, 0.5, True)
    assert out["advantage"] == pytest.approx(-0.6), "with use_baseline the advantage is r − b"
    assert out["logits"][0] < 0.0, "a reward below the baseline lowers the sampled logit"


@pytest.mark.points(2)
def test_repair_softmax_of_a_confident_policy(student):
    p = student.softmax([750.0, 10.0, 0.0])
    assert close(p, [1.0, 0.0, 0.0]) and all(math.isfinite(x) for x in p), "no overflow: shift by the max logit"


@pytest.mark.points(2)
def test_repair_baseline_is_the_plain_mean_of_all_rewards(student):
    b = 0.0
    for n, r in enumerate([1.0, 1.0, 0.0, 0.0, 0.0, 0.0]):
        b = student.update_baseline(b, n, r)
    assert b == pytest.approx(1 / 3), "six rewards, two of them 1: the running mean is 1/3"


@pytest.mark.points(4)
def test_repair_reproduces_the_classroom_run_step_by_step(student):
    """The kit's own run (seed 0, lr 0.5, baseline, 30 steps), replayed through your functions."""
    import numpy as np

    from course_core.learning.bandit import BanditConfig, train
    from course_core.learning.policy import sample_action

    config = BanditConfig(lr=0.5, baseline=True, seed=0, steps=30)
    stream = np.random.default_rng(0).random((30, 2))  # the uniforms train() draws: arm, then reward
    s = {"logits": [0.0, 0.0, 0.0], "baseline": 0.0, "count": 0}
    for record, (u_action, u_reward) in zip(train(config), stream):
        probs = student.softmax(s["logits"])
        assert close(probs, list(record.probs_before)), f"step {record.step}: the policy differs from the kit's"
        action = int(sample_action(np.asarray(probs), u_action))
        reward = 1.0 if u_reward < config.arms[action] else 0.0
        assert (action, reward) == (record.action, record.reward)
        s = student.train_step(s, action, reward, config.lr, config.baseline)
        assert s["advantage"] == pytest.approx(record.advantage, abs=1e-9), f"step {record.step}: the advantage differs from the kit's"
    assert close(student.softmax(s["logits"]), list(record.probs_after)), "after 30 steps the policy differs from the kit's"
