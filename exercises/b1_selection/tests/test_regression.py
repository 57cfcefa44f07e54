"""b1_selection.repair — YOUR regression tests for selection.py (student-owned).

The lock stage runs this file against the reference solution, where every test must pass,
and against several plausible wrong versions of selection.py (one of them is in
exercises/b1_selection/chaffs/), where at least one test must fail. You earn the lock points
for the fraction of wrong versions your tests catch, and none if a test fails on a correct
solution.

Run:  python -m pytest exercises/b1_selection/tests/test_regression.py -q
Reach your code only through the ``student`` fixture, with JSON values (the grader calls
your functions in a separate process, so a key comes back as a list).
"""

from __future__ import annotations


def sample(index: int, completion: str = "Final: 4", sum_logprob: float = -1.0, reward: float = 0.0) -> dict:
    return {"index": index, "completion": completion, "sum_logprob": sum_logprob, "reward": reward}


def test_the_rewarded_sample_is_picked(student):
    samples = [sample(0, "Final: 4", reward=1.0), sample(1, "Final: 5", reward=0.0)]
    assert student.pick_best(samples) == 0


# TODO(b1_selection.repair): add a determinism test (same samples, many calls, one answer;
#   equal samples given in another order, same sample chosen) and one test per precedence
#   rule, each built so that getting that one rule wrong changes the pick. Each test must
#   pass on a correct selection.py — judged by the lock stage (README, Repair).
