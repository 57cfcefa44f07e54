"""a1_locked_room — an exemplary tests/test_regression.py (instructor-only).

What a strong student submission looks like: one small test per way to get it wrong, each
passing on a correct locked_room.py. The kit's meta-tests check that it passes on the
reference solution and fails on every chaff (public and hidden).
"""

from __future__ import annotations

import pytest

FIELDS = [
    "dataset_fingerprint",
    "example_ids_fingerprint",
    "sampling_config",
    "scorer_name",
    "scorer_spec_fingerprint",
    "scorer_version",
]


def base_manifest() -> dict:
    return {
        "args": {"dataset": "data/datasets/math_dev.jsonl"},
        "inputs": [{"role": "dataset", "path": "data/datasets/math_dev.jsonl", "sha256": "sha256:" + "a" * 64}],
        "dataset_fingerprint": "sha256:" + "a" * 64,
        "scorer_name": "strict_final_int",
        "scorer_version": "1.0.0",
        "scorer_spec_fingerprint": "sha256:" + "b" * 64,
        "sampling_config": {"policy": "sim-policy-v1", "temperature": 0.8, "top_p": 0.95, "seed": 3000, "n": 1},
        "example_ids_fingerprint": "sha256:" + "c" * 64,
    }


def changed(**values: object) -> dict:
    m = base_manifest()
    m.update(values)
    return m


def test_identical_manifests_have_no_violations(student):
    assert student.locked_room_violations(base_manifest(), base_manifest()) == []


@pytest.mark.parametrize("field", FIELDS)
def test_each_field_on_its_own_is_a_violation(student, field):
    other = base_manifest()
    other[field] = {"changed": True} if field == "sampling_config" else "sha256:" + "f" * 64
    assert student.locked_room_violations(base_manifest(), other) == [field]


def test_violations_are_sorted(student):
    other = changed(scorer_version="2.0.0", dataset_fingerprint="sha256:" + "d" * 64, sampling_config={"policy": "x"})
    assert student.locked_room_violations(base_manifest(), other) == ["dataset_fingerprint", "sampling_config", "scorer_version"]


def test_same_path_new_bytes_is_a_violation(student):
    assert student.locked_room_violations(base_manifest(), changed(dataset_fingerprint="sha256:" + "d" * 64)) == ["dataset_fingerprint"]


def test_new_path_same_bytes_is_not(student):
    moved = base_manifest()
    moved["args"] = {"dataset": "/tmp/copy.jsonl"}
    moved["inputs"] = [{"role": "dataset", "path": "/tmp/copy.jsonl", "sha256": "sha256:" + "a" * 64}]
    assert student.locked_room_violations(base_manifest(), moved) == []


def test_sampling_config_key_order_is_irrelevant(student):
    reordered = changed(sampling_config={"n": 1, "seed": 3000, "top_p": 0.95, "temperature": 0.8, "policy": "sim-policy-v1"})
    assert student.locked_room_violations(base_manifest(), reordered) == []


def test_missing_field_is_a_violation_both_ways(student):
    without = base_manifest()
    del without["scorer_version"]
    assert student.locked_room_violations(base_manifest(), without) == ["scorer_version"]
    assert student.locked_room_violations(without, base_manifest()) == ["scorer_version"]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("correct", "pass"),
        ("wrong_answer", "model_math"),
        ("missing_final", "model_format"),
        ("extra_text", "model_format"),
        ("invalid_example", "data_invalid"),
        ("not_a_string", "data_invalid"),
        ("missing_completion", "data_invalid"),
        ("contains_expected", "unknown"),
        ("Correct", "unknown"),
        (None, "unknown"),
        (["correct"], "unknown"),
        ({"outcome": "correct"}, "unknown"),
    ],
)
def test_classify(student, outcome, expected):
    assert student.classify(outcome) == expected
