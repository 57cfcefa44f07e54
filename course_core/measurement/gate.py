"""The gate: compare a candidate run with a baseline, but only inside a Locked Room.

Two runs are comparable only when every Locked Room condition is equal: dataset fingerprint,
scorer name, version and spec fingerprint, sampling configuration, and the set of example ids.
Any difference is a Locked Room violation and the answer is REJECT, whatever the metrics say.

Inside a locked room the delta rule decides: ACCEPT iff ``candidate − baseline >= min_delta``
(pass rates), optionally also requiring McNemar's exact test to find the change significant.
Paired statistics on the shared examples say how much the delta can be trusted.

The policy under test (the manifest's ``policy``: model as asked and as served, weights
fingerprint, or whatever produced frozen rollouts) is not a Locked Room condition: it is the
variable a comparison is about. The report names it, with both values where it changed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from course_core.artifacts.manifest import manifest_conditions, policy_differences, policy_label
from course_core.artifacts.rundir import Run, load_run
from course_core.artifacts.schemas import first_error
from course_core.artifacts.strict_json import loads
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


def _comparable(manifest: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The manifest with its sampling configuration apart from the policy (older manifests mixed them), and the policy."""
    policy, sampling = manifest_conditions(manifest)
    return {**manifest, "sampling_config": sampling}, policy


def policy_section(baseline: dict[str, Any] | None, candidate: dict[str, Any] | None) -> dict[str, Any]:
    """The report's ``policy``: both records, whether they differ, and how."""
    differences = policy_differences(baseline, candidate)
    return {"changed": bool(differences), "baseline": baseline, "candidate": candidate, "differences": differences}


def _policy_reason(section: dict[str, Any], room_ok: bool) -> str:
    if not section["changed"]:
        return f"policy unchanged: {policy_label(section['baseline'])}"
    changes = ", ".join(f"{d['key']} {d['baseline']!r} → {d['candidate']!r}" for d in section["differences"])
    if room_ok:
        return f"policy changed (the variable under test): {changes}"
    return f"policy changed too ({changes}), but with the conditions changed its effect cannot be told apart"


_EDITED = "results and summaries must not be edited by hand; re-run the instrument"


def _rewards(run: Run) -> dict[str, float]:
    """Each example's reward from results.jsonl, which the summary's pass rate must agree with.

    The delta is computed from the summaries, so a summary edited to a better pass rate, a row
    edited to a better reward, or a row repeated would otherwise move the decision unseen.
    """
    rewards: dict[str, float] = {}
    for line, row in run.results():
        reward = row["reward"]
        if isinstance(reward, bool) or reward not in (0, 1):
            raise UserError(f"results row has reward {reward!r}; the kit's scorers give 0 or 1", path=run.results_path, line=line,
                            field="reward", hint=_EDITED)
        if row["id"] in rewards:
            raise UserError(f"results row repeats the id {row['id']!r}", path=run.results_path, line=line, field="id", hint=_EDITED)
        rewards[row["id"]] = float(reward)
    n, passed, rate = run.summary["n"], run.summary["passed"], run.summary["pass_rate"]
    counted = sum(1 for r in rewards.values() if r == 1.0)
    if (n, passed) != (len(rewards), counted) or abs(rate - (counted / len(rewards) if rewards else 0.0)) > 1e-9:
        raise UserError(f"summary.json says {passed} of {n} passed (pass_rate {rate:g}), but results.jsonl has {counted} of "
                        f"{len(rewards)}", path=run.path / "summary.json", hint=_EDITED)
    return rewards


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
    base_manifest, base_policy = _comparable(baseline.manifest)
    cand_manifest, cand_policy = _comparable(candidate.manifest)
    policy = policy_section(base_policy, cand_policy)
    report: dict[str, Any] = {
        "kind": "gate",
        "decision": "REJECT",
        "reasons": [],
        "locked_room": {"ok": False, "checked": list(LOCKED_ROOM_FIELDS), "violations": []},
        "policy": policy,
        "baseline": _side(baseline, "baseline"),
        "candidate": _side(candidate, "candidate"),
        "min_delta": min_delta,
        "delta": None,
        "require_significant": require_significant,
        "paired": None,
    }
    if baseline.kind != candidate.kind:
        report["locked_room"]["violations"].append({"field": "kind", "baseline": baseline.kind, "candidate": candidate.kind})
    report["locked_room"]["violations"] += locked_room_violations(base_manifest, cand_manifest)
    violations = report["locked_room"]["violations"]
    if violations:
        names = ", ".join(v["field"] for v in violations)
        verb = "differs" if len(violations) == 1 else "differ"
        report["reasons"].append(f"Locked Room violation: {names} {verb}; these runs are not comparable")
        if policy["changed"]:
            report["reasons"].append(_policy_reason(policy, room_ok=False))
        return report
    report["locked_room"]["ok"] = True
    report["reasons"].append(_policy_reason(policy, room_ok=True))

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


def check_rule(min_delta: float, alpha: float) -> None:
    """--min-delta a finite number (NaN would reject everything, inf is not JSON), --alpha a level in (0, 1)."""
    if not math.isfinite(min_delta):
        raise UserError(f"--min-delta must be a finite number, got {min_delta}", field="--min-delta",
                        hint="a difference of pass rates, e.g. --min-delta 0.02 (or 0 to accept no worse)")
    if not (math.isfinite(alpha) and 0.0 < alpha < 1.0):
        raise UserError(f"--alpha must be a number strictly between 0 and 1, got {alpha}", field="--alpha", hint="e.g. --alpha 0.05")


def is_gate_report(path: Path) -> bool:
    """Does the file hold a gate report this kit wrote (kind "gate", valid against schemas/gate_report.schema.json)?"""
    try:
        report = loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(report, dict) and report.get("kind") == "gate" and first_error(report, "gate_report") is None


def check_report_file(out: str | Path) -> None:
    """--out may name a new file, an empty one or an earlier gate report; anything else is never overwritten."""
    target = Path(out)
    if target.is_dir():
        raise UserError("--out is a directory; expected a file path", path=target)
    if target.exists() and not target.is_file():
        raise UserError("--out exists and is not a regular file; refusing to replace it", path=target)
    if target.exists() and target.stat().st_size > 0 and not is_gate_report(target):
        raise UserError("--out exists and is not a gate report of this kit; refusing to overwrite it", path=target,
                        hint="choose a new file name for --out (an earlier report written by course.gate may be replaced)")


def exit_code(report: dict[str, Any]) -> int:
    """0 accept, 1 reject (2 is reserved for unusable input)."""
    return 0 if report["decision"] == "ACCEPT" else 1
