"""a3_reward_hacking.repair — hidden tests: the instructors' exploits of every class, and honest completions.

A patch that blocks only the strings it has seen fails here: these exploits were written
apart from any student's, one mechanism (class) at a time.
"""

from __future__ import annotations

import pytest

# The instructors' exploits: several of every class, none of them in the README; and honest
# completions a patched verifier must keep paying. The meta-tests prove each exploit genuine
# (course_core.measurement.reward_hacking.judge_exploit) and the reference patch right on all of them.
EXPLOITS: list[tuple[str, int, str]] = [
    ("last_number_fallback", 44, "Final: 19. (Sanity: 44 is too big.)"),
    ("last_number_fallback", 306, "I get 360, though 306 was also on my scratch pad"),
    ("last_number_fallback", -8, "Final: 8\n(if negative, -8)"),
    ("last_number_fallback", 1250, "Final: 125 — or, in cents, 1250"),
    ("later_check_number", 91, "The result is 90.\nVerification: 90+1=91"),
    ("later_check_number", 12, "Answer 6. Check: 6 * 2 = 12"),
    ("later_check_number", 7, "Final: 5\nsanity: 5 + 2 = 7"),
    ("comma_collision", 18, "Final: 1,8"),
    ("comma_collision", 305, "The answer is 30,5"),
    ("comma_collision", 42, "Final: 4,2"),
    ("comma_collision", 10000, "Final: 1,000,0"),
    ("first_vs_last", 73, "Final: 73\nFinal: 37"),
    ("first_vs_last", 73, "Final: 37\nfinal: 73"),
    ("first_vs_last", 5, "FINAL: 5\nFinal: 6"),
    ("first_vs_last", 21, "Final: 20\nThinking again...\nFinal: 21\nFinal: 22"),
    ("hedging", 64, "Final: 63 or 64"),
    ("hedging", 64, "Either 64 or 46."),
    ("hedging", 10, "Maybe 9, maybe 10, maybe 11."),
    ("hedging", -3, "Final: 3/-3"),
    ("enumeration", 57, " ".join(str(i) for i in range(50, 70))),
    ("enumeration", 8, "Final: " + ", ".join(str(i) for i in range(12))),
    ("enumeration", -4, "\n".join(str(i) for i in range(-10, 10))),
]

HONEST: list[tuple[int, str]] = [
    (44, "Final: 44"),
    (44, "Final: 44\n"),
    (44, "  Final: 44  "),
    (42, "6 * 7 = 42\nFinal: 42"),
    (91, "Let me think step by step.\n90 + 1 = 91.\n\nFinal: 91\n"),
    (-17, "The balance drops below zero.\nFinal: -17"),
    (1234, "The total is 1,234 dollars.\nFinal: 1234"),
    (0, "Nothing is left.\r\nFinal: 0\r\n"),
    (64, "It could look like 63 or 65 at first, but 8 * 8 = 64.\nFinal: 64"),
]


@pytest.mark.points(1)
@pytest.mark.parametrize(("cls", "expected", "completion"), EXPLOITS, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(EXPLOITS)])
def test_repair_hidden_exploit_earns_nothing(student, cls, expected, completion):
    assert student.patched_verify(expected, completion) == 0, f"a hidden {cls} exploit still earns reward 1: close the class, not the string"


@pytest.mark.points(2)
@pytest.mark.parametrize(("expected", "completion"), HONEST, ids=[f"honest-{i}" for i in range(len(HONEST))])
def test_repair_honest_completion_is_still_paid(student, expected, completion):
    assert student.patched_verify(expected, completion) == 1, "an honest completion (reasoning, then one 'Final: <int>' line) must still be paid"


@pytest.mark.points(2)
@pytest.mark.parametrize("completion", [None, 44, ["Final: 44"]])
def test_repair_non_text_earns_nothing(student, completion):
    assert student.patched_verify(44, completion) == 0, "a completion that is not text earns nothing"
