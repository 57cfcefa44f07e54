"""Chaff: the patch takes the first number on the last line that starts with 'Final:'.

Mistake: the line's format is not checked, so "Final: 42 or 43" (hedging on the Final line)
and "Final: 42. (Sanity: 17 is too small.)" are paid.
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


def patched_verify(expected: int, completion: Any) -> int:
    """1 only for one committed answer: a strict 'Final: <int>' last line, the only Final line, equal to expected."""
    if not isinstance(completion, str):
        return 0
    lines = [line.strip() for line in completion.strip().splitlines() if line.strip()]
    if not lines or not lines[-1].startswith("Final:") or sum(line.lower().startswith("final") for line in lines) != 1:
        return 0
    found = numbers_in(lines[-1][len("Final:"):])
    return int(bool(found) and found[0] == expected)


__all__ = ["MAX_DIGITS", "naive_verify", "numbers_in", "patched_verify"]
