"""a1_locked_room — reference solution ("wheat"). Instructor-only.

Two small pieces of measurement discipline:

* ``classify`` sorts every outcome code of the strict scorer into a failure class, so that a
  drop in pass rate reads as "the model got the math wrong", "the model broke the answer
  format" or "our data is broken": three problems with three different owners.
* ``locked_room_violations`` names the experimental conditions on which two run manifests
  disagree. Two runs may be compared only when that list is empty.

Run the visible tests from the repository root:

    python -m pytest exercises/a1_locked_room/tests -q

Every function below is called by the tests with JSON values only (strings, numbers, lists,
dicts, None) and must return JSON values.
"""

from __future__ import annotations

from typing import Any

from course_core.measurement.scoring import FORMAT_OK, OUTCOMES

# The failure classes, in the order a report lists them.
TAXONOMY = ("pass", "model_math", "model_format", "data_invalid", "unknown")

# Outcome codes that say the *data* is broken, not the model: the dataset row has no usable
# expected_answer, the rollouts file holds something that is not text, or it has no row at
# all for this id (the eval writes "missing_completion" for those).
DATA_OUTCOMES = ("invalid_example", "not_a_string", "missing_completion")

# The Locked Room: every condition that must be equal before two runs may be compared.
# (The same list as course_core/measurement/gate.py LOCKED_ROOM_FIELDS.)
LOCKED_ROOM_FIELDS = (
    "dataset_fingerprint",
    "scorer_name",
    "scorer_version",
    "scorer_spec_fingerprint",
    "sampling_config",
    "example_ids_fingerprint",
)


# =============================================================================================
# a1_locked_room.build — Task 1: the failure taxonomy
# =============================================================================================
#
# ``OUTCOMES`` (from course_core.measurement.scoring) maps every outcome code of the strict scorer to what
# it means; ``FORMAT_OK`` holds the two codes where the completion was well-formed.
#
# Worked example. A predicate in the same spirit as ``classify``: total (it never raises,
# whatever it is given) and exact (no case folding, no stripping: outcome codes are
# identifiers, not prose).


def is_well_formed(outcome: Any) -> bool:
    """True when the outcome says the completion had the right format (correct or wrong_answer)."""
    return isinstance(outcome, str) and outcome in FORMAT_OK


def classify(outcome: str) -> str:
    """The failure class of one outcome code: pass, model_math, model_format, data_invalid or unknown."""
    if not isinstance(outcome, str):
        return "unknown"
    if outcome == "correct":
        return "pass"
    if outcome == "wrong_answer":
        return "model_math"
    if outcome in DATA_OUTCOMES:
        return "data_invalid"
    if outcome in OUTCOMES:
        return "model_format"
    return "unknown"


# =============================================================================================
# a1_locked_room.build — Task 2: Locked Room violations
# =============================================================================================

_ABSENT = object()  # distinct from every JSON value, including null


def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    """The sorted names of the LOCKED_ROOM_FIELDS whose values differ between two manifests."""
    return sorted(
        field for field in LOCKED_ROOM_FIELDS if manifest_a.get(field, _ABSENT) != manifest_b.get(field, _ABSENT)
    )


__all__ = ["DATA_OUTCOMES", "LOCKED_ROOM_FIELDS", "OUTCOMES", "TAXONOMY", "classify", "is_well_formed", "locked_room_violations"]
