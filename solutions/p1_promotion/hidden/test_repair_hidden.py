"""p1_promotion.repair — hidden tests: the committee's edges, and the policy wherever a manifest records it."""

from __future__ import annotations

import copy

import pytest


def eval_manifest(**changes) -> dict:
    manifest = {
        "kind": "eval", "dataset_fingerprint": "sha256:" + "a" * 64, "scorer_name": "strict_final_int", "scorer_version": "1.0.0",
        "scorer_spec_fingerprint": "sha256:" + "b" * 64, "example_ids_fingerprint": "sha256:" + "c" * 64,
        "policy": {"id": "sim-policy-v1"}, "sampling_config": {"temperature": 0.8, "top_p": 0.95, "seed": 3077, "n": 1},
    }
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = manifest
        for part in parents:
            target = target[part]
        target[last] = value
    return copy.deepcopy(manifest)


def with_policy(policy: dict | None, **changes) -> dict:
    """An eval manifest whose top-level ``policy`` is ``policy``."""
    return {**eval_manifest(**changes), "policy": policy}


def before_the_split(policy: str, **changes) -> dict:
    """A manifest written before the policy had its own field: ``sampling_config.policy``, a name."""
    manifest = eval_manifest(**changes)
    del manifest["policy"]
    manifest["sampling_config"]["policy"] = policy
    return manifest


def rates(baseline: tuple[float, float, float], candidate: tuple[float, float, float]) -> dict:
    return {role: {"pass_rate": p, "pass_rate_ci95": {"low": lo, "high": hi}} for role, (p, lo, hi) in (("baseline", baseline), ("candidate", candidate))}


CLEAR = rates((0.40, 0.32, 0.49), (0.70, 0.61, 0.77))
V1 = {"model": "m-1", "weights_fingerprint": "sha256:" + "1" * 64}
V2 = {"model": "m-2", "weights_fingerprint": "sha256:" + "2" * 64}


@pytest.mark.points(3)
def test_repair_a_policy_of_several_parts_is_one_variable(student):
    out = student.promotion_decision(with_policy(V1), with_policy(V2), CLEAR)
    assert (out["decision"], out["loop"], out["variable"]) == ("PROMOTE", "C", "policy"), "model and weights are parts of one policy"
    assert (out["baseline_value"], out["candidate_value"]) == (V1, V2)
    out = student.promotion_decision(before_the_split("sim-policy-v1"), before_the_split("sim-policy-v2"), CLEAR)
    assert (out["decision"], out["variable"], out["candidate_value"]) == ("PROMOTE", "sampling_config.policy", "sim-policy-v2"), "an older manifest"


@pytest.mark.points(2)
def test_repair_a_new_policy_still_needs_the_same_sampling(student):
    out = student.promotion_decision(with_policy(V1), with_policy(V2, sampling_config__top_p=0.5), CLEAR)
    assert (out["decision"], out["loop"], out["variable"]) == ("REJECT", "A", "sampling_config.top_p")


@pytest.mark.points(2)
def test_repair_differences_descend_into_the_policy(student):
    fields = [d["field"] for d in student.differences(with_policy(V1), with_policy(V2))]
    assert fields == ["policy.model", "policy.weights_fingerprint"]


@pytest.mark.points(2)
def test_repair_lists_compare_whole(student):
    a, b = eval_manifest(sampling_config__stop=["\n", "Q:"]), eval_manifest(sampling_config__stop=["\n"])
    assert student.differences(a, b) == [{"field": "sampling_config.stop", "baseline": ["\n", "Q:"], "candidate": ["\n"]}]


@pytest.mark.points(3)
def test_repair_a_candidate_with_an_unknown_policy_is_not_credited(student):
    out = student.promotion_decision(eval_manifest(), eval_manifest(policy__id="unknown"), CLEAR)
    assert (out["decision"], out["loop"], out["comparable"]) == ("REJECT", None, False), "'unknown' is not a policy anyone can ship"
    out = student.promotion_decision(before_the_split("sim-policy-v1"), before_the_split("unknown"), CLEAR)
    assert (out["decision"], out["loop"], out["comparable"]) == ("REJECT", None, False), "nor in an older manifest"


