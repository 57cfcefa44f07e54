"""p1_promotion — an exemplary tests/test_regression.py (instructor-only).

One test per way a committee can be fooled, each asserting the loop and the variable as well
as the decision. The kit's meta-tests check that it passes on the reference solution and fails
on every chaff (public and hidden).
"""

from __future__ import annotations

def eval_manifest(policy: str = "sim-policy-v1", **sampling) -> dict:
    manifest = {
        "kind": "eval", "dataset_fingerprint": "sha256:" + "a" * 64, "scorer_name": "strict_final_int", "scorer_version": "1.0.0",
        "scorer_spec_fingerprint": "sha256:" + "b" * 64, "example_ids_fingerprint": "sha256:" + "c" * 64,
        "policy": {"id": policy, "synthetic": True}, "sampling_config": {"temperature": 0.8, "top_p": 0.95, "seed": 3077, "n": 1},
    }
    manifest["sampling_config"].update(sampling)
    return manifest


def bandit_manifest(**sampling) -> dict:
    manifest = {"kind": "bandit", "dataset_fingerprint": None, "scorer_name": None, "scorer_version": None, "scorer_spec_fingerprint": None,
                "sampling_config": {"environment": "bernoulli_bandit", "arms": [0.2, 0.5, 0.8], "seed": 0, "steps": 30,
                                    "lr": 0.0, "baseline": True, "policy": "softmax", "runs": 1}}
    manifest["sampling_config"].update(sampling)
    return manifest


def rates(baseline, candidate) -> dict:
    return {role: {"pass_rate": p, "pass_rate_ci95": {"low": lo, "high": hi}} for role, (p, lo, hi) in (("baseline", baseline), ("candidate", candidate))}


def bandits(baseline, candidate) -> dict:
    return {role: {"p_best_start": s, "p_best_end": e} for role, (s, e) in (("baseline", baseline), ("candidate", candidate))}


CLEAR = rates((0.40, 0.32, 0.49), (0.70, 0.61, 0.77))


def core(out: dict) -> tuple:
    return out["decision"], out["loop"], out["variable"]


def test_differences_name_the_innermost_value(student):
    assert student.differences(eval_manifest(n_used=1), eval_manifest(n_used=4)) == [{"field": "sampling_config.n_used", "baseline": 1, "candidate": 4}]


def test_a_new_policy_with_a_lenient_scorer_is_refused(student):
    candidate = eval_manifest(policy="v2")
    candidate["scorer_name"], candidate["scorer_spec_fingerprint"] = "weak_contains", "sha256:" + "e" * 64
    assert core(student.promotion_decision(eval_manifest(), candidate, CLEAR)) == ("REJECT", "A", "scorer_name")


def test_best_of_4_is_selection(student):
    a, b = eval_manifest(n_used=1, selector="oracle"), eval_manifest(n_used=4, selector="oracle")
    a["kind"] = b["kind"] = "selection"
    assert core(student.promotion_decision(a, b, CLEAR)) == ("REJECT", "B", "sampling_config.n_used")


def test_a_clear_policy_gain_is_promoted(student):
    assert core(student.promotion_decision(eval_manifest(), eval_manifest(policy="v2"), CLEAR)) == ("PROMOTE", "C", "policy")


def test_overlapping_intervals_are_not_promoted(student):
    out = student.promotion_decision(eval_manifest(), eval_manifest(policy="v2"), rates((0.50, 0.41, 0.59), (0.58, 0.49, 0.66)))
    assert out["decision"] == "REJECT"


def test_a_gain_below_min_delta_is_not_promoted(student):
    assert student.promotion_decision(eval_manifest(), eval_manifest(policy="v2"), CLEAR, min_delta=0.35)["decision"] == "REJECT"


def test_a_clear_regression_is_not_promoted(student):
    worse = rates((0.70, 0.61, 0.77), (0.40, 0.32, 0.49))
    assert student.promotion_decision(eval_manifest(), eval_manifest(policy="v2"), worse)["decision"] == "REJECT"


def test_a_new_policy_at_another_temperature_is_refused(student):
    out = student.promotion_decision(eval_manifest(), eval_manifest(policy="v2", temperature=1.0), CLEAR)
    assert core(out) == ("REJECT", "A", "sampling_config.temperature")


def test_an_unknown_policy_is_not_credited(student):
    out = student.promotion_decision(eval_manifest(), eval_manifest(policy="unknown"), CLEAR)
    assert (out["decision"], out["loop"]) == ("REJECT", None)


def test_a_bandit_that_learned_is_promoted(student):
    out = student.promotion_decision(bandit_manifest(), bandit_manifest(lr=0.5), bandits((1 / 3, 1 / 3), (1 / 3, 0.834)))
    assert core(out) == ("PROMOTE", "C", "sampling_config.lr")


def test_a_bandit_seed_change_is_a_condition(student):
    out = student.promotion_decision(bandit_manifest(), bandit_manifest(lr=0.5, seed=1), bandits((1 / 3, 1 / 3), (1 / 3, 0.856)))
    assert core(out) == ("REJECT", "A", "sampling_config.seed")


def test_two_training_changes_are_not_attributable(student):
    out = student.promotion_decision(bandit_manifest(), bandit_manifest(lr=0.5, steps=60), bandits((1 / 3, 1 / 3), (1 / 3, 0.959)))
    assert (out["decision"], out["variable"], out["comparable"]) == ("REJECT", None, False)


def test_unlearning_less_is_not_learning(student):
    out = student.promotion_decision(bandit_manifest(lr=-1.0), bandit_manifest(lr=-0.5), bandits((1 / 3, 0.061), (1 / 3, 0.112)), min_delta=0.02)
    assert out["decision"] == "REJECT"

