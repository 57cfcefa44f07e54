"""Loop A — measurement: score frozen rollouts and write a self-explaining run directory.

Nothing about the policy changes here. The run records the conditions of the measurement
(dataset fingerprint, instrument name/version/spec, sampling configuration) so that two runs
can later be compared only inside a Locked Room (see :mod:`course_core.gate`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_core.examples import JoinedInputs, join_inputs
from course_core.jsonl import dumps_line
from course_core.manifest import build_manifest, input_record, load_sampling_config, write_json
from course_core.rundir import staged_run
from course_core.schemas import check_artifact
from course_core.scoring import DEFAULT_SCORER, FORMAT_OK, get_scorer
from course_core.stats import wilson_interval

MISSING = "missing_completion"
ARTIFACTS = ["manifest.json", "results.jsonl", "summary.json", "summary.md"]


@dataclass
class RunOutcome:
    """What an instrument produced: where, its summary, and whether it replaced an earlier run."""

    outdir: Path
    summary: dict[str, Any]
    replaced: bool


def result_row(example: dict[str, Any], rollout: dict[str, Any] | None, scorer: Any) -> dict[str, Any]:
    """One results.jsonl row: fixed key order, no timestamps or paths (byte-stable)."""
    if rollout is None:
        return {
            "id": example["id"],
            "expected_answer": example["expected_answer"],
            "parsed_answer": None,
            "outcome": MISSING,
            "rule": None,
            "reason": "no completion for this id in the rollouts file",
            "reward": 0.0,
            "completion": None,
        }
    verdict = scorer(example, rollout["completion"])
    details = verdict["details"]
    return {
        "id": example["id"],
        "expected_answer": example["expected_answer"],
        "parsed_answer": details.get("parsed"),
        "outcome": verdict["outcome"],
        "rule": details.get("rule"),
        "reason": details.get("reason", ""),
        "reward": float(verdict["reward"]),
        "completion": rollout["completion"],
    }


def summarize(outcomes: Counter[str], passed: int, rewards_sum: float, n: int, missing_ids: list[str], scorer: Any) -> dict[str, Any]:
    """Aggregates of one eval run; an example passes when its reward is 1."""
    ordered = dict(sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0])))
    missing = outcomes.get(MISSING, 0)
    return {
        "kind": "eval",
        "n": n,
        "scored": n - missing,
        "missing_completions": missing,
        "missing_ids": missing_ids,
        "passed": passed,
        "pass_rate": passed / n if n else 0.0,
        "pass_rate_ci95": wilson_interval(passed, n),
        "mean_reward": rewards_sum / n if n else 0.0,
        "outcome_counts": ordered,
        "format_failures": sum(c for o, c in outcomes.items() if o not in FORMAT_OK and o != MISSING),
        "scorer": f"{scorer.name}@{scorer.version}",
    }


def summary_markdown(summary: dict[str, Any], manifest: dict[str, Any]) -> str:
    ci = summary["pass_rate_ci95"]
    lines = [
        f"# Eval run — {summary['scorer']}",
        "",
        f"- dataset: `{manifest['inputs'][0]['path']}` ({manifest['dataset_fingerprint'][:19]}…)",
        f"- completions: `{manifest['inputs'][1]['path']}`",
        f"- sampling: {', '.join(f'{k}={v}' for k, v in manifest['sampling_config'].items() if k in ('policy', 'temperature', 'top_p', 'seed', 'n'))}",
        "",
        f"**Pass rate: {summary['passed']}/{summary['n']} = {summary['pass_rate']:.3f}** "
        f"(95% Wilson interval {ci['low']:.3f}–{ci['high']:.3f})",
        "",
        f"Format failures: {summary['format_failures']}; missing completions: {summary['missing_completions']}.",
        "",
        "| outcome | count |",
        "|---|---:|",
    ]
    lines += [f"| {o} | {c} |" for o, c in summary["outcome_counts"].items()]
    lines += ["", "A metric moved? Check first whether the policy changed or the measurement conditions did:",
              "compare runs only with `python -m course.gate`.", ""]
    return "\n".join(lines)


def finish_scored_run(
    path: Path,
    *,
    kind: str,
    joined: JoinedInputs,
    inputs: list[tuple[str, str | Path]],
    args: dict[str, Any],
    sampling_config: dict[str, Any],
    scorer: Any,
    summary: dict[str, Any],
    summary_schema: str,
    markdown: Callable[[dict[str, Any], dict[str, Any]], str],
    command: list[str] | None,
) -> None:
    """Write manifest.json, summary.json and summary.md of a run that scored a dataset's rollouts.

    ``inputs`` is ``[("dataset", path), (rollout role, path)]``; the dataset's hash is the
    run's dataset fingerprint.
    """
    (data_role, data_path), (roll_role, roll_path) = inputs
    records = [input_record(data_role, data_path, joined.dataset_records), input_record(roll_role, roll_path, joined.rollout_records)]
    manifest = build_manifest(
        kind=kind,
        args=args,
        inputs=records,
        sampling_config=sampling_config,
        artifacts=ARTIFACTS,
        dataset_fingerprint=records[0]["sha256"],
        example_ids_fingerprint=joined.example_ids_fingerprint,
        scorer=scorer,
        command=command,
    )
    write_json(path / "summary.json", summary, summary_schema)
    write_json(path / "manifest.json", manifest, "manifest")
    (path / "summary.md").write_text(markdown(summary, manifest), encoding="utf-8")


def run_eval(
    dataset: str | Path,
    completions: str | Path,
    outdir: str | Path,
    scorer_name: str = DEFAULT_SCORER,
    command: list[str] | None = None,
) -> RunOutcome:
    """Score one completion per dataset example and write the run directory atomically."""
    scorer = get_scorer(scorer_name)
    sampling = load_sampling_config(completions)
    joined = join_inputs(
        dataset, completions, rollout_role="completions", rollout_schema="completion_row", rollout_what="completion row"
    )
    try:
        with staged_run(outdir) as staged:
            outcomes: Counter[str] = Counter()
            rewards_sum, n, passed = 0.0, 0, 0
            with (staged.path / "results.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
                for example, rollout in joined.rows():
                    row = result_row(example, rollout, scorer)
                    check_artifact(row, "eval_result_row", artifact="results.jsonl")
                    fh.write(dumps_line(row))
                    outcomes[row["outcome"]] += 1
                    rewards_sum += row["reward"]
                    passed += row["reward"] >= 1.0
                    n += 1
            summary = summarize(outcomes, passed, rewards_sum, n, joined.missing_ids(), scorer)
            finish_scored_run(
                staged.path,
                kind="eval",
                joined=joined,
                inputs=[("dataset", dataset), ("completions", completions)],
                args={"dataset": str(dataset), "completions": str(completions), "outdir": str(outdir), "scorer": scorer.name},
                sampling_config=sampling,
                scorer=scorer,
                summary=summary,
                summary_schema="eval_summary",
                markdown=summary_markdown,
                command=command,
            )
    finally:
        joined.close()
    return RunOutcome(outdir=Path(outdir), summary=summary, replaced=staged.replaced)