@pytest.mark.points(2)
def test_repair_a_missing_policy_is_not_credited(student):
    out = student.promotion_decision(with_policy(V1), with_policy(None), CLEAR)
    assert (out["decision"], out["loop"]) == ("REJECT", None)


@pytest.mark.points(2)
def test_repair_a_gain_of_exactly_min_delta_is_promoted(student):
    """0.60 - 0.55 is 0.04999999999999993 in floating point: the bar is met."""
    summaries = rates((0.55, 0.50, 0.58), (0.60, 0.59, 0.62))
    out = student.promotion_decision(eval_manifest(), eval_manifest(policy__id="v2"), summaries, min_delta=0.05)
    assert out["decision"] == "PROMOTE"


@pytest.mark.points(2)
def test_repair_touching_intervals_overlap(student):
    summaries = rates((0.40, 0.32, 0.49), (0.60, 0.49, 0.70))
    assert student.promotion_decision(eval_manifest(), eval_manifest(policy__id="v2"), summaries)["decision"] == "REJECT"


@pytest.mark.points(2)
def test_repair_nothing_changed_is_nothing_to_promote(student):
    out = student.promotion_decision(eval_manifest(), eval_manifest(), CLEAR)
    assert (out["decision"], out["loop"], out["variable"], out["comparable"]) == ("REJECT", None, None, False)


@pytest.mark.points(2)
def test_repair_a_missing_id_fingerprint_is_a_difference(student):
    candidate = eval_manifest(policy__id="v2")
    del candidate["example_ids_fingerprint"]
    out = student.promotion_decision(eval_manifest(), candidate, CLEAR)
    assert (out["decision"], out["loop"], out["variable"]) == ("REJECT", "A", "example_ids_fingerprint")


@pytest.mark.points(2)
def test_repair_measurement_comes_before_sampling(student):
    candidate = eval_manifest(dataset_fingerprint="sha256:" + "d" * 64, sampling_config__temperature=0.1, scorer_version="1.1.0")
    out = student.promotion_decision(eval_manifest(), candidate, CLEAR)
    assert (out["loop"], out["variable"]) == ("A", "dataset_fingerprint"), "the first MEASUREMENT_FIELDS entry that differs"


@pytest.mark.points(2)
def test_repair_a_changed_condition_comes_before_selection(student):
    a = eval_manifest(kind="selection", sampling_config__n_used=1, sampling_config__selector="oracle")
    b = eval_manifest(kind="selection", sampling_config__n_used=4, sampling_config__selector="oracle", sampling_config__seed=1)
    assert student.promotion_decision(a, b, CLEAR)["variable"] == "sampling_config.seed"


@pytest.mark.points(2)
def test_repair_selection_and_a_new_policy_at_once_is_selection(student):
    a = eval_manifest(kind="selection", sampling_config__n_used=1, sampling_config__selector="oracle")
    b = eval_manifest(kind="selection", sampling_config__n_used=4, sampling_config__selector="oracle", policy__id="v2")
    out = student.promotion_decision(a, b, CLEAR)
    assert (out["decision"], out["loop"], out["variable"]) == ("REJECT", "B", "sampling_config.n_used")


@pytest.mark.points(2)
def test_repair_a_bandit_must_move_by_more_than_the_margin(student):
    a = {"kind": "bandit", "sampling_config": {"environment": "bernoulli_bandit", "seed": 0, "steps": 30, "lr": 0.1, "baseline": True}}
    b = copy.deepcopy(a)
    b["sampling_config"]["lr"] = 0.2
    summaries = {"baseline": {"p_best_start": 0.2, "p_best_end": 0.2}, "candidate": {"p_best_start": 0.2, "p_best_end": 0.25}}
    assert student.promotion_decision(a, b, summaries, min_delta=0.01)["decision"] == "REJECT", "moved by 0.05: not more than VERDICT_MARGIN"
