"""Chaff: the patch reads the last number in the text as the answer.

Mistake: "the answer comes last" — so a later check ("The answer is 41. Check: 41+1=42") or
an aside ("Final: 17. (Sanity: 42 is too big.)") is read as the answer.
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
    found = numbers_in(completion) if isinstance(completion, str) else []
    return int(bool(found) and found[-1] == expected)


__all__ = ["MAX_DIGITS", "naive_verify", "numbers_in", "patched_verify"]
