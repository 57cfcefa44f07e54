"""Validating a scorer against golden sets: rows whose verdict is known in advance.

A false positive is a row the golden set says must earn 0 that the scorer paid; a false
negative is a row that must earn 1 that it refused. Outcome-code drift (same reward, different
code) is reported too: the outcome codes are part of the instrument's contract.

With an ``outdir`` the validation is also written as a run directory (kind
``scorer_validation``): every golden row with its verdict, so the evidence of what an
instrument pays for can be kept, compared and re-derived like any other run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from course_core.artifacts.jsonl import iter_jsonl
from course_core.artifacts.schemas import validate_input
from course_core.errors import UserError
from course_core.measurement.scoring import DEFAULT_SCORER, Scorer

KINDS = ("false_positive", "false_negative", "outcome_mismatch")
# Golden rows are fixed completions, not samples: one stand-in, so two validations compare equal here.
NO_SAMPLING = {"policy": "none", "note": "golden rows are fixed completions written in advance, not samples"}


def golden_rows(dataset: str | Path, golden: list[str | Path]) -> list[tuple[Path, int, dict[str, Any], dict[str, Any]]]:
    """(file, line, golden row, example) for every golden row, in file order."""
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
    out = []
    for path, line, row in rows:
        example = row.get("example") or examples.get(row["id"])
        if example is None:
            raise UserError(f"golden row refers to id {row['id']!r}, which is not in {dataset}", path=path, line=line, field="id")
        out.append((path, line, row, example))
    return out


def judged_rows(dataset: str | Path, golden: list[str | Path], scorer: Scorer) -> Iterator[dict[str, Any]]:
    """Every golden row scored, with its verdict: agree, or one of KINDS."""
    for path, line, row, example in golden_rows(dataset, golden):
        verdict = scorer(example, row["completion"])
        got_pass = verdict["reward"] >= 1.0
        want_pass = row["expected_reward"] >= 1.0
        if got_pass != want_pass:
            kind = "false_positive" if got_pass else "false_negative"
        elif verdict["outcome"] != row["expected_outcome"]:
            kind = "outcome_mismatch"
        else:
            kind = "agree"
        yield {
            "kind": kind, "file": str(path), "line": line, "id": row["id"], "rule": row["rule"],
            "expected_reward": row["expected_reward"], "reward": verdict["reward"],
            "expected_outcome": row["expected_outcome"], "outcome": verdict["outcome"],
            "note": row.get("note", ""), "completion": row["completion"],
        }


def _result(scorer: Scorer, judged: list[dict[str, Any]]) -> dict[str, Any]:
    failures = [{k: v for k, v in r.items() if k != "completion"} for r in judged if r["kind"] != "agree"]
    counts = {k: sum(1 for f in failures if f["kind"] == k) for k in KINDS}
    return {
        "scorer": f"{scorer.name}@{scorer.version}",
        "rows": len(judged),
        "agreed": len(judged) - len(failures),
        **counts,
        "rules_probed": sorted({r["rule"] for r in judged}),
        "failures": failures,
    }


def validate_scorer(
    dataset: str | Path,
    golden: list[str | Path],
    scorer_name: str = DEFAULT_SCORER,
    scorer_module: str | Path | None = None,
) -> dict[str, Any]:
    """Score every golden row; return counts and every disagreement with file and line."""
    from course_core.measurement.scorer_module import resolve_scorer

    scorer = resolve_scorer(scorer_name, scorer_module)
    return _result(scorer, list(judged_rows(dataset, golden, scorer)))


def _results_row(r: dict[str, Any]) -> dict[str, Any]:
    """One results.jsonl row: fixed key order, the golden file as the user named it."""
    keys = ("file", "line", "id", "rule", "kind", "expected_reward", "reward", "expected_outcome", "outcome", "completion", "note")
    return {k: r[k] for k in keys}


def _summary(result: dict[str, Any], judged: list[dict[str, Any]]) -> dict[str, Any]:
    by_kind = {k: sorted({r["rule"] for r in judged if r["kind"] == k}) for k in KINDS}
    return {
        "kind": "scorer_validation",
        "scorer": result["scorer"],
        "n": result["rows"],
        "agreed": result["agreed"],
        **{k: result[k] for k in KINDS},
        "rules_probed": result["rules_probed"],
        "false_positive_rules": by_kind["false_positive"],
        "false_negative_rules": by_kind["false_negative"],
    }


def _markdown(summary: dict[str, Any], judged: list[dict[str, Any]]) -> str:
    lines = [
        f"# Scorer validation — {summary['scorer']}",
        "",
        f"**{summary['agreed']}/{summary['n']} golden rows agree**: false positives {summary['false_positive']}, "
        f"false negatives {summary['false_negative']}, outcome mismatches {summary['outcome_mismatch']}.",
        "",
    ]
    bad = [r for r in judged if r["kind"] != "agree"]
    if bad:
        lines += ["| kind | row | rule | expected | got |", "|---|---|---|---|---|"]
        lines += [f"| {r['kind']} | {r['file']}:{r['line']} | {r['rule']} | {r['expected_outcome']} | {r['outcome']} |" for r in bad]
        lines.append("")
    lines += ["A false positive pays for the wrong behaviour: whatever an optimiser is trained on, it will find it.", ""]
    return "\n".join(lines)


def write_validation_run(
    dataset: str | Path,
    golden: list[str | Path],
    outdir: str | Path,
    scorer_name: str = DEFAULT_SCORER,
    scorer_module: str | Path | None = None,
    command: list[str] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Validate and write the run directory atomically; returns (the validate_scorer result, replaced)."""
    from course_core.artifacts.jsonl import write_rows
    from course_core.artifacts.manifest import build_manifest, input_record
    from course_core.artifacts.rundir import SCORED_RUN_ARTIFACTS, finish_run, staged_run
    from course_core.measurement.scorer_module import resolve_scorer

    scorer = resolve_scorer(scorer_name, scorer_module)
    judged = list(judged_rows(dataset, golden, scorer))
    result = _result(scorer, judged)
    summary = _summary(result, judged)
    with staged_run(outdir, reads=(dataset, *golden, scorer_module)) as staged:
        write_rows(staged.path / "results.jsonl", (_results_row(r) for r in judged), "scorer_validation_row")
        n_rows = {str(Path(g)): sum(1 for r in judged if r["file"] == str(Path(g))) for g in golden}
        inputs = [input_record("dataset", dataset, sum(1 for _ in iter_jsonl(dataset, "dataset")))]
        inputs += [input_record("golden", g, n_rows[str(Path(g))]) for g in golden]
        args: dict[str, Any] = {"dataset": str(dataset), "golden": [str(g) for g in golden], "outdir": str(outdir), "scorer": scorer.name}
        if scorer_module is not None:
            args["scorer_module"] = str(scorer_module)
        manifest = build_manifest(
            kind="scorer_validation", args=args, inputs=inputs, sampling_config=dict(NO_SAMPLING), artifacts=SCORED_RUN_ARTIFACTS,
            dataset_fingerprint=inputs[0]["sha256"], scorer=scorer, command=command,
        )
        finish_run(staged.path, manifest, summary, "scorer_validation_summary", _markdown(summary, judged))
    return result, staged.replaced
