"""Chaff (too strict): the patch pays only a completion that is one Final line.

Mistake: every honest completion that shows its work ("6 * 7 = 42\nFinal: 42") earns 0. The
exploits are closed, and so is the reward for the behaviour we want.
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
    if not isinstance(completion, str) or "\n" in completion.strip() or not completion.strip().startswith("Final:"):
        return 0
    outcome, _, value = parse_final_value(completion.strip()[len("Final:"):])
    return int(outcome == "correct" and value == expected)


__all__ = ["MAX_DIGITS", "naive_verify", "numbers_in", "patched_verify"]
