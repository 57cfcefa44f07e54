"""Chaff: the prefix is matched without regard to case.

Mistake: "final: 44" and "FINAL: 44" are paid; the prefix is exactly 'Final:' (bad_prefix).
"""

from __future__ import annotations

import re
from typing import Any

from course_core.measurement.scoring import SCORERS, STRICT_RULES, score_strict

NAME = "strict_final_int"
VERSION = "1.0.0"
DESCRIPTION = SCORERS["strict_final_int"].description
RULES = [dict(rule) for rule in STRICT_RULES]


_PREFIX = re.compile(r"^(\s*)final:", re.M | re.I)


def score(example: dict, completion: Any) -> dict:
    """The verdict of this instrument on one completion: {"reward", "outcome", "details"}."""
    if isinstance(completion, str):
        completion = _PREFIX.sub(r"\1Final:", completion)
    return score_strict(example, completion)
