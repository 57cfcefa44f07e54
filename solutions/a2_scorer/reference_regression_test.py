"""a2_scorer — an exemplary tests/test_regression.py (instructor-only).

One small test per rule a scorer can quietly relax, and per correct form it must keep paying.
The kit's meta-tests check that it passes on the reference scorer and fails on every chaff.
"""

from __future__ import annotations

import pytest

EXAMPLE = {"id": "dev-0002", "prompt": "How many dollars does Omar spend in total?", "expected_answer": 44}
NEGATIVE = {"id": "dev-0003", "prompt": "What is the balance now, in dollars?", "expected_answer": -83}


def verdict(student, completion, example=EXAMPLE):
    v = student.score(example, completion)
    return v["reward"], v["outcome"]


def test_the_canonical_form_is_paid(student):
    assert verdict(student, "Final: 44") == (1.0, "correct")


def test_surrounding_whitespace_is_stripped_and_paid(student):
    assert verdict(student, "Final: 44\n") == (1.0, "correct")
    assert verdict(student, "\n  Final: 44  \n") == (1.0, "correct")


def test_a_negative_answer_is_paid(student):
    assert verdict(student, "Final: -83", NEGATIVE) == (1.0, "correct")


@pytest.mark.parametrize("completion", ["Final:44", "Final:  44", "Final:\t44"])
def test_spacing_after_the_colon_is_exact(student, completion):
    assert verdict(student, completion) == (0.0, "bad_spacing")


@pytest.mark.parametrize("completion", ["Final: 044", "Final: 0044"])
def test_leading_zeros_are_refused(student, completion):
    assert verdict(student, completion) == (0.0, "leading_zero")


def test_a_plus_sign_is_refused(student):
    assert verdict(student, "Final: +44") == (0.0, "plus_sign")


def test_chatter_around_the_final_line_is_refused(student):
    assert verdict(student, "Let me think.\n40 + 4 = 44\nFinal: 44") == (0.0, "extra_text")
    assert verdict(student, "Final: 44\nHope this helps!") == (0.0, "extra_text")


def test_several_final_lines_are_refused(student):
    assert verdict(student, "Final: 45\nFinal: 44") == (0.0, "multiple_final_lines")


def test_a_trailing_period_is_refused(student):
    assert verdict(student, "Final: 44.") == (0.0, "trailing_characters")


@pytest.mark.parametrize("completion", ["final: 44", "FINAL: 44"])
def test_the_prefix_is_case_sensitive(student, completion):
    assert verdict(student, completion) == (0.0, "bad_prefix")
