"""Chaff: the patch scores the first Final line and ignores the rest.

Mistake: a completion with several Final lines ("Final: 42\nFinal: 41") is paid when its first
guess is right: hedging across lines still pays.
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
    finals = [line.strip() for line in completion.splitlines() if line.strip().startswith("Final:")]
    if not finals:
        return 0
    outcome, _, value = parse_final_value(finals[0][len("Final:"):])
    return int(outcome == "correct" and value == expected)


__all__ = ["MAX_DIGITS", "naive_verify", "numbers_in", "patched_verify"]
