"""c2_credit_tokens.repair — YOUR regression tests for credit.py (student-owned).

The lock stage runs this file against the reference solution, where every test must pass,
and against several plausible wrong versions of credit.py (one of them is in
exercises/c2_credit_tokens/chaffs/), where at least one test must fail. You earn the lock
points for the fraction of wrong versions your tests catch, and none if a test fails on a
correct solution.

Run:  python -m pytest exercises/c2_credit_tokens/tests/test_regression.py -q
Reach your code only through the ``student`` fixture, with JSON values (lists, not tuples).
"""

from __future__ import annotations

ZERO = {"step1": [0.0, 0.0], "step2": [[0.0, 0.0], [0.0, 0.0]]}


def test_uniform_logits_give_a_uniform_policy(student):
    assert student.softmax([0.0, 0.0]) == [0.5, 0.5]


# TODO(c2_credit_tokens.repair): one test per way the terminal reward can fail to reach the
#   right logit — step 1 updated at the wrong action, step 1 never updated (or updated when
#   update_step1 is False), a different advantage for each step, the wrong branch of step 2
#   moving, the gradient without its −π. Build each so that exactly that mistake changes the
#   answer. Each test must pass on a correct credit.py — judged by the lock stage (README, Repair).
