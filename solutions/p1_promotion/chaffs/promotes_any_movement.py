"""Chaff for p1_promotion: asks whether P(best arm) moved, not which way.

Mistake: a bandit whose P(best arm) changed by more than VERDICT_MARGIN in either direction
counts as having learned, so a candidate that unlearned (negative lr), but less than the
baseline did, is promoted.
"""

from __future__ import annotations

from typing import Any

# Manifest keys that say when, how and where a run was made, not under which conditions.
VOLATILE = ("producer", "created_utc", "command", "args", "inputs", "environment", "artifacts")

# Loop A: the instrument and the data (the gate's Locked Room, less sampling_config).
MEASUREMENT_FIELDS = ("kind", "dataset_fingerprint", "scorer_name", "scorer_version", "scorer_spec_fingerprint", "example_ids_fingerprint")

# Loop B: sampling_config keys a selection run adds (best-of-N and how it picks).
SELECTION_KEYS = ("n_used", "selector")

# Loop C on a bandit: sampling_config keys that change how the policy is trained.
TRAINING_KEYS = ("lr", "baseline", "steps")

MIN_DELTA = 0.05  # the smallest gain worth promoting (pass rate, or P(best arm))
VERDICT_MARGIN = 0.05  # a bandit's P(best arm) must rise by more than this (course_core.learning.bandit_run)
UNRECORDED = (None, "unknown")  # no policy, or the name the kit gives one nobody recorded (alone, or as a record's "id")
_EPS = 1e-12  # pass-rate differences are ratios of small integers: absorb float noise only


# =============================================================================================
# Worked example: where the policy under test is recorded
# =============================================================================================
#
# The kit records the policy under test apart from the sampling configuration, in the
# manifest's top-level "policy": a record such as {"id": "sim-policy-v1", "synthetic": true,
# ...} for frozen rollouts, or the model and its weights for sampled ones. Manifests written
# before that split kept it inside sampling_config (sampling_config.policy, a name).


def policy_of(manifest: dict) -> list:
    """``[field, value]``: where this manifest records the policy under test, and what it says."""
    if "policy" in manifest:
        return ["policy", manifest["policy"]]
    return ["sampling_config.policy", (manifest.get("sampling_config") or {}).get("policy")]


# =============================================================================================
# p1_promotion.build — Task 1: what changed between two manifests
# =============================================================================================


