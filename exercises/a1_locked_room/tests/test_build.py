"""a1_locked_room.build — visible tests for locked_room.py.

Run them from the repository root:  python -m pytest exercises/a1_locked_room/tests -q
Every call goes through the ``student`` fixture with JSON values only.
"""

from __future__ import annotations

import pytest

FP_DATA = "sha256:" + "d" * 64
FP_OTHER_DATA = "sha256:" + "e" * 64


def manifest(**overrides: object) -> dict:
    """A manifest shaped like the ones course.eval writes, with the Locked Room fields set."""
    m = {
        "producer": "rl-foundations-llm",
        "kind": "eval",
        "created_utc": "2025-01-01T00:00:00Z",
        "command": ["python", "-m", "course.eval", "--dataset", "data/datasets/math_dev.jsonl"],
        "args": {"dataset": "data/datasets/math_dev.jsonl", "completions": "data/rollouts/frozen_rollouts_dev.jsonl"},
        "dataset_fingerprint": FP_DATA,
        "scorer_name": "strict_final_int",
        "scorer_version": "1.0.0",
        "scorer_spec_fingerprint": "sha256:" + "5" * 64,
        "sampling_config": {"policy": "sim-policy-v1", "temperature": 0.8, "top_p": 0.95, "seed": 3000, "n": 1},
        "example_ids_fingerprint": "sha256:" + "1" * 64,
    }
    m.update(overrides)
    return m


# --- Task 1: classify ------------------------------------------------------------------------


@pytest.mark.points(2)
def test_classify_correct_is_pass(student):
    assert student.classify("correct") == "pass"


@pytest.mark.points(2)
def test_classify_wrong_answer_is_model_math(student):
    assert student.classify("wrong_answer") == "model_math"


@pytest.mark.points(3)
@pytest.mark.parametrize("outcome", ["missing_final", "extra_text", "leading_zero", "bad_prefix", "empty_output"])
def test_classify_format_failures_are_model_format(student, outcome):
    assert student.classify(outcome) == "model_format"


@pytest.mark.points(3)
@pytest.mark.parametrize("outcome", ["invalid_example", "missing_completion"])
def test_classify_data_problems_are_data_invalid(student, outcome):
    assert student.classify(outcome) == "data_invalid"


@pytest.mark.points(3)
@pytest.mark.parametrize("outcome", ["banana", "", "Correct"])
def test_classify_anything_else_is_unknown(student, outcome):
    assert student.classify(outcome) == "unknown"


@pytest.mark.points(3)
def test_classify_never_raises_on_non_strings(student):
    assert student.classify(None) == "unknown"


# --- Task 2: locked_room_violations ----------------------------------------------------------


@pytest.mark.points(3)
def test_violations_identical_manifests_have_none(student):
    assert student.locked_room_violations(manifest(), manifest()) == []


@pytest.mark.points(3)
def test_violations_changed_dataset_is_named(student):
    assert student.locked_room_violations(manifest(), manifest(dataset_fingerprint=FP_OTHER_DATA)) == ["dataset_fingerprint"]


@pytest.mark.points(3)
def test_violations_changed_scorer_version_is_named(student):
    assert student.locked_room_violations(manifest(), manifest(scorer_version="1.1.0")) == ["scorer_version"]


@pytest.mark.points(3)
def test_violations_are_sorted(student):
    other = manifest(dataset_fingerprint=FP_OTHER_DATA, scorer_name="weak_contains", sampling_config={"policy": "other"})
    assert student.locked_room_violations(manifest(), other) == ["dataset_fingerprint", "sampling_config", "scorer_name"]


@pytest.mark.points(3)
def test_violations_ignore_run_bookkeeping(student):
    """Times, commands and argument paths are not experimental conditions."""
    other = manifest(created_utc="2031-12-31T23:59:59Z", command=["python", "-m", "course.eval"], args={"dataset": "copy.jsonl"})
    assert student.locked_room_violations(manifest(), other) == []


@pytest.mark.points(3)
def test_violations_missing_field_differs_from_present(student):
    without = manifest()
    del without["sampling_config"]
    assert student.locked_room_violations(manifest(), without) == ["sampling_config"]

