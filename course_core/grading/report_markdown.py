"""report.md: the grade report for a person reading a pull request or a CI job summary."""

from __future__ import annotations

import re
from typing import Any

from course_core.grading.report_model import FAILING, PENDING, STAGES, fmt, fraction, iter_checks, stage_map


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _fenced(text: str, info: str = "") -> list[str]:
    """A code fence longer than any backtick run inside ``text``, so nothing can break out of it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *text.rstrip("\n").splitlines(), fence]


def _stage_cell(exercise: dict[str, Any], stage: str) -> str:
    found = stage_map(exercise).get(stage)
    return "—" if found is None else fraction(found)


def _score_table(submission: dict[str, Any]) -> list[str]:
    lines = [
        "| exercise | loop | " + " | ".join(STAGES) + " | total |",
        "|---|:-:|" + "---:|" * len(STAGES) + "---:|",
    ]
    for exercise in submission["exercises"]:
        cells = [f"`{exercise['id']}` {_cell(exercise['title'])}", exercise["loop"]]
        cells += [_stage_cell(exercise, stage) for stage in STAGES]
        cells.append(f"**{fraction(exercise)}**")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _check_lines(check: dict[str, Any]) -> list[str]:
    hidden = " · hidden test" if check["visibility"] == "hidden" else ""
    status = check["status"].replace("_", " ")
    lines = [f"- **{_cell(check['name'])}** — {status}, {fmt(check['points'])}/{fmt(check['max_points'])} pts{hidden}"]
    if check["feedback"].strip():
        lines += ["", *("  " + line for line in _fenced(check["feedback"], "text"))]
    if check["command"]:
        lines += ["", f"  reproduce: `{check['command'].replace('`', '')}`"]
    return lines + [""]


def _failing_section(submission: dict[str, Any]) -> list[str]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    pending: list[str] = []
    for exercise, stage, check in iter_checks(submission):
        if check["status"] in FAILING:
            groups.setdefault((exercise["id"], stage["stage"]), []).append(check)
        elif check["status"] == PENDING:
            pending.append(f"`{exercise['id']}` {stage['stage']}: {_cell(check['name'])}")
    if not groups:
        lines = ["", "All checks passed." if not pending else "No failing checks."]
    else:
        lines = ["", "### What to fix"]
        for (ex_id, stage), checks in groups.items():
            lines += ["", f"#### `{ex_id}` · {stage}", ""]
            for check in checks:
                lines += _check_lines(check)
            lines.pop()
    if pending:
        lines += ["", "Awaiting the answer key (not counted either way): " + "; ".join(pending) + "."]
    return lines


def _prose_section(prose: list[dict[str, Any]]) -> list[str]:
    if not prose:
        return []
    lines = ["", "## Reflection prose (for a human reader)"]
    for item in prose:
        lines += ["", f"### {_cell(item['submission'])} · `{item['exercise']}` · {_cell(item['key'])} ({item['words']} words)", ""]
        lines += _fenced(item["text"] or "(empty)", "text")
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """The whole report as GitHub-flavoured Markdown."""
    hidden = "hidden tests included" if report["hidden_tests"] else "visible tests only"
    lines = [
        "# Grade report",
        "",
        f"kit {report['kit_version']} · {report['mode']} mode · {hidden} · {report['created_utc']}",
    ]
    for submission in report["submissions"]:
        lines += [
            "",
            f"## {_cell(submission['submission'])}: {fraction(submission)} ({submission['percent']:.1f}%)",
            "",
            f"source: `{submission['path'].replace('`', '')}`",
            "",
            *_score_table(submission),
            *_failing_section(submission),
        ]
    lines += _prose_section(report["prose"])
    return "\n".join(lines) + "\n"
