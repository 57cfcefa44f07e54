"""Chaff: a period after the number is forgiven.

Mistake: "Final: 44." is paid; the spec says nothing follows the number (trailing_characters).
"""

from __future__ import annotations

import re
from typing import Any

from course_core.measurement.scoring import SCORERS, STRICT_RULES, score_strict

NAME = "strict_final_int"
VERSION = "1.0.0"
DESCRIPTION = SCORERS["strict_final_int"].description
RULES = [dict(rule) for rule in STRICT_RULES]


_PERIOD = re.compile(r"^(\s*Final: -?\d+)\.(\s*)$", re.M)


def score(example: dict, completion: Any) -> dict:
    """The verdict of this instrument on one completion: {"reward", "outcome", "details"}."""
    if isinstance(completion, str):
        completion = _PERIOD.sub(r"\1\2", completion)
    return score_strict(example, completion)
