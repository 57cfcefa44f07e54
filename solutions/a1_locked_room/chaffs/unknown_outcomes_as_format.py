"""Chaff: every outcome that is not a pass, a wrong answer or a data problem is a format failure.

Mistake: treating the taxonomy as closed. Codes from another instrument, misspellings and
values that are not strings are "unknown"; calling them format failures hides that the
measurement is not what we think it is.
"""

from __future__ import annotations

from typing import Any

from course_core.measurement.scoring import FORMAT_OK, OUTCOMES

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
    if outcome == "correct":
        return "pass"
    if outcome == "wrong_answer":
        return "model_math"
    if isinstance(outcome, str) and outcome in DATA_OUTCOMES:
        return "data_invalid"
    return "model_format"


_ABSENT = object()


def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    return sorted(f for f in LOCKED_ROOM_FIELDS if manifest_a.get(f, _ABSENT) != manifest_b.get(f, _ABSENT))