def _leaves(a: Any, b: Any, path: str, out: list[dict]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            missing = key not in a or key not in b
            if missing or a[key] != b[key]:
                if missing:
                    out.append({"field": f"{path}.{key}", "baseline": a.get(key), "candidate": b.get(key)})
                else:
                    _leaves(a[key], b[key], f"{path}.{key}", out)
    else:
        out.append({"field": path, "baseline": a, "candidate": b})


def differences(baseline_manifest: dict, candidate_manifest: dict) -> list[dict]:
    """Every condition that differs, as ``{"field", "baseline", "candidate"}``, sorted by field.

    Fields are dotted paths to the innermost differing value ("sampling_config.n_used");
    VOLATILE keys are ignored; a key present on one side only differs (None on the other).
    """
    out: list[dict] = []
    for key in sorted(set(baseline_manifest) | set(candidate_manifest)):
        if key in VOLATILE:
            continue
        a, b = baseline_manifest.get(key), candidate_manifest.get(key)
        if key not in baseline_manifest or key not in candidate_manifest:
            out.append({"field": key, "baseline": a, "candidate": b})
        elif a != b:
            _leaves(a, b, key, out)
    return sorted(out, key=lambda d: d["field"])


# =============================================================================================
# p1_promotion.build — Task 2: the committee's decision
# =============================================================================================


def _decision(decision: str, loop: str | None, diff: dict | None, comparable: bool, reason: str) -> dict:
    return {
        "decision": decision,
        "loop": loop,
        "variable": diff["field"] if diff else None,
        "baseline_value": diff["baseline"] if diff else None,
        "candidate_value": diff["candidate"] if diff else None,
        "comparable": comparable,
        "reason": reason,
    }


def _key(diff: dict) -> str:
    return diff["field"].removeprefix("sampling_config.")


def _delta_rule(kind: str, diff: dict, summaries: dict, min_delta: float) -> dict:
    base, cand = summaries["baseline"], summaries["candidate"]
    if kind == "bandit":
        moved = abs(cand["p_best_end"] - cand["p_best_start"])
        gain = cand["p_best_end"] - base["p_best_end"]
        if moved <= VERDICT_MARGIN:
            return _decision("REJECT", "C", diff, True, f"P(best arm) moved by {moved:+.3f} in training: not more than {VERDICT_MARGIN}")
        what = "P(best arm)"
    else:
        gain = cand["pass_rate"] - base["pass_rate"]
        what = "pass rate"
    if gain < min_delta - _EPS:
        return _decision("REJECT", "C", diff, True, f"{what} gain {gain:+.4f} is below min_delta {min_delta}")
    if kind != "bandit" and cand["pass_rate_ci95"]["low"] <= base["pass_rate_ci95"]["high"]:
        return _decision("REJECT", "C", diff, True, f"{what} gain {gain:+.4f}, but the 95% intervals overlap: it may be noise")
    return _decision("PROMOTE", "C", diff, True, f"{diff['field']} alone changed and {what} rose by {gain:+.4f}")


def _whole_policy(diffs: list[dict], baseline: dict, candidate: dict, field: str | None) -> list[dict]:
    """The policy is one variable however many of its parts differ: one diff for all of them."""
    inside = [d for d in diffs if field and (d["field"] == field or d["field"].startswith(field + "."))]
    if not inside:
        return diffs
    whole = {"field": field, "baseline": policy_of(baseline)[1], "candidate": policy_of(candidate)[1]}
    return [d for d in diffs if d not in inside] + [whole]


def _unrecorded(policy: Any) -> bool:
    """None, ``"unknown"``, or ``{"id": "unknown", ...}`` (what the kit records for rollouts without a sidecar)."""
    return policy in UNRECORDED or (isinstance(policy, dict) and policy.get("id") == "unknown")


def promotion_decision(baseline_manifest: dict, candidate_manifest: dict, summaries: dict, min_delta: float = MIN_DELTA) -> dict:
    """The committee's decision on a candidate run against a baseline run.

    ``summaries`` is ``{"baseline": summary.json, "candidate": summary.json}``. Returns
    ``{"decision": "PROMOTE" | "REJECT", "loop": "A" | "B" | "C" | None, "variable",
    "baseline_value", "candidate_value", "comparable", "reason"}``.
    """
    diffs = differences(baseline_manifest, candidate_manifest)
    kind = baseline_manifest.get("kind")
    policy_field = policy_of(baseline_manifest)[0] if kind != "bandit" else None
    measured = [d for d in diffs if d["field"] in MEASUREMENT_FIELDS]
    if measured:
        first = min(measured, key=lambda d: MEASUREMENT_FIELDS.index(d["field"]))
        return _decision("REJECT", "A", first, False, f"{first['field']} differs: the instrument or the data changed, not the policy")
    diffs = _whole_policy(diffs, baseline_manifest, candidate_manifest, policy_field)
    learning = [d for d in diffs if d["field"] == policy_field or (kind == "bandit" and _key(d) in TRAINING_KEYS)]
    selection = [d for d in diffs if kind != "bandit" and d["field"].startswith("sampling_config.") and _key(d) in SELECTION_KEYS]
    conditions = [d for d in diffs if d not in learning and d not in selection]
    if conditions:
        first = conditions[0]
        return _decision("REJECT", "A", first, False, f"{first['field']} differs: a measurement condition changed")
    if selection:
        first = selection[0]
        return _decision("REJECT", "B", first, False, f"{first['field']} differs: selection over the same distribution, not learning")
    if kind != "bandit":
        policies = (policy_of(baseline_manifest)[1], policy_of(candidate_manifest)[1])
        if any(_unrecorded(p) for p in policies):
            return _decision("REJECT", None, learning[0] if learning else None, False, "the policy under test is not recorded: nothing can be attributed to it")
    if not learning:
        return _decision("REJECT", None, None, False, "no condition differs: there is no variable to credit")
    if len(learning) > 1:
        fields = ", ".join(d["field"] for d in learning)
        return _decision("REJECT", "C", None, False, f"{fields} changed at once: the gain cannot be attributed to one variable")
    return _delta_rule(kind, learning[0], summaries, min_delta)


__all__ = [
    "MEASUREMENT_FIELDS", "MIN_DELTA", "SELECTION_KEYS", "TRAINING_KEYS", "UNRECORDED", "VERDICT_MARGIN", "VOLATILE",
    "differences", "policy_of", "promotion_decision",
]
