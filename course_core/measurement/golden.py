"""Validating a scorer against golden sets: rows whose verdict is known in advance.

A false positive is a row the golden set says must earn 0 that the scorer paid; a false
negative is a row that must earn 1 that it refused. Outcome-code drift (same reward, different
code) is reported too: the outcome codes are part of the instrument's contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from course_core.artifacts.jsonl import iter_jsonl
from course_core.artifacts.schemas import validate_input
from course_core.errors import UserError
from course_core.measurement.scoring import DEFAULT_SCORER, get_scorer


def validate_scorer(dataset: str | Path, golden: list[str | Path], scorer_name: str = DEFAULT_SCORER) -> dict[str, Any]:
    """Score every golden row; return counts and every disagreement with file and line."""
    scorer = get_scorer(scorer_name)
    rows: list[tuple[Path, int, dict[str, Any]]] = []
    for g in golden:
        for line, row in iter_jsonl(g, "golden set"):
            validate_input(row, "golden_row", path=g, line=line, what="golden row")
            rows.append((Path(g), line, row))
    wanted = {row["id"] for _, _, row in rows if "example" not in row}
    examples: dict[str, dict[str, Any]] = {}
    for line, ex in iter_jsonl(dataset, "dataset"):
        if ex.get("id") in wanted:
            validate_input(ex, "dataset_row", path=dataset, line=line, what="dataset row")
            examples[ex["id"]] = ex
    failures: list[dict[str, Any]] = []
    for path, line, row in rows:
        example = row.get("example") or examples.get(row["id"])
        if example is None:
            raise UserError(f"golden row refers to id {row['id']!r}, which is not in {dataset}", path=path, line=line, field="id")
        verdict = scorer(example, row["completion"])
        got_pass = verdict["reward"] >= 1.0
        want_pass = row["expected_reward"] >= 1.0
        if got_pass != want_pass:
            kind = "false_positive" if got_pass else "false_negative"
        elif verdict["outcome"] != row["expected_outcome"]:
            kind = "outcome_mismatch"
        else:
            continue
        failures.append({
            "kind": kind, "file": str(path), "line": line, "id": row["id"], "rule": row["rule"],
            "expected_reward": row["expected_reward"], "reward": verdict["reward"],
            "expected_outcome": row["expected_outcome"], "outcome": verdict["outcome"],
            "note": row.get("note", ""),
        })
    counts = {k: sum(1 for f in failures if f["kind"] == k) for k in ("false_positive", "false_negative", "outcome_mismatch")}
    return {
        "scorer": f"{scorer.name}@{scorer.version}",
        "rows": len(rows),
        "agreed": len(rows) - len(failures),
        **counts,
        "rules_probed": sorted({row["rule"] for _, _, row in rows}),
        "failures": failures,
    }
