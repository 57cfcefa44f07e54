"""report.md: the grade report for a person reading a pull request or a CI job summary."""

from __future__ import annotations

import re
from typing import Any

from course_core.grading.report_model import (
    COLLAPSE_AT,
    FAILING,
    STAFF_REPRODUCE,
    STAGES,
    fmt,
    fraction,
    iter_checks,
    reproduce_all,
    stage_map,
    staff_summary,
    total_line,
)


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


def _entry(title: str, checks: list[dict[str, Any]]) -> list[str]:
    """One list item: the check (or several sharing one feedback), its feedback, how to rerun it."""
    first = checks[0]
    hidden = " · hidden test" if all(c["visibility"] == "hidden" for c in checks) else ""
    status = first["status"].replace("_", " ") if len({c["status"] for c in checks}) == 1 else "failed"
    points = f"{fmt(sum(c['points'] for c in checks))}/{fmt(sum(c['max_points'] for c in checks))}"
    lines = [f"- {title} — {status}, {points} pts{hidden}"]
    if first["feedback"].strip():
        lines += ["", *("  " + line for line in _fenced(first["feedback"], "text"))]
    command = reproduce_all(checks)
    if command == STAFF_REPRODUCE:  # not a command: it needs the instructors' files
        lines += ["", f"  reproduce: {STAFF_REPRODUCE} (it needs the instructors' files)"]
    elif command:
        lines += ["", f"  reproduce: `{command.replace('`', '')}`"]
    return lines + [""]


def _stage_entries(checks: list[dict[str, Any]]) -> list[str]:
    by_feedback: dict[str, list[dict[str, Any]]] = {}
    for check in checks:
        by_feedback.setdefault(check["feedback"].strip(), []).append(check)
    lines: list[str] = []
    for same in by_feedback.values():
        if len(same) < COLLAPSE_AT:
            for check in same:
                lines += _entry(f"**{_cell(check['name'])}**", [check])
        else:
            names = "; ".join(_cell(c["name"]) for c in same)
            lines += _entry(f"**{len(same)} checks** with the same feedback ({names})", same)
    return lines


def _failing_section(submission: dict[str, Any], prose: list[dict[str, Any]]) -> list[str]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for exercise, stage, check in iter_checks(submission):
        if check["status"] in FAILING:
            groups.setdefault((exercise["id"], stage["stage"]), []).append(check)
    if not groups:
        lines = ["", f"Every check graded here passed: {total_line(submission)}."]
    else:
        lines = ["", "### What to fix"]
        for (ex_id, stage), checks in groups.items():
            lines += ["", f"#### `{ex_id}` · {stage}", "", *_stage_entries(checks)]
            lines.pop()
    staff, readers = staff_summary(submission, prose)
    if staff:
        lines += ["", "### Graded by staff", "", *(f"- {_cell(line)}" for line in staff)]
    if readers:
        lines += ["", "A person will read your prose answers: " + "; ".join(_cell(r) for r in readers) + "."]
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
            f"## {_cell(submission['submission'])}: {total_line(submission)} ({submission['percent']:.1f}%)",
            "",
            f"source: `{submission['path'].replace('`', '')}`",
            "",
            *_score_table(submission),
            *_failing_section(submission, [p for p in report["prose"] if p["submission"] == submission["submission"]]),
        ]
    lines += _prose_section(report["prose"])
    return "\n".join(lines) + "\n"
