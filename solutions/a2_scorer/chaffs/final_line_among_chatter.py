"""Chaff: the one Final line is found among other text and scored on its own.

Mistake: chain of thought or chatter around a correct Final line is paid ("multi-line"
relaxed): the spec says the completion is that one line and nothing else (extra_text).
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
        if len(finals) == 1:
            completion = finals[0]
    return score_strict(example, completion)
