"""p1_promotion.repair — YOUR regression tests for promotion.py (student-owned).

The lock stage runs this file against the reference solution, where every test must pass,
and against several plausible wrong committees (one of them is in
exercises/p1_promotion/chaffs/), where at least one test must fail. You earn the lock points
for the fraction of wrong versions your tests catch, and none if a test fails on a correct
solution.

Run:  python -m pytest exercises/p1_promotion/tests/test_regression.py -q
Reach your code only through the ``student`` fixture, with JSON values (the grader calls
your functions in a separate process).
"""

from __future__ import annotations


def eval_manifest() -> dict:
    return {
        "kind": "eval",
        "dataset_fingerprint": "sha256:" + "a" * 64,
        "scorer_name": "strict_final_int",
        "scorer_version": "1.0.0",
        "scorer_spec_fingerprint": "sha256:" + "b" * 64,
        "policy": {"id": "sim-policy-v1", "synthetic": True, "generated_by": "python data/generate.py"},
        "sampling_config": {"temperature": 0.8, "top_p": 0.95, "seed": 3077, "n": 1},
        "example_ids_fingerprint": "sha256:" + "c" * 64,
    }


def test_identical_manifests_have_no_differences(student):
    assert student.differences(eval_manifest(), eval_manifest()) == []


# TODO(p1_promotion.repair): add one test per way a committee can be fooled — start with the
#   public chaff (a better policy scored by a more lenient scorer), then each trap of your
#   memo, the delta rule (min_delta, the intervals, a regression), the sampling conditions, a
#   bandit whose seed or two settings changed, one that unlearned, a policy nobody recorded.
#   Assert the loop and the variable, not only the decision. Each test must pass on a correct
#   promotion.py — judged by the lock stage (README, Repair).
