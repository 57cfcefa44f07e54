"""One results.jsonl row: a scorer's verdict on one example, in a fixed key order.

Shared by every run that scores rollouts (eval, selection). The row holds no timestamps, run
ids or paths, so the same inputs give the same bytes.
"""

from __future__ import annotations

from typing import Any

from course_core.measurement.scoring import MAX_ABS_ANSWER

MISSING = "missing_completion"


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
    completion = rollout["completion"]
    return verdict_row(example, completion, scorer(example, completion))


def verdict_row(example: dict[str, Any], completion: Any, verdict: dict[str, Any]) -> dict[str, Any]:
    """The results row of a scorer's ``verdict`` on ``completion`` (what :func:`result_row` returns)."""
    details = verdict["details"]
    parsed = details.get("parsed")
    return {
        "id": example["id"],
        "expected_answer": example["expected_answer"],
        # a JSON-safe integer or null: a model can write 16 digits past 2**53 - 1, which no expected answer reaches
        "parsed_answer": parsed if not isinstance(parsed, int) or abs(parsed) <= MAX_ABS_ANSWER else None,
        "outcome": verdict["outcome"],
        "rule": details.get("rule"),
        "reason": details.get("reason", ""),
        "reward": float(verdict["reward"]),
        "completion": completion,
    }


def outcome_table(counts: dict[str, int], header: str = "outcome") -> list[str]:
    """A run's outcome counts as the lines of a Markdown table (summary.md)."""
    return [f"| {header} | count |", "|---|---:|", *(f"| {o} | {c} |" for o, c in counts.items())]
