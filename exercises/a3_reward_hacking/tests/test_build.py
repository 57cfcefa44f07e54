"""a3_reward_hacking.build — visible tests: the naive verifier, right on honest completions.

Run them from the repository root:  python -m pytest exercises/a3_reward_hacking/tests -q
Every call goes through the ``student`` fixture with JSON values only.
"""

from __future__ import annotations

import pytest


# --- Task 1: numbers_in -----------------------------------------------------------------------


@pytest.mark.points(2)
def test_numbers_one_number(student):
    assert student.numbers_in("Final: 42") == [42]


@pytest.mark.points(3)
def test_numbers_commas_are_dropped_first(student):
    assert student.numbers_in("The total is 1,234 dollars (-5 for the coupon)") == [1234, -5]
    assert student.numbers_in("1,8") == [18]


@pytest.mark.points(3)
def test_numbers_leading_zeros_and_signs(student):
    assert student.numbers_in("007 and -0 and x-3") == [7, 0, -3]


@pytest.mark.points(2)
def test_numbers_none_in_words(student):
    assert student.numbers_in("forty-two, I think") == []


# --- Task 2: naive_verify ---------------------------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.parametrize(("expected", "completion"), [(42, "Final: 42"), (42, "The answer is 42."), (-7, "-7"), (1234, "Total: 1,234")])
def test_naive_pays_honest_completions(student, expected, completion):
    assert student.naive_verify(expected, completion) == 1


@pytest.mark.points(3)
@pytest.mark.parametrize(("expected", "completion"), [(42, "Final: 41"), (42, "420"), (42, ""), (7, "-7")])
def test_naive_refuses_wrong_answers(student, expected, completion):
    assert student.naive_verify(expected, completion) == 0


@pytest.mark.points(2)
def test_naive_non_text_earns_nothing(student):
    assert student.naive_verify(42, None) == 0
