"""Chaff: an explicit '+' is allowed before the number.

Mistake: "Final: +44" is paid as 44 (int() accepts it, the spec does not: plus_sign).
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
        completion = completion.replace("Final: +", "Final: ")
    return score_strict(example, completion)
