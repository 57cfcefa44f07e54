"""Chaff: a lookup table that crashes on values that are not strings.

Mistake: ``TABLE.get(outcome, "unknown")`` looks total, but a list or a dict is unhashable and
raises TypeError. A helper of an instrument must never raise, whatever it is given.
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


_CLASS = {code: "model_format" for code in OUTCOMES}
_CLASS.update({"correct": "pass", "wrong_answer": "model_math"})
_CLASS.update({code: "data_invalid" for code in DATA_OUTCOMES})


def classify(outcome: str) -> str:
    return _CLASS.get(outcome, "unknown")


_ABSENT = object()


def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    return sorted(f for f in LOCKED_ROOM_FIELDS if manifest_a.get(f, _ABSENT) != manifest_b.get(f, _ABSENT))
