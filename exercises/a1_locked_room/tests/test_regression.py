"""a1_locked_room.repair — YOUR regression tests for locked_room.py (student-owned).

The lock stage runs this file against the reference solution, where every test must pass,
and against several plausible wrong versions of locked_room.py (one of them is in
exercises/a1_locked_room/chaffs/), where at least one test must fail. You earn the lock
points for the fraction of wrong versions your tests catch, and none if a test fails on a
correct solution.

Run:  python -m pytest exercises/a1_locked_room/tests/test_regression.py -q
Reach your code only through the ``student`` fixture, with JSON values (the grader calls
your functions in a separate process).
"""

from __future__ import annotations


def base_manifest() -> dict:
    return {
        "dataset_fingerprint": "sha256:" + "a" * 64,
        "scorer_name": "strict_final_int",
        "scorer_version": "1.0.0",
        "scorer_spec_fingerprint": "sha256:" + "b" * 64,
        "sampling_config": {"policy": "sim-policy-v1", "temperature": 0.8, "top_p": 0.95, "seed": 3000, "n": 1},
        "example_ids_fingerprint": "sha256:" + "c" * 64,
    }


def test_identical_manifests_have_no_violations(student):
    assert student.locked_room_violations(base_manifest(), base_manifest()) == []


# TODO(a1_locked_room.repair): add one test per mistake you can imagine someone making in
#   classify and locked_room_violations (start with the public chaff, then think about each
#   Locked Room field, missing fields, key order, values that are not strings). Each test
#   must pass on a correct locked_room.py — judged by the lock stage (README, Repair).
