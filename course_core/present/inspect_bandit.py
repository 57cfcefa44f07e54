"""Inspecting a bandit run: how often each arm was pulled, what it paid, and where the policy moved most.

Reads log.jsonl in one streaming pass (each row checked against its schema); memory holds the
per-arm counts, the top K steps and S example steps only.
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import Any

from course_core.artifacts.jsonl import iter_jsonl
from course_core.artifacts.rundir import Run
from course_core.artifacts.schemas import validate_input
from course_core.errors import UserError

SUMMARY_FIELDS = ("arms", "best_arm", "lr", "baseline", "steps", "runs", "seed", "p_best_start", "p_best_end", "verdict")


def policy_shift(row: dict[str, Any]) -> float:
    """Total variation between the policy before and after a step: ½ Σ_a |π_after(a) − π_before(a)|."""
    return 0.5 * sum(abs(a - b) for a, b in zip(row["probs_after"], row["probs_before"]))


def _step_id(text: str, run: Run) -> int:
    try:
        return int(text)
    except ValueError:
        raise UserError(
            f"a bandit run's examples are steps: --id must be a step number, got {text!r}",
            path=run.path / "log.jsonl",
            field="--id",
        ) from None


def inspect_bandit(run: Run, opts: Any) -> dict[str, Any]:
    """Per-arm pulls and mean reward, the top-K steps by policy shift, S example steps (first and last)."""
    summary = run.summary
    base = {"run": str(run.path), "kind": run.kind, "environment": summary["environment"], "only_fails": opts.only_fails}
    if summary["environment"] != "bernoulli_bandit":
        return base | {"summary": summary, "n": summary["runs"]}
    log = run.path / "log.jsonl"
    if not log.is_file():
        raise UserError("log.jsonl is missing", path=log, hint="re-run course.bandit_train to rebuild this run")
    wanted = None if opts.example_id is None else _step_id(opts.example_id, run)
    arms = summary["arms"]
    pulls, paid = [0] * len(arms), [0.0] * len(arms)
    top: list[tuple[float, int, dict[str, Any]]] = []
    head: list[dict[str, Any]] = []
    tail: deque[dict[str, Any]] = deque(maxlen=opts.show // 2)
    first_probs, last_probs, match, n = None, None, None, 0
    for line, row in iter_jsonl(log, "bandit log"):
        validate_input(row, "bandit_log_row", path=log, line=line, what="bandit log row")
        if not 0 <= row["action"] < len(arms):
            raise UserError(f"action {row['action']} is not an arm of this {len(arms)}-armed bandit", path=log, line=line, field="action")
        n += 1
        first_probs = first_probs or row["probs_before"]
        last_probs = row["probs_after"]
        pulls[row["action"]] += 1
        paid[row["action"]] += row["reward"]
        if row["step"] == wanted:
            match = row
        if opts.only_fails and row["reward"] >= 1.0:
            continue
        item = (policy_shift(row), -row["step"], row)
        if len(top) < opts.top_k:
            heapq.heappush(top, item)
        elif opts.top_k and item[:2] > top[0][:2]:
            heapq.heapreplace(top, item)
        if len(head) < opts.show - opts.show // 2:
            head.append(row)
        elif tail.maxlen:
            tail.append(row)
    if wanted is not None and match is None:
        raise UserError(f"no step {wanted} in this run (it has steps 1-{n})", path=log, field="--id")
    highlights = [
        {
            "step": row["step"],
            "action": row["action"],
            "reward": row["reward"],
            "advantage": row["advantage"],
            "shift": round(shift, 6),
            "p_action_before": row["probs_before"][row["action"]],
            "p_action_after": row["probs_after"][row["action"]],
        }
        for shift, _, row in sorted(top, key=lambda item: (-item[0], -item[1]))
    ]
    return base | {
        "n": n,
        "summary": {k: summary[k] for k in SUMMARY_FIELDS},
        "actions": [
            {"arm": i, "reward_probability": q, "pulls": pulls[i], "mean_reward": round(paid[i] / pulls[i], 6) if pulls[i] else None}
            for i, q in enumerate(arms)
        ],
        "mean_reward": round(sum(paid) / n, 6) if n else None,
        "trajectory": {"start": first_probs, "end": last_probs},
        "highlights": highlights,
        "examples": head + list(tail),
        "example": match,
    }
