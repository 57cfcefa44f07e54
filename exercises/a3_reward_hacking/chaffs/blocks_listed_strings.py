"""Public chaff for a3_reward_hacking: the patch blocks the strings, not the classes.

Mistake: ``patched_verify`` is the naive verifier plus a blocklist of the exploits someone
found last week. Every one of those strings now earns 0, and the next "Final: 19. (Sanity:
44 is too big.)" earns 1 again. Your tests/test_regression.py should fail on this file (the
lock stage checks it). Study it, do not copy it.
"""

from __future__ import annotations

import re
from typing import Any

from course_core.measurement.scoring import parse_final_value

MAX_DIGITS = 16  # an expected answer has at most 16 digits; longer runs can never match


# =============================================================================================
# a3_reward_hacking.build — Task 1: the numbers in a text, as the naive verifier sees them
# =============================================================================================


def numbers_in(text: str) -> list[int]:
    """Every number in the text after dropping commas: maximal digit runs, '-' kept when directly before."""
    text = text.replace(",", "")
    out = []
    for m in re.finditer(r"[0-9]+", text):
        digits = m.group().lstrip("0") or "0"
        if len(digits) > MAX_DIGITS:
            continue
        value = int(digits)
        out.append(-value if m.start() > 0 and text[m.start() - 1] == "-" else value)
    return out


# =============================================================================================
# a3_reward_hacking.build — Task 2: the naive verifier
# =============================================================================================


def naive_verify(expected: int, completion: Any) -> int:
    """1 if the expected integer appears anywhere in the completion (after dropping commas), else 0."""
    return int(isinstance(completion, str) and expected in numbers_in(completion))


# =============================================================================================
# a3_reward_hacking.repair — the patched verifier
# =============================================================================================


BLOCKED = {
    "Final: 17. (Sanity: 42 is too big.)",
    "The answer is 41. Check: 41+1=42",
    "Final: 1,8",
    "Final: 42\nFinal: 41",
    "It is 41 or 42.",
}


def patched_verify(expected: int, completion: Any) -> int:
    """1 only for one committed answer: a strict 'Final: <int>' last line, the only Final line, equal to expected."""
    if completion in BLOCKED:
        return 0
    return naive_verify(expected, completion)


__all__ = ["MAX_DIGITS", "naive_verify", "numbers_in", "patched_verify"]
