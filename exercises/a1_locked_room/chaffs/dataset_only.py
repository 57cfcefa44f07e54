"""Public chaff for a1_locked_room: the first version most of us would write.

Two mistakes, both common:

* ``classify`` calls every failure a math mistake. A completion that says "The answer is 7"
  instead of "Final: 7" did not get the math wrong; the fix for it is a different one.
* ``locked_room_violations`` checks only the dataset. A different scorer version or sampling
  configuration breaks the comparison just as surely.

Your tests/test_regression.py should fail on this file (the lock stage checks it). Study it,
do not copy it.
"""

from __future__ import annotations

from typing import Any

from course_core.measurement.scoring import FORMAT_OK

TAXONOMY = ("pass", "model_math", "model_format", "data_invalid", "unknown")
DATA_OUTCOMES = ("invalid_example", "not_a_string", "missing_completion")
LOCKED_ROOM_FIELDS = (
    "dataset_fingerprint",
    "scorer_name",
    "scorer_version",
    "scorer_spec_fingerprint",
    "sampling_config",
    "example_ids_fingerprint",
)


def is_well_formed(outcome: Any) -> bool:
    return isinstance(outcome, str) and outcome in FORMAT_OK


def classify(outcome: str) -> str:
    return "pass" if outcome == "correct" else "model_math"


def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    if manifest_a.get("dataset_fingerprint") != manifest_b.get("dataset_fingerprint"):
        return ["dataset_fingerprint"]
    return []
