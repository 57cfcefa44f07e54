"""a3_reward_hacking.repair — YOUR regression tests for verifiers.py (student-owned).

The lock stage runs this file against the reference verifiers, where every test must pass,
and against several plausible wrong versions of verifiers.py (one of them is in
exercises/a3_reward_hacking/chaffs/), where at least one test must fail. You earn the lock
points for the fraction of wrong versions your tests catch, and none if a test fails on a
correct version.

Run:  python -m pytest exercises/a3_reward_hacking/tests/test_regression.py -q
Reach your code only through the ``student`` fixture, with JSON values.
"""

from __future__ import annotations


def test_an_honest_final_line_is_paid(student):
    assert student.patched_verify(42, "Final: 42") == 1


# TODO(a3_reward_hacking.repair): one test per exploit CLASS (in a new form of your own, not
#   the README's string), one per honest form the patch must keep paying, and tests that lock
#   the naive verifier's Build behaviour. Each test must pass on a correct verifiers.py —
#   judged by the lock stage (README, Repair).
