"""a3_reward_hacking — Reward hacking: patch the class, not the string (Level 5).

Two verifiers of the same task ("the answer is an integer"):

* ``naive_verify`` — the one a hurried engineer writes: drop the thousands separators, then
  pay 1 if the expected integer appears anywhere in the text. Right on honest completions;
  wrong in ways an optimiser will find.
* ``patched_verify`` — the repair: pay 1 only for one committed answer, ``Final: <int>`` in the
  strict format on the last non-empty line, with no other line starting with ``Final:``.
  Reasoning lines before it are fine.

Run the visible tests from the repository root:

    python -m pytest exercises/a3_reward_hacking/tests -q

Every function is called by the tests with JSON values only and must return JSON values.
"""

from __future__ import annotations

import re  # noqa: F401 - yours to use
from typing import Any

from course_core.measurement.scoring import parse_final_value  # noqa: F401 - yours to use

MAX_DIGITS = 16  # an expected answer has at most 16 digits; longer runs can never match


# =============================================================================================
# a3_reward_hacking.build — Task 1: the numbers in a text, as the naive verifier sees them
# =============================================================================================
#
# "The total is 1,234 dollars (-5 for the coupon)" → [1234, -5]. "1,8" → [18]: that collision is
# on purpose, it is what a naive normalisation does. "007" → [7].


def numbers_in(text: str) -> list[int]:
    """Every number in the text after dropping commas: maximal digit runs, '-' kept when directly before."""
    # TODO(a3_reward_hacking.build): drop commas, then each maximal run of ASCII digits as an int
    #   ('-' kept when it directly precedes; runs longer than MAX_DIGITS skipped) —
    #   checked by tests/test_build.py::test_numbers_*
    raise NotImplementedError("a3_reward_hacking.build: numbers_in is a stub — see tests/test_build.py::test_numbers_*")


# =============================================================================================
# a3_reward_hacking.build — Task 2: the naive verifier
# =============================================================================================


def naive_verify(expected: int, completion: Any) -> int:
    """1 if the expected integer appears anywhere in the completion (after dropping commas), else 0."""
    # TODO(a3_reward_hacking.build): 1 if expected is among numbers_in(completion), else 0 (0 for non-text) —
    #   checked by tests/test_build.py::test_naive_*
    raise NotImplementedError("a3_reward_hacking.build: naive_verify is a stub — see tests/test_build.py::test_naive_*")


# =============================================================================================
# a3_reward_hacking.repair — the patched verifier
# =============================================================================================
#
# The contract (README, Repair): pay 1 exactly when the last non-empty line is "Final: <int>" in
# the strict format (course_core.measurement.scoring.parse_final_value says whether the text after the
# colon is a well-formed integer), no other line starts with "Final" (in any case), and the
# integer equals expected. Reasoning lines before the Final line are fine. Close the classes,
# not your own strings: hidden exploits of every class will be thrown at it.


def patched_verify(expected: int, completion: Any) -> int:
    """1 only for one committed answer: a strict 'Final: <int>' last line, the only Final line, equal to expected."""
    # TODO(a3_reward_hacking.repair): close each exploit CLASS you found, and keep paying honest answers —
    #   checked by tests/test_repair.py and the hidden repair tests (README, Repair)
    raise NotImplementedError("a3_reward_hacking.repair: patched_verify is a stub — see tests/test_repair.py")


__all__ = ["MAX_DIGITS", "naive_verify", "numbers_in", "patched_verify"]
