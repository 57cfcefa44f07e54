"""Chaff: compares sampling configurations as JSON text, so key order matters.

Mistake: {"temperature": 0.8, "top_p": 0.95} and {"top_p": 0.95, "temperature": 0.8} are the
same configuration; serialising without sorting the keys reports a violation that is not there.
"""

from __future__ import annotations

import json
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


def _same(a: Any, b: Any) -> bool:
    if a is _ABSENT or b is _ABSENT:
        return a is b
    return json.dumps(a) == json.dumps(b)


def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    return sorted(f for f in LOCKED_ROOM_FIELDS if not _same(manifest_a.get(f, _ABSENT), manifest_b.get(f, _ABSENT)))
