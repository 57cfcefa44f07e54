"""a2_scorer.repair — YOUR regression tests for my_scorer.py (student-owned).

The lock stage runs this file against the reference scorer, where every test must pass, and
against several plausible wrong versions of my_scorer.py — scorers with one strict rule
relaxed, or one correct form refused (one of them is in exercises/a2_scorer/chaffs/) — where
at least one test must fail. You earn the lock points for the fraction of wrong versions your
tests catch, and none if a test fails on a correct scorer.

Write at least 6 tests: 2 that a correct completion is paid, 4 that an exploit or an edge
case is refused with its outcome code.

Run:  python -m pytest exercises/a2_scorer/tests/test_regression.py -q
Reach your code only through the ``student`` fixture, with JSON values.
"""

from __future__ import annotations

EXAMPLE = {"id": "dev-0002", "prompt": "How many dollars does Omar spend in total?", "expected_answer": 44}


def test_the_canonical_form_is_paid(student):
    assert student.score(EXAMPLE, "Final: 44")["reward"] == 1.0


# TODO(a2_scorer.repair): add one test per way a scorer can pay for the wrong thing (start with
#   the public chaff and the rule you relaxed yourself, then think about every rule in
#   STRICT_RULES), and one per correct form it must keep paying. Each test must pass on a
#   correct my_scorer.py — judged by the lock stage (README, Repair).
