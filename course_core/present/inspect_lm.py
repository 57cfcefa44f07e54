"""Inspecting an lm_train run: held-out before/after, the training curve at a glance, completions first and last.

Reads log.jsonl and samples.jsonl in one streaming pass each (every row checked against its
schema). Needs no torch: a run can be inspected on a machine without the lm extra.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from course_core.errors import UserError
from course_core.artifacts.jsonl import iter_jsonl
from course_core.artifacts.rundir import Run
from course_core.artifacts.schemas import validate_input

GLANCE = 10  # rows of the trajectory table


def _step_id(text: str, run: Run) -> int:
    try:
        return int(text)
    except ValueError:
        raise UserError(f"an lm_train run's examples are steps: --id must be a step number, got {text!r}",
                        path=run.path / "log.jsonl", field="--id") from None


def _rows(run: Run, name: str, schema: str) -> Any:
    path = run.path / name
    if not path.is_file():
        raise UserError(f"{name} is missing", path=path, hint="re-run course.lm_train to rebuild this run")
    for line, row in iter_jsonl(path, name):
        validate_input(row, schema, path=path, line=line, what=f"{name} row")
        yield row


def inspect_lm_train(run: Run, opts: Any) -> dict[str, Any]:
    """``--top-k`` is unused; ``--show S`` examples (first and last steps); ``--id STEP`` one step in full."""
    summary = run.summary
    steps = summary["steps"]
    every = max(1, steps // GLANCE)
    wanted = None if opts.example_id is None else _step_id(opts.example_id, run)
    trajectory, match_log, n = [], None, 0
    for row in _rows(run, "log.jsonl", "lm_train_log_row"):
        n += 1
        if row["step"] == 1 or row["step"] % every == 0 or row["step"] == steps:
            trajectory.append(row)
        if row["step"] == wanted:
            match_log = row
    head: list[dict[str, Any]] = []
    tail: deque[dict[str, Any]] = deque(maxlen=opts.show // 2)
    match_sample = None
    for row in _rows(run, "samples.jsonl", "lm_train_sample_row"):
        if row["step"] == wanted:
            match_sample = row
        if len(head) < opts.show - opts.show // 2:
            head.append(row)
        elif tail.maxlen:
            tail.append(row)
    if wanted is not None and (match_log is None or match_sample is None):
        raise UserError(f"no step {wanted} in this run (it has steps 1-{n})", path=run.path / "log.jsonl", field="--id")
    return {
        "run": str(run.path),
        "kind": run.kind,
        "n": n,
        "only_fails": opts.only_fails,
        "summary": summary,
        "trajectory": trajectory,
        "examples": head + list(tail),
        "example": None if wanted is None else {"log": match_log, "sample": match_sample},
    }
