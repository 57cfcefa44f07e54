"""a3_reward_hacking.build — hidden tests: the naive verifier agrees with the kit's on a wide battery."""

from __future__ import annotations

import pytest

from course_core.measurement.reward_hacking import naive_reward, numbers

TEXTS = [
    "Final: 42", "42", "4-2", "--5", "a-b-3", "1,2,3", ",,9,,", "0", "000", "-000", "x0042y", "1.5", "3.14159", "10e3",
    "٤٢", "４２", "1 2 3 4 5 6 7 8 9 10 11", "line one 5\nline two -6\r\nthree 7", "9" * 20 + " 8", "12" + "0" * 15,
    "The balance is -1,250 dollars.", "", "   ", "Final:-17", "(-3)", "−5",
]


@pytest.mark.points(4)
@pytest.mark.parametrize("text", TEXTS)
def test_numbers_match_the_kit(student, text):
    assert student.numbers_in(text) == numbers(text), "numbers_in: drop commas, ASCII digit runs, '-' directly before, long runs skipped"


@pytest.mark.points(4)
@pytest.mark.parametrize("expected", [42, -5, 0, 8, 1250, -1250, 120000000000000000 // 10])
@pytest.mark.parametrize("text", [*TEXTS[::3], "420 apples", "1042", "-42", "4,2", "84/2", "Final: 0.42"])
def test_naive_matches_the_kit(student, expected, text):
    assert student.naive_verify(expected, text) == naive_reward(expected, text), "naive_verify: 1 iff expected is among numbers_in(text)"


@pytest.mark.points(2)
@pytest.mark.parametrize("completion", [None, 42, ["Final: 42"], {"completion": "Final: 42"}, True])
def test_naive_non_text_is_zero(student, completion):
    assert student.naive_verify(42, completion) == 0, "a completion that is not text earns nothing"
