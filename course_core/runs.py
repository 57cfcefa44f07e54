"""Reading a run directory back: manifest, summary and results, each checked against its schema.

Anything a user points a tool at may be wrong (not a directory, a half-deleted run, a file
edited by hand); each problem becomes a UserError naming the file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_core.errors import UserError
from course_core.jsonl import iter_jsonl
from course_core.manifest import read_json
from course_core.schemas import validate_input

# Per run kind: the schema of summary.json and of each results.jsonl row. Kinds register here.
SUMMARY_SCHEMA: dict[str, str] = {
    "eval": "eval_summary",
    "selection": "selection_summary",
    "bandit": "bandit_summary",
    "two_step": "two_step_summary",
    "kl_tradeoff": "kl_tradeoff_summary",
}
RESULT_ROW_SCHEMA: dict[str, str] = {"eval": "eval_result_row", "selection": "selection_result_row"}


@dataclass
class Run:
    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def results_path(self) -> Path:
        return self.path / "results.jsonl"

    def results(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line, row) for each results row, validated against this kind's row schema."""
        schema = RESULT_ROW_SCHEMA.get(self.kind)
        for line, row in iter_jsonl(self.results_path, "results"):
            if schema is not None:
                validate_input(row, schema, path=self.results_path, line=line, what="results row")
            yield line, row


def _read_artifact(path: Path, schema: str, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"{what} is missing", path=path, hint="is this a complete run directory written by the kit?")
    try:
        data = read_json(path)
    except ValueError as exc:
        raise UserError(f"{what} is not valid JSON: {exc}", path=path) from None
    validate_input(data, schema, path=path, what=what)
    return data


def load_run(path: str | Path, role: str = "run") -> Run:
    """Open a run directory written by any of the kit's instruments."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"{role} directory does not exist", path=p, hint="pass the --outdir of an earlier run")
    if not p.is_dir():
        raise UserError(f"{role} must be a run directory, not a file", path=p, hint="pass the directory that holds manifest.json")
    manifest = _read_artifact(p / "manifest.json", "manifest", "manifest.json")
    kind = manifest["kind"]
    summary_schema = SUMMARY_SCHEMA.get(kind)
    if summary_schema is None:
        summary = {}
    else:
        summary = _read_artifact(p / "summary.json", summary_schema, "summary.json")
    if kind in RESULT_ROW_SCHEMA and not (p / "results.jsonl").is_file():
        raise UserError("results.jsonl is missing", path=p / "results.jsonl", hint="re-run the instrument to rebuild this run")
    return Run(path=p, manifest=manifest, summary=summary)
