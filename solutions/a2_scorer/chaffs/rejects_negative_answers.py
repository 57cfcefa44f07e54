"""Chaff (too strict): a minus sign is treated as a non-digit.

Mistake: "Final: -83" earns 0 (not_an_integer) when the answer is -83: the spec allows an
optional leading '-'. A scorer that refuses correct answers is as wrong as one that pays for
wrong ones.
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
    verdict = score_strict(example, completion)
    if verdict["outcome"] in ("correct", "wrong_answer") and isinstance(verdict["details"].get("parsed"), int) and verdict["details"]["parsed"] < 0:
        return {"reward": 0.0, "outcome": "not_an_integer", "details": {"rule": "is_integer", "reason": "a '-' is not a digit", "parsed": None}}
    return verdict
