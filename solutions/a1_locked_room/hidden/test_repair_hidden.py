"""a1_locked_room.repair — hidden tests: the mistakes that make a Locked Room leak.

The last tests build real run directories with the kit's own eval in a temporary folder and
check that the student's function agrees with the kit's gate on their manifests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_core.measurement.gate import locked_room_violations as kit_violations


def manifest(**overrides: object) -> dict:
    m = {
        "kind": "eval",
        "args": {"dataset": "data/datasets/math_dev.jsonl", "completions": "data/rollouts/frozen_rollouts_dev.jsonl"},
        "inputs": [
            {"role": "dataset", "path": "data/datasets/math_dev.jsonl", "sha256": "sha256:" + "0" * 64, "bytes": 10, "records": 1},
            {"role": "completions", "path": "data/rollouts/frozen_rollouts_dev.jsonl", "sha256": "sha256:" + "3" * 64, "bytes": 10, "records": 1},
        ],
        "dataset_fingerprint": "sha256:" + "0" * 64,
        "scorer_name": "strict_final_int",
        "scorer_version": "1.0.0",
        "scorer_spec_fingerprint": "sha256:" + "1" * 64,
        "sampling_config": {"policy": "sim-policy-v1", "temperature": 0.8, "top_p": 0.95, "seed": 7, "n": 1},
        "example_ids_fingerprint": "sha256:" + "2" * 64,
    }
    m.update(overrides)
    return m


def moved_dataset(m: dict, path: str) -> dict:
    m = json.loads(json.dumps(m))
    m["args"]["dataset"] = path
    m["inputs"][0]["path"] = path
    return m


@pytest.mark.points(3)
def test_repair_scorer_version_change_breaks_the_room(student):
    assert student.locked_room_violations(manifest(), manifest(scorer_version="1.0.1")) == ["scorer_version"], "a new version of the same scorer is a different instrument"


@pytest.mark.points(3)
def test_repair_dataset_edited_in_place_is_caught(student):
    """Same path, different bytes: only the fingerprint can tell."""
    edited = manifest(dataset_fingerprint="sha256:" + "f" * 64)
    edited["inputs"][0]["sha256"] = "sha256:" + "f" * 64
    assert student.locked_room_violations(manifest(), edited) == ["dataset_fingerprint"], "a dataset edited in place keeps its path, not its fingerprint"


@pytest.mark.points(3)
def test_repair_copied_dataset_is_the_same_dataset(student):
    """Another path, same bytes: not a violation."""
    assert student.locked_room_violations(manifest(), moved_dataset(manifest(), "/tmp/copy_of_math_dev.jsonl")) == [], "a copy of the same bytes under another path is the same dataset"


@pytest.mark.points(3)
def test_repair_sampling_config_key_order_does_not_matter(student):
    reordered = manifest(sampling_config={"n": 1, "seed": 7, "top_p": 0.95, "temperature": 0.8, "policy": "sim-policy-v1"})
    assert student.locked_room_violations(manifest(), reordered) == [], "the sampling configuration is a value: key order does not matter"


@pytest.mark.points(2)
def test_repair_sampling_config_value_change_is_caught(student):
    hotter = manifest(sampling_config={"policy": "sim-policy-v1", "temperature": 1.0, "top_p": 0.95, "seed": 7, "n": 1})
    assert student.locked_room_violations(manifest(), hotter) == ["sampling_config"], "one changed sampling parameter is a violation"


@pytest.mark.points(3)
@pytest.mark.parametrize("field", ["sampling_config", "scorer_version", "dataset_fingerprint"])
def test_repair_field_missing_on_either_side_is_caught(student, field):
    without = manifest()
    del without[field]
    assert student.locked_room_violations(manifest(), without) == [field], "a field missing from one manifest is a difference"
    assert student.locked_room_violations(without, manifest()) == [field], "a field missing from one manifest is a difference (either side)"


@pytest.mark.points(2)
def test_repair_several_violations_come_sorted(student):
    other = manifest(scorer_version="9", example_ids_fingerprint="sha256:" + "6" * 64, dataset_fingerprint="sha256:" + "5" * 64)
    assert student.locked_room_violations(manifest(), other) == ["dataset_fingerprint", "example_ids_fingerprint", "scorer_version"], "violations come sorted by name"


@pytest.mark.points(2)
@pytest.mark.parametrize("value", [["wrong_answer"], {"outcome": "correct"}, [], {}])
def test_repair_classify_unhashable_values_are_unknown(student, value):
    assert student.classify(value) == "unknown", "lists and dicts are unknown too, and must not crash classify"


@pytest.mark.points(2)
def test_repair_classify_not_a_string_is_a_data_problem(student):
    assert student.classify("not_a_string") == "data_invalid", "a completion that is not text is a data problem (README)"


@pytest.mark.points(2)
@pytest.mark.parametrize("code", ["contains_expected", "absent", "timeout"])
def test_repair_classify_foreign_codes_are_unknown(student, code):
    assert student.classify(code) == "unknown", "codes the strict scorer never emits are unknown"


# --- agreement with the kit's gate on manifests the kit's eval really wrote ---------------------


@pytest.fixture(scope="module")
def real_manifests(tmp_path_factory) -> dict[str, dict]:
    from course_core.measurement.evaluate import run_eval

    d = tmp_path_factory.mktemp("a1_real")
    rows = [{"id": f"q{i}", "prompt": f"What is {i}+1? Output exactly one line: Final: <int>", "expected_answer": i + 1} for i in range(3)]
    (d / "ds.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    rows[1]["expected_answer"] = 99
    (d / "ds_modified.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (d / "copy").mkdir()
    (d / "copy" / "ds.jsonl").write_bytes((d / "ds.jsonl").read_bytes())
    completions = [{"id": f"q{i}", "completion": f"Final: {i + 1}", "sum_logprob": -1.0} for i in range(3)]
    (d / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in completions), encoding="utf-8")
    runs = {
        "clean": (d / "ds.jsonl", "strict_final_int"),
        "copied": (d / "copy" / "ds.jsonl", "strict_final_int"),
        "modified": (d / "ds_modified.jsonl", "strict_final_int"),
        "weak": (d / "ds.jsonl", "weak_contains"),
    }
    out = {}
    for name, (dataset, scorer) in runs.items():
        run_eval(dataset, d / "c.jsonl", d / "runs" / name, scorer_name=scorer, command=["test"])
        out[name] = json.loads(Path(d / "runs" / name / "manifest.json").read_text(encoding="utf-8"))
    return out


@pytest.mark.points(3)
@pytest.mark.parametrize("other", ["clean", "copied", "modified", "weak"])
def test_repair_agrees_with_the_kit_gate_on_real_runs(student, real_manifests, other):
    a, b = real_manifests["clean"], real_manifests[other]
    expected = sorted(v["field"] for v in kit_violations(a, b))
    assert student.locked_room_violations(a, b) == expected, "on manifests written by course.eval, your answer must match the kit's gate"
