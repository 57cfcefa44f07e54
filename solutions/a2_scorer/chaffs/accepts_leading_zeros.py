"""Chaff: leading zeros are stripped before the value is parsed.

Mistake: "Final: 044" is read as 44 and paid. Zero-padding is a different output format; the
spec refuses it (leading_zero).
"""

from __future__ import annotations

import re
from typing import Any

from course_core.measurement.scoring import SCORERS, STRICT_RULES, score_strict

NAME = "strict_final_int"
VERSION = "1.0.0"
DESCRIPTION = SCORERS["strict_final_int"].description
RULES = [dict(rule) for rule in STRICT_RULES]


_PADDED = re.compile(r"^(\s*Final: -?)0+(?=\d)", re.M)


def score(example: dict, completion: Any) -> dict:
    """The verdict of this instrument on one completion: {"reward", "outcome", "details"}."""
    if isinstance(completion, str):
        completion = _PADDED.sub(r"\1", completion)
    return score_strict(example, completion)
