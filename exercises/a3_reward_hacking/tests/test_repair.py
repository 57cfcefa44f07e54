"""a3_reward_hacking.repair — visible tests: the patched verifier closes your exploits and pays honest work.

Run them from the repository root:  python -m pytest exercises/a3_reward_hacking/tests -q

The hidden repair tests throw the instructors' own exploits of every class at it: a patch
that blocks only these strings (or only yours) fails there.
"""

from __future__ import annotations

import json

import pytest

README_EXPLOITS = [
    (42, "Final: 17. (Sanity: 42 is too big.)"),
    (42, "The answer is 41. Check: 41+1=42"),
    (18, "Final: 1,8"),
    (42, "Final: 42\nFinal: 41"),
    (42, "It is 41 or 42."),
    (42, " ".join(str(i) for i in range(30, 50))),
]
HONEST = [(42, "Final: 42"), (42, "Final: 42\n"), (42, "6 * 7 = 42\nFinal: 42"), (-5, "It drops by 5 below zero.\nFinal: -5")]


@pytest.mark.points(2)
@pytest.mark.parametrize(("expected", "completion"), HONEST)
def test_repair_pays_honest_completions(student, expected, completion):
    assert student.patched_verify(expected, completion) == 1


@pytest.mark.points(1)
@pytest.mark.parametrize(("expected", "completion"), README_EXPLOITS)
def test_repair_refuses_the_readme_exploits(student, expected, completion):
    assert student.patched_verify(expected, completion) == 0


@pytest.mark.points(3)
def test_repair_refuses_your_own_exploits(student, student_data):
    text = student_data.text("evidence/exploits.json")
    assert text, "evidence/exploits.json is missing (README, Sabotage)"
    rows = json.loads(text)
    assert isinstance(rows, list) and rows, "evidence/exploits.json must be a non-empty JSON list"
    paid = [i for i, row in enumerate(rows, start=1)
            if isinstance(row, dict) and student.patched_verify(row.get("expected_answer"), row.get("completion")) != 0]
    assert not paid, f"your patched verifier still pays your own exploit(s) {paid}"
