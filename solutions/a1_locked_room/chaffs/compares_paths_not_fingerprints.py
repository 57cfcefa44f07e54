"""Chaff: identifies the dataset by its path instead of its fingerprint.

Mistake: "same file name, same data". A file edited in place keeps its path but not its
contents, and a copy of the same file under another name is still the same data.
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


def _dataset_path(manifest: dict) -> Any:
    for record in manifest.get("inputs") or []:
        if isinstance(record, dict) and record.get("role") == "dataset":
            return record.get("path")
    return (manifest.get("args") or {}).get("dataset", _ABSENT)


def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    found = []
    for f in LOCKED_ROOM_FIELDS:
        if f == "dataset_fingerprint":
            if _dataset_path(manifest_a) != _dataset_path(manifest_b):
                found.append(f)
        elif manifest_a.get(f, _ABSENT) != manifest_b.get(f, _ABSENT):
            found.append(f)
    return sorted(found)
