"""The gate: compare a candidate run with a baseline, but only inside a Locked Room.

Two runs are comparable only when every Locked Room condition is equal: dataset fingerprint,
scorer name, version and spec fingerprint, sampling configuration, and the set of example ids.
Any difference is a Locked Room violation and the answer is REJECT, whatever the metrics say.

Inside a locked room the delta rule decides: ACCEPT iff ``candidate − baseline >= min_delta``
(pass rates), optionally also requiring McNemar's exact test to find the change significant.
Paired statistics on the shared examples say how much the delta can be trusted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from course_core.artifacts.rundir import Run, load_run
from course_core.errors import UserError
from course_core.measurement.stats import mcnemar_exact_p, paired_difference

LOCKED_ROOM_FIELDS = (
    "dataset_fingerprint",
    "scorer_name",
    "scorer_version",
    "scorer_spec_fingerprint",
    "sampling_config",
    "example_ids_fingerprint",
)
GATEABLE_KINDS = ("eval", "selection")
_EPS = 1e-12  # pass-rate differences are ratios of small integers; absorb float noise only


def locked_room_violations(baseline: dict[str, Any], candidate: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Locked Room condition that differs between two manifests, with both values."""
    return [
        {"field": field, "baseline": baseline.get(field), "candidate": candidate.get(field)}
        for field in LOCKED_ROOM_FIELDS
        if baseline.get(field) != candidate.get(field)
    ]


def _rewards(run: Run) -> dict[str, float]:
    return {row["id"]: float(row["reward"]) for _, row in run.results()}


def _side(run: Run, role: str) -> dict[str, Any]:
    if run.kind not in GATEABLE_KINDS:
        raise UserError(
            f"the gate compares eval or selection runs; this {role} is a '{run.kind}' run",
            path=run.path,
            hint="pass two run directories written by course.eval or course.selection_demo",
        )
    return {"run": str(run.path), "kind": run.kind, "n": run.summary["n"], "pass_rate": run.summary["pass_rate"]}


def compare(
    baseline_dir: str | Path,
    candidate_dir: str | Path,
    min_delta: float,
    require_significant: bool = False,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """The gate report (schema ``gate_report``). Raises UserError when a run is unusable."""
    baseline = load_run(baseline_dir, "baseline")
    candidate = load_run(candidate_dir, "candidate")
    report: dict[str, Any] = {
        "kind": "gate",
        "decision": "REJECT",
        "reasons": [],
        "locked_room": {"ok": False, "checked": list(LOCKED_ROOM_FIELDS), "violations": []},
        "baseline": _side(baseline, "baseline"),
        "candidate": _side(candidate, "candidate"),
        "min_delta": min_delta,
        "delta": None,
        "require_significant": require_significant,
        "paired": None,
    }
    if baseline.kind != candidate.kind:
        report["locked_room"]["violations"].append({"field": "kind", "baseline": baseline.kind, "candidate": candidate.kind})
    report["locked_room"]["violations"] += locked_room_violations(baseline.manifest, candidate.manifest)
    violations = report["locked_room"]["violations"]
    if violations:
        names = ", ".join(v["field"] for v in violations)
        verb = "differs" if len(violations) == 1 else "differ"
        report["reasons"].append(f"Locked Room violation: {names} {verb}; these runs are not comparable")
        return report
    report["locked_room"]["ok"] = True

    base_rewards, cand_rewards = _rewards(baseline), _rewards(candidate)
    if base_rewards.keys() != cand_rewards.keys():
        # The manifests agree on the id set, so the results files were edited after the run.
        raise UserError(
            "results.jsonl ids do not match the manifest's example_ids_fingerprint",
            path=candidate.results_path,
            hint="results files must not be edited by hand; re-run the instrument",
        )
    ids = sorted(base_rewards)
    b = [base_rewards[i] for i in ids]
    c = [cand_rewards[i] for i in ids]
    paired = paired_difference(b, c)
    only_base = sum(1 for x, y in zip(b, c) if x >= 1.0 and y < 1.0)
    only_cand = sum(1 for x, y in zip(b, c) if x < 1.0 and y >= 1.0)
    paired.update(
        discordant_baseline_only=only_base,
        discordant_candidate_only=only_cand,
        mcnemar_p=mcnemar_exact_p(only_base, only_cand),
    )
    report["paired"] = paired
    delta = report["candidate"]["pass_rate"] - report["baseline"]["pass_rate"]
    report["delta"] = delta

    accept = delta >= min_delta - _EPS
    if accept:
        report["reasons"].append(f"delta {delta:+.4f} >= min_delta {min_delta:+.4f}")
    else:
        report["reasons"].append(f"delta {delta:+.4f} < min_delta {min_delta:+.4f}")
    if require_significant:
        significant = paired["mcnemar_p"] < alpha
        word = "significant" if significant else "not significant"
        report["reasons"].append(f"McNemar exact p = {paired['mcnemar_p']:.4g}: {word} at alpha {alpha}")
        accept = accept and significant
    report["decision"] = "ACCEPT" if accept else "REJECT"
    return report


def exit_code(report: dict[str, Any]) -> int:
    """0 accept, 1 reject (2 is reserved for unusable input)."""
    return 0 if report["decision"] == "ACCEPT" else 1
