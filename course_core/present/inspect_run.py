"""Run inspection: what happened in a run, grouped so a person can read it.

For runs with per-example results (eval, selection): outcome groups largest first, the top K
groups, S examples each with completion, parsed value, expected value and the reason.
Other run kinds register their own inspector in ``INSPECTORS``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from course_core.artifacts.rundir import Run
from course_core.errors import UserError
from course_core.present.inspect_bandit import inspect_bandit
from course_core.present.inspect_lm import inspect_lm_train


@dataclass(frozen=True)
class InspectOptions:
    top_k: int = 5
    show: int = 2
    only_fails: bool = False
    example_id: str | None = None


def inspect_outcomes(run: Run, opts: InspectOptions) -> dict[str, Any]:
    """Group results rows by outcome: counts for all groups, examples for the top K.

    Two streaming passes over results.jsonl, so memory holds counts and K×S examples only.
    """
    counts: Counter[str] = Counter()
    total = 0
    for _, row in run.results():
        total += 1
        if opts.only_fails and row["reward"] >= 1.0:
            continue
        counts[row["outcome"]] += 1
    groups = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = dict(groups[: opts.top_k])
    examples: dict[str, list[dict[str, Any]]] = {name: [] for name in shown}
    match: dict[str, Any] | None = None
    for _, row in run.results():
        if opts.example_id is not None and row["id"] == opts.example_id:
            match = row
        bucket = examples.get(row["outcome"])
        if bucket is not None and len(bucket) < opts.show and not (opts.only_fails and row["reward"] >= 1.0):
            bucket.append(row)
    if opts.example_id is not None and match is None:
        raise UserError(f"no example with id {opts.example_id!r} in this run", path=run.results_path, field="--id")
    return {
        "run": str(run.path),
        "kind": run.kind,
        "n": total,
        "only_fails": opts.only_fails,
        "groups": [{"outcome": name, "count": count, "examples": examples.get(name, [])} for name, count in groups],
        "groups_shown": len(shown),
        "example": match,
    }


INSPECTORS: dict[str, Callable[[Run, InspectOptions], dict[str, Any]]] = {
    "eval": inspect_outcomes,
    "selection": inspect_outcomes,
    "bandit": inspect_bandit,
    "lm_train": inspect_lm_train,
}


def inspect_run(run: Run, opts: InspectOptions) -> dict[str, Any]:
    """Dispatch on the run's kind; an unknown kind is a clear UserError, not a crash."""
    inspector = INSPECTORS.get(run.kind)
    if inspector is None:
        raise UserError(
            f"inspect_run does not know how to inspect a '{run.kind}' run",
            path=run.path / "manifest.json",
            field="kind",
            hint=f"it inspects: {', '.join(sorted(INSPECTORS))}",
        )
    return inspector(run, opts)


def show(con: Any, data: dict[str, Any]) -> None:
    """Print an inspection (what :func:`inspect_run` returned) the way its run kind reads best."""
    from course_core.present.render_learning import bandit_inspection
    from course_core.present.render_lm import lm_train_inspection
    from course_core.present.render_measurement import outcome_groups

    renderers = {"eval": outcome_groups, "selection": outcome_groups, "bandit": bandit_inspection, "lm_train": lm_train_inspection}
    renderers[data["kind"]](con, data)
