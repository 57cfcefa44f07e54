"""Chaff: a field missing from one manifest is skipped instead of reported.

Mistake: "nothing to compare, so no difference". A manifest without, say, a sampling
configuration cannot show it was sampled the same way; absence must count as a difference.
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



def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    return sorted(
        f for f in LOCKED_ROOM_FIELDS if f in manifest_a and f in manifest_b and manifest_a[f] != manifest_b[f]
    )
