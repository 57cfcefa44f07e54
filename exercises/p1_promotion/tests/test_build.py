"""p1_promotion.build — visible tests for promotion.py.

Run them from the repository root:  python -m pytest exercises/p1_promotion/tests -q
Every call goes through the ``student`` fixture with JSON values only. The manifests below
have the shape the kit's instruments write (only the fields the committee reads).
"""

from __future__ import annotations

import copy

import pytest

KEYS = {"decision", "loop", "variable", "baseline_value", "candidate_value", "comparable", "reason"}
V1 = {"id": "sim-policy-v1", "synthetic": True, "generated_by": "python data/generate.py"}  # as the frozen sidecar names it


def eval_manifest(**changes) -> dict:
    """An eval manifest; ``changes`` maps a field to its new value (``a__b`` for a["b"])."""
    manifest = {
        "producer": "rl-foundations-llm", "kind": "eval", "created_utc": "2026-01-01T00:00:00Z",
        "command": ["python", "-m", "course.eval"], "args": {"outdir": "runs/a"},
        "dataset_fingerprint": "sha256:" + "a" * 64, "scorer_name": "strict_final_int", "scorer_version": "1.0.0",
        "scorer_spec_fingerprint": "sha256:" + "b" * 64, "policy": dict(V1),
        "sampling_config": {"temperature": 0.8, "top_p": 0.95, "seed": 3077, "n": 1},
        "inputs": [], "environment": {"python": "3.11"}, "artifacts": ["manifest.json"],
        "example_ids_fingerprint": "sha256:" + "c" * 64,
    }
    return changed(manifest, changes)


def bandit_manifest(**changes) -> dict:
    manifest = {
        "producer": "rl-foundations-llm", "kind": "bandit", "created_utc": "2026-01-01T00:00:00Z", "command": [], "args": {},
        "dataset_fingerprint": None, "scorer_name": None, "scorer_version": None, "scorer_spec_fingerprint": None,
        "sampling_config": {"environment": "bernoulli_bandit", "arms": [0.2, 0.5, 0.8], "seed": 0, "steps": 30,
                            "lr": 0.0, "baseline": True, "policy": "softmax", "runs": 1},
        "inputs": [], "environment": {}, "artifacts": ["manifest.json"],
    }
    return changed(manifest, changes)


def changed(manifest: dict, changes: dict) -> dict:
    out = copy.deepcopy(manifest)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = out
        for part in parents:
            target = target[part]
        target[last] = value
    return out


def rates(baseline: tuple[float, float, float], candidate: tuple[float, float, float]) -> dict:
    """Summaries from (pass_rate, ci_low, ci_high) of each run."""
    return {role: {"pass_rate": p, "pass_rate_ci95": {"low": lo, "high": hi}} for role, (p, lo, hi) in (("baseline", baseline), ("candidate", candidate))}


def bandits(baseline: tuple[float, float], candidate: tuple[float, float]) -> dict:
    """Summaries from (p_best_start, p_best_end) of each run."""
    return {role: {"p_best_start": s, "p_best_end": e} for role, (s, e) in (("baseline", baseline), ("candidate", candidate))}


CLEAR_GAIN = rates((0.40, 0.32, 0.49), (0.70, 0.61, 0.77))


# --- Task 1: differences ---------------------------------------------------------------------


@pytest.mark.points(2)
def test_differences_of_identical_manifests_are_empty(student):
    assert student.differences(eval_manifest(), eval_manifest()) == []


@pytest.mark.points(2)
def test_differences_ignore_when_and_how_a_run_was_made(student):
    later = eval_manifest(created_utc="2026-02-02T00:00:00Z", command=["python", "other"], args={"outdir": "runs/b"},
                          environment={"python": "3.12"}, inputs=[{"role": "dataset"}], artifacts=[])
    assert student.differences(eval_manifest(), later) == []


@pytest.mark.points(3)
def test_differences_name_the_innermost_value(student):
    a, b = eval_manifest(sampling_config__n_used=1), eval_manifest(sampling_config__n_used=4)
    assert student.differences(a, b) == [{"field": "sampling_config.n_used", "baseline": 1, "candidate": 4}]


