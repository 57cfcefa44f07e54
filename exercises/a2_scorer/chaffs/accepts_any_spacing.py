r"""Public chaff for a2_scorer: a "harmless" normalisation of the spacing after 'Final:'.

Mistake: ``re.sub(r"Final:\s*", "Final: ", ...)`` before scoring, so "Final:44", "Final:  44"
and "Final:\t44" all earn reward 1. The spec says exactly one ASCII space; a scorer that pays
for the other forms teaches a policy that the format does not matter, and its VERSION did not
even change. Your tests/test_regression.py should fail on this file (the lock stage checks
it). Study it, do not copy it.
"""

from __future__ import annotations

import re
from typing import Any

from course_core.measurement.scoring import SCORERS, STRICT_RULES, score_strict

NAME = "strict_final_int"
VERSION = "1.0.0"
DESCRIPTION = SCORERS["strict_final_int"].description
RULES = [dict(rule) for rule in STRICT_RULES]


_AFTER_COLON = re.compile(r"Final:\s*")


def score(example: dict, completion: Any) -> dict:
    """The verdict of this instrument on one completion: {"reward", "outcome", "details"}."""
    if isinstance(completion, str):
        completion = _AFTER_COLON.sub("Final: ", completion)
    return score_strict(example, completion)
