"""Chaff (too strict): whitespace around the Final line is not stripped.

Mistake: "Final: 44\n" — what nearly every model emits — earns 0. A false negative is a defect
too: it punishes the right behaviour, and the spec strips surrounding whitespace.
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
    if isinstance(completion, str) and completion != completion.strip() and verdict["reward"] == 1.0:
        return {"reward": 0.0, "outcome": "trailing_characters", "details": {"rule": "no_trailing_text", "reason": "whitespace around the line", "parsed": None}}
    return verdict
