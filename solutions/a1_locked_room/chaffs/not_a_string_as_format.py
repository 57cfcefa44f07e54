"""Chaff: a completion that is not a string is blamed on the model's format.

Mistake: a model emits text. A rollouts file holding a number or null where the completion
should be means the data pipeline broke: data_invalid, not model_format.
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
    if not isinstance(outcome, str):
        return "unknown"
    if outcome == "correct":
        return "pass"
    if outcome == "wrong_answer":
        return "model_math"
    if outcome in ("invalid_example", "missing_completion"):
        return "data_invalid"
    if outcome in OUTCOMES:
        return "model_format"
    return "unknown"


_ABSENT = object()


def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    return sorted(f for f in LOCKED_ROOM_FIELDS if manifest_a.get(f, _ABSENT) != manifest_b.get(f, _ABSENT))
