"""a2_scorer — The scorer is production code (Level 4, Loop A).

Your own copy of the kit's strict instrument, as a module the kit's instruments load by path:

    python -m course.eval ... --scorer-module exercises/a2_scorer/my_scorer.py
    python -m course.validate_scorer ... --scorer-module exercises/a2_scorer/my_scorer.py

A scorer module declares who it is (NAME, VERSION, DESCRIPTION, RULES: the manifest records
them, and the gate compares them) and scores one completion at a time. It is the task
specification: whatever it pays for is what an optimiser will learn to produce.

Run the visible tests from the repository root:

    python -m pytest exercises/a2_scorer/tests -q
"""

from __future__ import annotations

from typing import Any

from course_core.measurement.scoring import SCORERS, STRICT_RULES, score_strict

# Who this instrument is. An exact copy may claim the kit's identity; the moment its behaviour
# differs by one character it is a new instrument and needs a new VERSION.
NAME = "strict_final_int"
VERSION = "1.0.0"
DESCRIPTION = SCORERS["strict_final_int"].description
RULES = [dict(rule) for rule in STRICT_RULES]


# =============================================================================================
# a2_scorer.build — Task 1: your copy of the instrument
# =============================================================================================


def score(example: dict, completion: Any) -> dict:
    """The verdict of this instrument on one completion: {"reward", "outcome", "details"}."""
    return score_strict(example, completion)


__all__ = ["DESCRIPTION", "NAME", "RULES", "VERSION", "score"]
