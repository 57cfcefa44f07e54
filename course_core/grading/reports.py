"""Grade reports: one report dict, validated, then written in every form its readers need.

``write_reports(report, outdir)`` writes report.json (schema-validated), report.md, Gradescope's
results.json, junit.xml, and gradebook.csv when there are several submissions;
``render_table(console, report)`` shows the same in a terminal.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

from course_core.artifacts.atomic import check_replaceable, write_text_atomic
from course_core.artifacts.strict_json import loads
from course_core.artifacts.schemas import check_artifact
from course_core.grading.report_exports import gradebook_csv, gradescope_results, junit_xml
from course_core.grading.report_markdown import render_markdown
from course_core.grading.report_model import (
    COLLAPSE_AT,
    FAILING,
    STAGES,
    check_arithmetic,
    fmt,
    fraction,
    graded_here,
    iter_checks,
    reproduce_all,
    stage_map,
    staff_summary,
    total_line,
)
from course_core.errors import UserError
from course_core.shell_layout import wrap_line

__all__ = ["gradescope_results", "render_markdown", "render_table", "validate_report", "write_reports"]

SCHEMA = "grade_report"
STEP_SUMMARY_LIMIT = 1_000_000  # GitHub refuses job summaries above 1 MiB
FEEDBACK_LINES = 12  # per failing check in the terminal; report.md has it all


def validate_report(report: dict[str, Any]) -> None:
    """Raise ArtifactBug unless the report satisfies its schema and its arithmetic adds up."""
    check_artifact(report, SCHEMA, artifact="report.json")
    check_arithmetic(report)


def validate_submission(submission: dict[str, Any], prose: list[dict[str, Any]]) -> None:
    """Raise unless a report holding this one submission validates and every writer can render it."""
    from course_core import __version__

    report = {
        "kind": "grade_report", "kit_version": __version__, "created_utc": "2000-01-01T00:00:00Z", "mode": "staff",
        "hidden_tests": False, "submissions": [submission], "prose": prose, "isolation": {"mode": "bwrap", "note": ""},
    }
    validate_report(report)
    _contents(report)


def _gradescope_name(index: int, label: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._") or "submission"
    return f"{index:03d}_{safe[:80]}.results.json"


def _contents(report: dict[str, Any]) -> dict[str, str]:
    """Every file to write, rendered in memory first: a rendering failure writes nothing."""

    def as_json(value: Any) -> str:
        return json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False) + "\n"  # any string can be written

    files = {"report.json": as_json(report), "report.md": render_markdown(report), "junit.xml": junit_xml(report)}
    subs = report["submissions"]
    if len(subs) == 1:
        files["results.json"] = as_json(gradescope_results(report))
    else:
        files["gradebook.csv"] = gradebook_csv(report)
        for i, sub in enumerate(subs, 1):
            files[f"gradescope/{_gradescope_name(i, sub['submission'])}"] = as_json(
                gradescope_results(report, sub["submission"])
            )
    return files


def _append_step_summary(markdown: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    data = markdown.encode("utf-8")
    if len(data) > STEP_SUMMARY_LIMIT:
        note = "\n\n(truncated: the full report is grade-report/report.md in the job's artifacts)\n"
        data = data[: STEP_SUMMARY_LIMIT - 200].decode("utf-8", "ignore").encode("utf-8") + note.encode()
    try:
        with open(target, "ab") as fh:
            fh.write(data)
    except OSError as exc:
        print(f"warning: could not append the report to GITHUB_STEP_SUMMARY ({exc})", file=sys.stderr)


def is_report_dir(folder: Path) -> bool:
    """Does ``folder`` hold reports course.grade wrote: a report.json of kind "grade_report" (schemas/grade_report.schema.json)?"""
    try:
        report = loads((folder / "report.json").read_bytes())
    except (OSError, ValueError):
        return False
    required = ("kind", "kit_version", "created_utc", "mode", "submissions")
    return isinstance(report, dict) and report.get("kind") == "grade_report" and all(key in report for key in required)


def check_grade_flags(fail_under: float | None, out: Path, writes_reports: bool) -> None:
    """--fail-under a percent in [0, 100]; --out a new or empty folder, or one an earlier grading wrote (else never overwritten)."""
    if fail_under is not None and not (math.isfinite(fail_under) and 0.0 <= fail_under <= 100.0):
        raise UserError(f"--fail-under must be a percent between 0 and 100, got {fail_under:g}", field="--fail-under",
                        hint="e.g. --fail-under 60 exits 1 when a submission scores below 60%")
    if writes_reports:
        check_replaceable(out, is_report_dir, "--out", "an earlier grade report (its report.json)",
                          "choose a new or empty folder for --out (an earlier grade-report/ may be replaced)")


def write_reports(report: dict[str, Any], outdir: Path) -> list[Path]:
    """Validate the report, then write each file atomically into ``outdir``; return their paths.

    One submission: report.json, report.md, junit.xml, results.json (Gradescope).
    Several: report.json, report.md, junit.xml, gradebook.csv, and gradescope/NNN_<label>.results.json.
    When ``$GITHUB_STEP_SUMMARY`` is set, report.md is appended to it (the CI job summary).
    """
    validate_report(report)
    files = _contents(report)
    outdir = Path(outdir)
    written = []
    for name, text in files.items():
        path = outdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
        written.append(path)
    _remove_stale(outdir, set(files))
    _append_step_summary(files["report.md"])
    return written


def _remove_stale(outdir: Path, current: set[str]) -> None:
    """Delete report files an earlier grading run left in ``outdir`` that this run did not write.

    Only names this module writes are touched (a one-submission run after a many-submission
    run must not leave the old gradebook.csv looking current); nothing else in ``outdir`` is.
    """
    candidates = [outdir / n for n in ("report.json", "report.md", "junit.xml", "results.json", "gradebook.csv")]
    candidates += sorted((outdir / "gradescope").glob("*.results.json"))
    for path in candidates:
        if path.relative_to(outdir).as_posix() not in current and path.is_file() and not path.is_symlink():
            path.unlink()
    with contextlib.suppress(OSError):
        (outdir / "gradescope").rmdir()  # only if now empty


def _cell_style(scored: dict[str, Any]) -> str:
    if graded_here(scored) > 0 and scored["score"] >= graded_here(scored) - 1e-9:
        return "green"
    return "red" if scored["score"] <= 0 else "yellow"


def _render_check(con: Any, name: str, points: str, checks: list[dict[str, Any]]) -> None:
    from rich.padding import Padding
    from rich.text import Text

    def indented(text: Text, by: int) -> None:
        con.print(Padding(text, (0, 0, 0, by), expand=False))

    first = checks[0]
    hidden = ", hidden" if all(c["visibility"] == "hidden" for c in checks) else ""
    status = first["status"].replace("_", " ") if len({c["status"] for c in checks}) == 1 else "failed"
    indented(Text.assemble(("✗ ", "red"), name, (f"  {points} {status}{hidden}", "dim")), 2)
    lines = first["feedback"].strip().splitlines()
    if len(lines) > FEEDBACK_LINES:
        lines = [*lines[:FEEDBACK_LINES], f"… ({len(lines) - FEEDBACK_LINES} more lines in report.md)"]
    for line in lines:
        indented(Text(line), 4)
    command = reproduce_all(checks)
    if command:
        for line in _reproduce_lines("reproduce: " + command, con.width):
            con.print(Text(line, style="cyan"), no_wrap=True, overflow="ignore", crop=False)


def _reproduce_lines(text: str, width: int) -> list[str]:
    """A reproduce command broken only between shell words, each broken line ending in ` \\`, so a
    copy of it runs: indented under its check, or from the first column when a word (a long test
    id) needs the room; folded anywhere only when a single word is wider than the terminal."""
    for indent, continued in (("    ", "  "), ("", "")):
        lines = wrap_line(text, width, indent=indent, continued=continued)
        if all(len(line) <= width for line in lines):
            return lines
    return [text[i : i + width] for i in range(0, len(text), width)]


def _render_failing(con: Any, failing: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]) -> None:
    """Failing checks under an exercise · stage heading; many with the same feedback share one entry."""
    from rich.text import Text

    groups: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    for exercise, stage, check in failing:
        groups.setdefault((exercise["id"], stage["stage"]), {}).setdefault(check["feedback"].strip(), []).append(check)
    for (ex_id, stage_name), by_feedback in groups.items():
        con.print(Text(f"{ex_id} · {stage_name}", style="bold"))
        for checks in by_feedback.values():
            if len(checks) < COLLAPSE_AT:
                for check in checks:
                    _render_check(con, check["name"], f"{fmt(check['points'])}/{fmt(check['max_points'])}", [check])
                continue
            names = ", ".join(c["name"] for c in checks[:2]) + f" and {len(checks) - 2} more"
            points = f"{fmt(sum(c['points'] for c in checks))}/{fmt(sum(c['max_points'] for c in checks))}"
            _render_check(con, f"{len(checks)} checks ({names})", points, checks)


def render_table(con: Any, report: dict[str, Any]) -> None:
    """Per submission: a table exercise × stage with scores, then each failing check and its feedback."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    for sub in report["submissions"]:
        con.print(Text.assemble((sub["submission"], "bold"), f"  {total_line(sub)} ({sub['percent']:.1f}%)"))
        table = Table(show_edge=False, pad_edge=False, header_style="bold")
        table.add_column("exercise", overflow="fold", ratio=2)
        for stage in STAGES:
            table.add_column(stage, justify="right", no_wrap=True)
        table.add_column("total", justify="right", no_wrap=True)
        for exercise in sub["exercises"]:
            stages = stage_map(exercise)
            cells: list[Any] = [Text.assemble((exercise["id"], "bold"), f" ({exercise['loop']})")]
            for name in STAGES:
                found = stages.get(name)
                cells.append(Text("—", style="dim") if found is None else Text(fraction(found), style=_cell_style(found)))
            cells.append(Text(fraction(exercise), style="bold " + _cell_style(exercise)))
            table.add_row(*cells)
        con.print(table)
        failing = [(e, s, c) for e, s, c in iter_checks(sub) if c["status"] in FAILING]
        _render_failing(con, failing)
        if not failing:
            con.print(Text(f"every check graded here passed: {total_line(sub)}", style="green"))
        staff, readers = staff_summary(sub, [p for p in report["prose"] if p["submission"] == sub["submission"]])
        if staff:
            con.print(Text("graded by staff (+N in the table):", style="bold"))
            for line in staff:
                con.print(Padding(Text(line, style="dim"), (0, 0, 0, 2), expand=False))
        if readers:
            con.print(Text("a person will read your prose answers: " + "; ".join(readers), style="dim"))
        con.print()
