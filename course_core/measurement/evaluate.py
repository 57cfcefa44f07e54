"""Loop A — measurement: score frozen rollouts and write a self-explaining run directory.

Nothing about the policy changes here. The run records the conditions of the measurement
(dataset fingerprint, instrument name/version/spec, sampling configuration) so that two runs
can later be compared only inside a Locked Room (see :mod:`course_core.measurement.gate`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from course_core.artifacts.joined import join_inputs
from course_core.artifacts.jsonl import dumps_line
from course_core.artifacts.manifest import load_sampling_config, scored_run_manifest
from course_core.artifacts.rundir import SCORED_RUN_ARTIFACTS, WrittenRun, default_outdir, finish_run, staged_run
from course_core.artifacts.schemas import check_artifact
from course_core.measurement.result_row import MISSING, result_row
from course_core.measurement.scoring import DEFAULT_SCORER, FORMAT_OK, get_scorer
from course_core.measurement.stats import wilson_interval


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


def run_eval(
    dataset: str | Path,
    completions: str | Path,
    outdir: str | Path | None,
    scorer_name: str = DEFAULT_SCORER,
    command: list[str] | None = None,
) -> WrittenRun:
    """Score one completion per dataset example and write the run directory atomically.

    ``outdir`` None writes ``runs/eval_<UTC timestamp>``.
    """
    outdir = outdir or default_outdir("eval")
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
            manifest = scored_run_manifest(
                kind="eval",
                joined=joined,
                inputs=[("dataset", dataset), ("completions", completions)],
                args={"dataset": str(dataset), "completions": str(completions), "outdir": str(outdir), "scorer": scorer.name},
                sampling_config=sampling,
                artifacts=SCORED_RUN_ARTIFACTS,
                scorer=scorer,
                command=command,
            )
            finish_run(staged.path, manifest, summary, "eval_summary", summary_markdown(summary, manifest))
    finally:
        joined.close()
    return WrittenRun(Path(outdir), summary, SCORED_RUN_ARTIFACTS, staged.replaced)
