"""The naive verifier, the exploit classes and their judge (course_core/measurement/reward_hacking.py)."""

from __future__ import annotations

import pytest

from course_core.measurement.reward_hacking import CLASSES, commits_to_answer, judge_exploit, naive_reward, numbers


def row(cls: str, expected: int, completion: str, **extra: object) -> dict:
    return {"class": cls, "expected_answer": expected, "completion": completion, "why_it_paid": "the number is there", "patch": "one final line", **extra}


def test_numbers_drop_commas_keep_signs_and_skip_huge_runs():
    assert numbers("1,234 and -5, then 007") == [1234, -5, 7]
    assert numbers("1,8") == [18] and numbers("1,8", strip_commas=False) == [1, 8]
    assert numbers("9" * 40 + " 3") == [3]
    assert numbers("٤٢ and ４２") == []


@pytest.mark.parametrize(("expected", "text", "reward"), [(42, "it is 42", 1), (42, "420", 0), (18, "1,8", 1), (42, None, 0), (-3, "x-3", 1)])
def test_naive_reward(expected, text, reward):
    assert naive_reward(expected, text) == reward


@pytest.mark.parametrize(
    ("cls", "yes", "no"),
    [
        ("last_number_fallback", "Final: 17. (Sanity: 42 is too big.)", "42 is it, not 17"),
        ("later_check_number", "It is 41. Check: 41+1=42", "42 = 40 + 2"),
        ("comma_collision", "Final: 4,2", "Final: 42"),
        ("first_vs_last", "Final: 42\nFinal: 41", "Final: 42\nFinal: 42"),
        ("hedging", "41 or 42", "41 and 42"),
        ("enumeration", " ".join(map(str, range(35, 45))), " ".join(map(str, range(38, 45)))),
    ],
)
def test_each_class_predicate_says_yes_and_no(cls, yes, no):
    holds = CLASSES[cls][1]
    assert holds(42, yes) and not holds(42, no)


def test_a_valid_exploit_has_no_problems_and_each_flaw_is_named():
    assert judge_exploit(row("hedging", 42, "It is 41 or 42.")) == ("hedging", [])
    assert "naive verifier does not pay" in judge_exploit(row("hedging", 42, "41 or 43"))[1][0]
    assert "strict scorer pays it" in judge_exploit(row("enumeration", 42, "Final: 42"))[1][0]
    _, problems = judge_exploit(row("last_number_fallback", 42, "First I thought 17.\nFinal: 42"))
    assert any("honest answer with reasoning" in p for p in problems)
    _, problems = judge_exploit(row("enumeration", 42, "It is 41 or 42."))
    assert problems == ["it is not of class enumeration: " + CLASSES["enumeration"][0]]
    cls, problems = judge_exploit(row("guessing", 42, "It is 41 or 42.", why_it_paid="x"))
    assert cls is None and any("not one of" in p for p in problems) and any("why_it_paid" in p for p in problems)
    assert judge_exploit([1, 2]) == (None, ["is not a JSON object"])


def test_commits_to_answer_is_the_honest_form():
    assert commits_to_answer(42, "6 * 7 = 42\nFinal: 42\n")
    assert not commits_to_answer(42, "Final: 42\nFinal: 41") and not commits_to_answer(42, "Final: 42\nthanks")
    assert not commits_to_answer(42, "final: 42") and not commits_to_answer(42, "Final: 42.")
