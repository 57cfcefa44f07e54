"""c1_reinforce.repair — YOUR regression tests for reinforce.py (student-owned).

The lock stage runs this file against the reference solution, where every test must pass,
and against several plausible wrong versions of reinforce.py (one of them is in
exercises/c1_reinforce/chaffs/), where at least one test must fail. You earn the lock points
for the fraction of wrong versions your tests catch, and none if a test fails on a correct
solution.

Run:  python -m pytest exercises/c1_reinforce/tests/test_regression.py -q
Reach your code only through the ``student`` fixture, with JSON values (lists, floats, dicts).
"""

from __future__ import annotations

import pytest


def test_uniform_policy_from_zero_logits(student):
    assert student.softmax([0.0, 0.0]) == pytest.approx([0.5, 0.5])


# TODO(c1_reinforce.repair): one test per property a wrong version could break, each built
#   so that breaking that one property fails it: the direction of the step for a positive
#   advantage, how every logit moves (not only the sampled one), that the learning rate
#   multiplies the step exactly once, that the advantage uses the rewards *before* this step,
#   that use_baseline=True subtracts the baseline, the running mean after three or more
#   rewards, and a softmax that survives logits of 1000. Each test must pass on a correct
#   reinforce.py — judged by the lock stage (README, Repair).