@pytest.mark.points(2)
def test_differences_are_sorted_by_field(student):
    a = eval_manifest()
    b = eval_manifest(scorer_name="weak_contains", dataset_fingerprint="sha256:" + "d" * 64, sampling_config__temperature=1.0)
    assert [d["field"] for d in student.differences(a, b)] == ["dataset_fingerprint", "sampling_config.temperature", "scorer_name"]


@pytest.mark.points(2)
def test_differences_a_field_on_one_side_only(student):
    a = eval_manifest()
    b = eval_manifest()
    del b["example_ids_fingerprint"]
    assert student.differences(a, b) == [{"field": "example_ids_fingerprint", "baseline": "sha256:" + "c" * 64, "candidate": None}]


# --- Task 2: promotion_decision --------------------------------------------------------------


@pytest.mark.points(3)
def test_decision_rejects_a_scorer_change_whatever_the_gain(student):
    out = student.promotion_decision(eval_manifest(), eval_manifest(scorer_name="weak_contains"), CLEAR_GAIN)
    assert (out["decision"], out["loop"], out["variable"]) == ("REJECT", "A", "scorer_name")
    assert (out["baseline_value"], out["candidate_value"], out["comparable"]) == ("strict_final_int", "weak_contains", False)


@pytest.mark.points(3)
def test_decision_rejects_best_of_n_as_selection(student):
    a = eval_manifest(kind="selection", sampling_config__n_used=1, sampling_config__selector="oracle")
    b = eval_manifest(kind="selection", sampling_config__n_used=4, sampling_config__selector="oracle")
    out = student.promotion_decision(a, b, CLEAR_GAIN)
    assert (out["decision"], out["loop"], out["variable"], out["baseline_value"], out["candidate_value"]) == ("REJECT", "B", "sampling_config.n_used", 1, 4)


@pytest.mark.points(3)
def test_decision_rejects_a_changed_sampling_condition(student):
    out = student.promotion_decision(eval_manifest(), eval_manifest(sampling_config__temperature=0.2), CLEAR_GAIN)
    assert (out["decision"], out["loop"], out["variable"]) == ("REJECT", "A", "sampling_config.temperature")


@pytest.mark.points(3)
def test_decision_promotes_a_new_policy_that_clears_the_bar(student):
    out = student.promotion_decision(eval_manifest(), eval_manifest(policy__id="sim-policy-v2"), CLEAR_GAIN)
    assert (out["decision"], out["loop"], out["variable"], out["comparable"]) == ("PROMOTE", "C", "policy", True)
    assert (out["baseline_value"], out["candidate_value"]) == (V1, {**V1, "id": "sim-policy-v2"}), "the whole policy record, each side"


@pytest.mark.points(3)
def test_decision_rejects_a_gain_below_min_delta(student):
    summaries = rates((0.40, 0.32, 0.49), (0.70, 0.61, 0.77))
    out = student.promotion_decision(eval_manifest(), eval_manifest(policy__id="sim-policy-v2"), summaries, min_delta=0.35)
    assert (out["decision"], out["loop"], out["comparable"]) == ("REJECT", "C", True)


@pytest.mark.points(3)
def test_decision_rejects_a_gain_inside_the_noise(student):
    summaries = rates((0.50, 0.41, 0.59), (0.58, 0.49, 0.66))
    out = student.promotion_decision(eval_manifest(), eval_manifest(policy__id="sim-policy-v2"), summaries)
    assert (out["decision"], out["loop"], out["comparable"]) == ("REJECT", "C", True)


@pytest.mark.points(3)
def test_decision_promotes_a_bandit_that_learned(student):
    out = student.promotion_decision(bandit_manifest(), bandit_manifest(sampling_config__lr=0.5), bandits((1 / 3, 1 / 3), (1 / 3, 0.834)))
    assert (out["decision"], out["loop"], out["variable"], out["baseline_value"], out["candidate_value"]) == ("PROMOTE", "C", "sampling_config.lr", 0.0, 0.5)


@pytest.mark.points(2)
def test_decision_has_exactly_the_committee_keys(student):
    for a, b, s in ((eval_manifest(), eval_manifest(), CLEAR_GAIN), (bandit_manifest(), bandit_manifest(sampling_config__lr=0.5), bandits((0.3, 0.3), (0.3, 0.9)))):
        out = student.promotion_decision(a, b, s)
        assert set(out) == KEYS and isinstance(out["reason"], str) and out["reason"]
