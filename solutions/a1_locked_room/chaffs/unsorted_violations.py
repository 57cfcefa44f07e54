"""Chaff: reports the violations in checking order instead of sorted.

Mistake: the contract says "sorted". Callers (and the gate's report) compare these lists;
an order that depends on how the loop happens to be written is not a stable interface.
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
    if outcome in DATA_OUTCOMES:
        return "data_invalid"
    if outcome in OUTCOMES:
        return "model_format"
    return "unknown"


_ABSENT = object()


def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    return [f for f in LOCKED_ROOM_FIELDS if manifest_a.get(f, _ABSENT) != manifest_b.get(f, _ABSENT)]
