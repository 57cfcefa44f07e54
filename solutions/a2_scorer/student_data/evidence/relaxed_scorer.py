"""a2_scorer — my relaxed copy (Sabotage): any whitespace after 'Final:' is accepted.

A copy of my_scorer.py with one strict rule (one_space) relaxed, kept as evidence: the runs
in evidence/golden_relaxed and evidence/eval_relaxed were made with exactly this file.
"""

from __future__ import annotations

import re
from typing import Any

from course_core.measurement.scoring import SCORERS, STRICT_RULES, score_strict

NAME = "strict_final_int"
VERSION = "1.1.0"  # behaviour changed: a new version
DESCRIPTION = SCORERS["strict_final_int"].description + "; RELAXED: any whitespace (or none) after 'Final:'"
RULES = [dict(rule) for rule in STRICT_RULES if rule["rule"] != "one_space"]

_AFTER_COLON = re.compile(r"Final:\s*")


def score(example: dict, completion: Any) -> dict:
    """The verdict of this instrument on one completion: {"reward", "outcome", "details"}."""
    if isinstance(completion, str):
        completion = _AFTER_COLON.sub("Final: ", completion)
    return score_strict(example, completion)
