"""a1_locked_room.build — hidden tests: the whole outcome vocabulary and every Locked Room field."""

from __future__ import annotations

import pytest

from course_core.measurement.gate import LOCKED_ROOM_FIELDS
from course_core.measurement.scoring import OUTCOMES

TAXONOMY = {"pass", "model_math", "model_format", "data_invalid", "unknown"}
DATA_CODES = {"invalid_example", "not_a_string", "missing_completion"}


def expected_class(code: str) -> str:
    if code == "correct":
        return "pass"
    if code == "wrong_answer":
        return "model_math"
    if code in DATA_CODES:
        return "data_invalid"
    return "model_format"


def manifest(**overrides: object) -> dict:
    m = {
        "kind": "eval",
        "dataset_fingerprint": "sha256:" + "0" * 64,
        "scorer_name": "strict_final_int",
        "scorer_version": "1.0.0",
        "scorer_spec_fingerprint": "sha256:" + "1" * 64,
        "sampling_config": {"policy": "sim-policy-v1", "temperature": 0.8, "top_p": 0.95, "seed": 7, "n": 1},
        "example_ids_fingerprint": "sha256:" + "2" * 64,
    }
    m.update(overrides)
    return m


CHANGED = {
    "dataset_fingerprint": "sha256:" + "9" * 64,
    "scorer_name": "weak_contains",
    "scorer_version": "1.0.1",
    "scorer_spec_fingerprint": "sha256:" + "8" * 64,
    "sampling_config": {"policy": "sim-policy-v1", "temperature": 0.8, "top_p": 0.95, "seed": 8, "n": 1},
    "example_ids_fingerprint": "sha256:" + "7" * 64,
}


@pytest.mark.points(4)
@pytest.mark.parametrize("code", sorted(set(OUTCOMES) | DATA_CODES))
def test_classify_every_outcome_code(student, code):
    assert student.classify(code) == expected_class(code), "every outcome code of the strict scorer (and missing_completion) has a class: see the README table"


@pytest.mark.points(2)
@pytest.mark.parametrize("code", ["CORRECT", " correct", "correct\n", "Wrong_Answer", "contains_expected", "absent", "fail"])
def test_classify_near_misses_and_other_instruments_are_unknown(student, code):
    assert student.classify(code) == "unknown", "outcome codes are exact identifiers: near misses and other instruments' codes are unknown"


@pytest.mark.points(2)
@pytest.mark.parametrize("value", [None, 0, 1.5, True, ["correct"], {"outcome": "correct"}])
def test_classify_non_strings_are_unknown(student, value):
    assert student.classify(value) == "unknown", "a value that is not a string is unknown (and classify never raises)"


@pytest.mark.points(1)
@pytest.mark.parametrize("value", ["correct", "extra_text", "x", "", None, 3, [], {}])
def test_classify_always_returns_a_taxonomy_class(student, value):
    assert student.classify(value) in TAXONOMY, "classify returns one of the five class names, whatever it is given"


@pytest.mark.points(3)
@pytest.mark.parametrize("field", LOCKED_ROOM_FIELDS)
def test_violations_each_field_alone(student, field):
    assert student.locked_room_violations(manifest(), manifest(**{field: CHANGED[field]})) == [field], "each Locked Room field, changed on its own, is reported on its own"


@pytest.mark.points(2)
def test_violations_all_fields_sorted(student):
    assert student.locked_room_violations(manifest(), manifest(**CHANGED)) == sorted(LOCKED_ROOM_FIELDS), "all six fields changed: all six reported, sorted"


@pytest.mark.points(2)
def test_violations_symmetric(student):
    a, b = manifest(), manifest(scorer_version="2.0.0", sampling_config={"policy": "x"})
    assert student.locked_room_violations(a, b) == student.locked_room_violations(b, a) == ["sampling_config", "scorer_version"], "swapping the two manifests changes nothing"


@pytest.mark.points(2)
def test_violations_field_absent_from_both_is_not_a_violation(student):
    a, b = manifest(), manifest()
    del a["example_ids_fingerprint"], b["example_ids_fingerprint"]
    assert student.locked_room_violations(a, b) == [], "a field absent from both manifests is not a difference"


@pytest.mark.points(1)
def test_violations_other_kinds_of_difference_are_not_locked_room_fields(student):
    assert student.locked_room_violations(manifest(kind="eval"), manifest(kind="selection")) == [], "only the Locked Room fields are compared"
