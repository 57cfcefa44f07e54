"""Chaff: when several Final lines are given, the last one counts.

Mistake: a hedging completion ("Final: 45\nFinal: 44") is paid whenever its last guess is
right; the spec refuses more than one Final line (multiple_final_lines).
"""

from __future__ import annotations

import re
from typing import Any

from course_core.measurement.scoring import SCORERS, STRICT_RULES, score_strict

NAME = "strict_final_int"
VERSION = "1.0.0"
DESCRIPTION = SCORERS["strict_final_int"].description
RULES = [dict(rule) for rule in STRICT_RULES]


def score(example: dict, completion: Any) -> dict:
    """The verdict of this instrument on one completion: {"reward", "outcome", "details"}."""
    if isinstance(completion, str):
        finals = [line for line in completion.strip().splitlines() if line.lstrip().startswith("Final:")]
        if len(finals) > 1:
            completion = finals[-1]
    return score_strict(example, completion)
