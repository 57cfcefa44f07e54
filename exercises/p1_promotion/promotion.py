"""p1_promotion — The promotion committee (Level 6: all three loops).

A candidate run claims to beat a baseline run. The committee promotes it only when the claim
is comparable (inside the Locked Room) and attributable to exactly one controlled variable,
and when that variable is one that changes the policy itself:

* Loop A — the instrument or the data changed (dataset, scorer name/version/spec, example
  ids, a sampling condition such as temperature or seed): the runs are not comparable. REJECT.
* Loop B — the selection changed (``n_used``, ``selector``): the pass rate rose because more
  samples were scored, not because the distribution moved. REJECT.
* Loop C — the policy changed, and nothing else did: the delta rule decides. PROMOTE only if
  the gain reaches ``min_delta`` and clears the noise (eval/selection runs: the two 95%
  intervals do not overlap; bandit runs: P(best arm) rose by more than VERDICT_MARGIN during
  the candidate's own training).

Run the visible tests from the repository root:

    python -m pytest exercises/p1_promotion/tests -q

Every function below is called by the tests with JSON values only (dicts, lists, strings,
numbers, booleans, None) and must return JSON values.
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


# =============================================================================================
# Worked example: where the policy under test is recorded
# =============================================================================================
#
# The kit records the policy under test apart from the sampling configuration, in the
# manifest's top-level "policy": a record such as {"id": "sim-policy-v1", "synthetic": true,
# ...} for frozen rollouts, or the model and its weights for sampled ones. Manifests written
# before that split kept it inside sampling_config (sampling_config.policy, a name).
# Reading it through one function means the committee works with both.


def policy_of(manifest: dict) -> list:
    """``[field, value]``: where this manifest records the policy under test, and what it says."""
    if "policy" in manifest:
        return ["policy", manifest["policy"]]
    return ["sampling_config.policy", (manifest.get("sampling_config") or {}).get("policy")]


# =============================================================================================
# p1_promotion.build — Task 1: what changed between two manifests
# =============================================================================================
#
# The committee's first question is the gate's: which conditions differ? Unlike the gate,
# it wants the innermost value that differs ("sampling_config.n_used", not "sampling_config"),
# because the variable decides the loop.


def differences(baseline_manifest: dict, candidate_manifest: dict) -> list[dict]:
    """Every condition that differs, as ``{"field", "baseline", "candidate"}``, sorted by field.

    Fields are dotted paths to the innermost differing value ("sampling_config.n_used");
    VOLATILE keys are ignored; a key present on one side only differs (None on the other).
    """
    # TODO(p1_promotion.build): walk both manifests, descending into values that are dicts
    #   on both sides (lists and everything else compare whole) —
    #   checked by tests/test_build.py::test_differences_*
    raise NotImplementedError("p1_promotion.build: differences is a stub — see tests/test_build.py::test_differences_*")


# =============================================================================================
# p1_promotion.build — Task 2: the committee's decision
# =============================================================================================
#
# The order of the questions (each REJECT answers with the first field that caused it):
#
# 1. A MEASUREMENT_FIELDS entry differs (first in that tuple's order)    → REJECT, loop "A".
# 2. For eval/selection runs the policy (policy_of) is the variable under test; for bandit
#    runs the TRAINING_KEYS of sampling_config are. Any other difference is a changed
#    condition (first by field name)                                      → REJECT, loop "A".
# 3. eval/selection only: a SELECTION_KEYS entry of sampling_config differs → REJECT, loop "B".
# 4. eval/selection only: either policy is UNRECORDED, or is a record whose "id" is
#    "unknown" (what the kit records for rollouts without a sidecar)     → REJECT, loop None.
#    Nothing differs at all                                               → REJECT, loop None.
#    Several training keys differ at once (variable None)                 → REJECT, loop "C".
#    (The policy is one variable however many of its parts differ: the variable is the field
#    policy_of names, e.g. "policy", and its values are the two whole records.)
# 5. Exactly one variable changed (comparable: true), loop "C". The gain is candidate minus
#    baseline: pass_rate, or for bandits p_best_end. PROMOTE only if
#      - bandit: the candidate's own p_best_end - p_best_start > VERDICT_MARGIN, and
#      - gain >= min_delta (up to float noise, 1e-12), and
#      - eval/selection: candidate pass_rate_ci95.low > baseline pass_rate_ci95.high.
#
# The returned dict always has exactly these keys:
#   decision ("PROMOTE" | "REJECT"), loop ("A" | "B" | "C" | None), variable (the field, or
#   None), baseline_value, candidate_value (that field's two values, or None), comparable
#   (true only when exactly one variable under test changed), reason (one sentence).


def promotion_decision(baseline_manifest: dict, candidate_manifest: dict, summaries: dict, min_delta: float = MIN_DELTA) -> dict:
    """The committee's decision on a candidate run against a baseline run.

    ``summaries`` is ``{"baseline": summary.json, "candidate": summary.json}``. Returns
    ``{"decision": "PROMOTE" | "REJECT", "loop": "A" | "B" | "C" | None, "variable",
    "baseline_value", "candidate_value", "comparable", "reason"}``.
    """
    # TODO(p1_promotion.build): ask the questions above in that order, with differences()
    #   and policy_of() —
    #   checked by tests/test_build.py::test_decision_*
    raise NotImplementedError("p1_promotion.build: promotion_decision is a stub — see tests/test_build.py::test_decision_*")


__all__ = [
    "MEASUREMENT_FIELDS", "MIN_DELTA", "SELECTION_KEYS", "TRAINING_KEYS", "UNRECORDED", "VERDICT_MARGIN", "VOLATILE",
    "differences", "policy_of", "promotion_decision",
]
