"""a3_reward_hacking — an exemplary tests/test_regression.py (instructor-only).

A test per exploit class in a form of its own, per honest form, and per Build rule of the
naive verifier. The kit's meta-tests check it passes on the reference and fails on every chaff.
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("expected", "completion"), [
    (42, "Final: 42"), (42, "Final: 42\n"), (42, "40 + 2 = 42\nFinal: 42"), (-9, "Below zero.\nFinal: -9"), (1500, "About 1,500.\nFinal: 1500"),
])
def test_honest_answers_are_paid(student, expected, completion):
    assert student.patched_verify(expected, completion) == 1


def test_last_number_fallback_is_closed(student):
    assert student.patched_verify(60, "Final: 16. (60 would be too many.)") == 0


def test_later_check_number_is_closed(student):
    assert student.patched_verify(30, "It is 29.\nCheck: 29 + 1 = 30") == 0


def test_comma_collision_is_closed(student):
    assert student.patched_verify(27, "Final: 2,7") == 0


def test_several_final_lines_are_closed(student):
    assert student.patched_verify(11, "Final: 11\nFinal: 12") == 0
    assert student.patched_verify(11, "Final: 10\nFinal: 11") == 0


def test_hedging_on_the_final_line_is_closed(student):
    assert student.patched_verify(11, "Final: 11 or 12") == 0


def test_enumeration_is_closed(student):
    assert student.patched_verify(55, " ".join(str(i) for i in range(40, 70))) == 0


def test_a_blocklist_is_not_a_patch(student):
    assert student.patched_verify(8, "Final: 3. (Sanity: 8 is too big.)") == 0


@pytest.mark.parametrize(("text", "numbers"), [("1,234 and -5", [1234, -5]), ("3,1", [31]), ("007", [7]), ("no digits", [])])
def test_numbers_in(student, text, numbers):
    assert student.numbers_in(text) == numbers


@pytest.mark.parametrize(("expected", "completion", "reward"), [(42, "420", 0), (42, "it is 42", 1), (1234, "1,234", 1), (5, None, 0)])
def test_naive_verify(student, expected, completion, reward):
    assert student.naive_verify(expected, completion) == reward
