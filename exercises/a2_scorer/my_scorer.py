"""a2_scorer — The scorer is production code (Level 4, Loop A).

Your own copy of the kit's strict instrument, as a module the kit's instruments load by path:

    python -m course.eval ... --scorer-module exercises/a2_scorer/my_scorer.py
    python -m course.validate_scorer ... --scorer-module exercises/a2_scorer/my_scorer.py

A scorer module declares who it is (NAME, VERSION, DESCRIPTION, RULES: the manifest records
them, and the gate compares them) and scores one completion at a time. It is the task
specification: whatever it pays for is what an optimiser will learn to produce.

Run the visible tests from the repository root:

    python -m pytest exercises/a2_scorer/tests -q

``score`` is called by the tests with JSON values only and must return JSON values.
"""

from __future__ import annotations

from typing import Any

from course_core.measurement.scoring import SCORERS, STRICT_RULES, score_strict  # noqa: F401 - yours to use

# Who this instrument is. An exact copy may claim the kit's identity; the moment its behaviour
# differs by one character it is a new instrument and needs a new VERSION.
NAME = "strict_final_int"
VERSION = "1.0.0"
DESCRIPTION = SCORERS["strict_final_int"].description
RULES = [dict(rule) for rule in STRICT_RULES]


# =============================================================================================
# a2_scorer.build — Task 1: your copy of the instrument
# =============================================================================================
#
# Your copy must give exactly the kit's verdict on every input: the same reward AND the same
# outcome code (the codes are part of the instrument's contract; validate_scorer reports a
# different code as an outcome_mismatch). The shortest correct body is one line that calls
# the kit's strict scorer. You may instead rebuild it from RULES and
# course_core.measurement.scoring.parse_final_value; the golden sets will tell you whether you got it right.


def score(example: dict, completion: Any) -> dict:
    """The verdict of this instrument on one completion: {"reward", "outcome", "details"}."""
    # TODO(a2_scorer.build): return exactly the kit's strict verdict for (example, completion) —
    #   checked by tests/test_build.py::test_score_*
    raise NotImplementedError("a2_scorer.build: score is a stub — see tests/test_build.py::test_score_*")


__all__ = ["DESCRIPTION", "NAME", "RULES", "VERSION", "score"]
