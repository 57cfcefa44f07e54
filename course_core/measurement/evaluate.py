"""Loop A — measurement: score frozen rollouts and write a self-explaining run directory.

Nothing about the policy changes here. The run records the conditions of the measurement
(dataset fingerprint, instrument name/version/spec, sampling configuration) so that two runs
can later be compared only inside a Locked Room (see :mod:`course_core.measurement.gate`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from course_core.artifacts.joined import Pair, join_inputs
from course_core.artifacts.jsonl import write_rows
from course_core.artifacts.manifest import load_rollout_conditions, policy_label
from course_core.artifacts.rundir import WrittenRun, default_outdir, finish_scored_run, staged_run
from course_core.measurement.result_row import MISSING, outcome_table, result_row
from course_core.measurement.scoring import DEFAULT_SCORER, FORMAT_OK
from course_core.measurement.stats import wilson_interval


class Tally:
    """Running sums over results rows, so the run streams: memory holds counters, not rows."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.n = self.passed = 0
        self.rewards_sum = 0.0

    def add(self, row: dict[str, Any]) -> None:
        self.outcomes[row["outcome"]] += 1
        self.rewards_sum += row["reward"]
        self.passed += row["reward"] >= 1.0
        self.n += 1

    def summary(self, missing_ids: list[str], scorer: Any) -> dict[str, Any]:
        """summary.json of one eval run; an example passes when its reward is 1."""
        n, passed, outcomes = self.n, self.passed, self.outcomes
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
            "mean_reward": self.rewards_sum / n if n else 0.0,
            "outcome_counts": dict(sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0]))),
            "format_failures": sum(c for o, c in outcomes.items() if o not in FORMAT_OK and o != MISSING),
            "scorer": f"{scorer.name}@{scorer.version}",
        }


def run_eval(
    dataset: str | Path,
    completions: str | Path,
    outdir: str | Path | None,
    scorer_name: str = DEFAULT_SCORER,
    command: list[str] | None = None,
    scorer_module: str | Path | None = None,
) -> WrittenRun:
    """Score one completion per dataset example and write the run directory atomically.

    ``outdir`` None writes ``runs/eval_<UTC timestamp>``. ``scorer_module`` names a user's
    scorer file instead of a kit scorer (:mod:`course_core.measurement.scorer_module`); the
    manifest then records the file and its sha256.
    """
    from course_core.measurement.scorer_module import resolve_scorer

    outdir = outdir or default_outdir("eval")
    scorer = resolve_scorer(scorer_name, scorer_module)
    policy, sampling = load_rollout_conditions(completions)
    with join_inputs(
        dataset, completions, rollout_role="completions", rollout_schema="completion_row", rollout_what="completion row"
    ) as joined:
        with staged_run(outdir, reads=(dataset, completions, scorer_module)) as staged:

            def write_results(pairs: Iterator[Pair]) -> Tally:
                tally = Tally()
                rows = (result_row(example, rollout, scorer) for example, rollout in pairs)
                write_rows(staged.path / "results.jsonl", rows, "eval_result_row", observe=tally.add)
                return tally

            summary = joined.scan(write_results).summary(joined.missing_ids(), scorer)
            args = {"dataset": str(dataset), "completions": str(completions), "outdir": str(outdir), "scorer": scorer.name}
            if scorer_module is not None:
                args["scorer_module"] = str(scorer_module)
            written = finish_scored_run(staged, summary, summary_markdown, kind="eval", joined=joined,
                                        inputs=[("dataset", dataset), ("completions", completions)],
                                        args=args, policy=policy, sampling_config=sampling, scorer=scorer, command=command)
    return written


SAMPLING_SHOWN = ("temperature", "top_p", "max_tokens", "seed", "n")  # what summary.md names of the sampling configuration


def summary_markdown(summary: dict[str, Any], manifest: dict[str, Any]) -> str:
    ci = summary["pass_rate_ci95"]
    lines = [
        f"# Eval run — {summary['scorer']}",
        "",
        f"- dataset: `{manifest['inputs'][0]['path']}` ({manifest['dataset_fingerprint'][:19]}…)",
        f"- completions: `{manifest['inputs'][1]['path']}`",
        f"- policy: {policy_label(manifest.get('policy'))}",
        f"- sampling: {', '.join(f'{k}={v}' for k, v in manifest['sampling_config'].items() if k in SAMPLING_SHOWN) or 'unrecorded'}",
        "",
        f"**Pass rate: {summary['passed']}/{summary['n']} = {summary['pass_rate']:.3f}** "
        f"(95% Wilson interval {ci['low']:.3f}–{ci['high']:.3f})",
        "",
        f"Format failures: {summary['format_failures']}; missing completions: {summary['missing_completions']}.",
        "",
        *outcome_table(summary["outcome_counts"]),
    ]
    lines += ["", "A metric moved? Check first whether the policy changed or the measurement conditions did:",
              "compare runs only with `python -m course.gate`.", ""]
    return "\n".join(lines)
