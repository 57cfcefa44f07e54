"""Machine-readable views of a grade report: Gradescope results.json, JUnit XML, a CSV gradebook.

Gradescope's format is the one documented at
https://gradescope-autograders.readthedocs.io/en/latest/specs/ (top-level ``score``, ``output``,
``stdout_visibility``, ``tests``; each test ``name``, ``number``, ``score``, ``max_score``,
``status`` passed/failed, ``output``, ``tags``, ``visibility``).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

from course_core.grading.report_model import FAILING, STAFF, exercise_columns, fmt, fraction, stage_map, total_line

# Characters XML 1.0 cannot carry at all (feedback may quote arbitrary student output).
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _pick(report: dict[str, Any], submission: str | None) -> dict[str, Any]:
    subs = report["submissions"]
    if submission is None:
        if len(subs) != 1:
            raise ValueError(f"the report holds {len(subs)} submissions; name one (Gradescope grades one at a time)")
        return subs[0]
    for sub in subs:
        if sub["submission"] == submission:
            return sub
    raise ValueError(f"no submission labelled {submission!r} in the report")


def _test_output(check: dict[str, Any]) -> str:
    parts = []
    if check["status"] == STAFF:
        parts.append(f"Graded by staff ({fmt(check['max_points'])} points): not counted by this grader.")
    if check["feedback"].strip():
        parts.append(check["feedback"].rstrip())
    if check["command"]:
        parts.append(f"Reproduce: {check['command']}")
    return "\n\n".join(parts)


def gradescope_results(report: dict[str, Any], submission: str | None = None) -> dict[str, Any]:
    """Gradescope's results.json for one submission (the only one, unless ``submission`` names it).

    Each check becomes a test worth its points, so the tests add up to the stage scores (a check
    graded by staff is worth 0 here); the top-level ``score`` is the submission's total.
    """
    sub = _pick(report, submission)
    tests: list[dict[str, Any]] = []
    summary = []
    for e, exercise in enumerate(sub["exercises"], 1):
        stages = stage_map(exercise)
        summary.append(
            f"{exercise['id']} ({exercise['title']}): {fraction(exercise)} — "
            + ", ".join(f"{name} {fraction(s)}" for name, s in stages.items())
        )
        for s, stage in enumerate(exercise["stages"], 1):
            for c, check in enumerate(stage["checks"], 1):
                counted = check["status"] != STAFF
                test: dict[str, Any] = {
                    "name": f"{exercise['id']} [{stage['stage']}] {check['name']}",
                    "number": f"{e}.{s}.{c}",
                    "score": round(check["points"], 4) if counted else 0.0,
                    "max_score": round(check["max_points"], 4) if counted else 0.0,
                    "output": _test_output(check),
                    "tags": [exercise["id"], stage["stage"]],
                    "visibility": "hidden" if check["visibility"] == "hidden" else "visible",
                }
                if counted:
                    test["status"] = "passed" if check["status"] == "passed" else "failed"
                tests.append(test)
    header = f"{total_line(sub)} points ({sub['percent']:.1f}%)"
    if report["hidden_tests"]:
        header += "; includes hidden tests"
    return {
        "score": round(sub["score"], 4),
        "output": "\n".join([header, *summary]),
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _xml_text(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def junit_xml(report: dict[str, Any]) -> str:
    """JUnit XML: one <testsuite> per submission × exercise × stage, one <testcase> per check."""
    multi = len(report["submissions"]) > 1
    root = ET.Element("testsuites", name="rl-foundations-llm grade")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for sub in report["submissions"]:
        prefix = f"{sub['submission']}/" if multi else ""
        for exercise in sub["exercises"]:
            for stage in exercise["stages"]:
                suite_name = _xml_text(f"{prefix}{exercise['id']}.{stage['stage']}")
                suite = ET.SubElement(root, "testsuite", name=suite_name)
                counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
                for check in stage["checks"]:
                    counts["tests"] += 1
                    case = ET.SubElement(suite, "testcase", classname=suite_name, name=_xml_text(check["name"]))
                    detail = _xml_text(
                        f"{check['status']}: {fmt(check['points'])}/{fmt(check['max_points'])} points"
                        + (" (hidden test)" if check["visibility"] == "hidden" else "")
                        + (f"\n\n{_test_output(check)}" if _test_output(check) else "")
                    )
                    first_line = _xml_text((check["feedback"].strip().splitlines() or [check["status"]])[0][:200])
                    if check["status"] == "error":
                        counts["errors"] += 1
                        ET.SubElement(case, "error", message=first_line, type="error").text = detail
                    elif check["status"] in FAILING:
                        counts["failures"] += 1
                        ET.SubElement(case, "failure", message=first_line, type=check["status"]).text = detail
                    elif check["status"] == STAFF:
                        counts["skipped"] += 1
                        ET.SubElement(case, "skipped", message="graded by staff; not counted here")
                for key, value in counts.items():
                    suite.set(key, str(value))
                    totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _csv_safe(text: str) -> str:
    """A label a spreadsheet will not evaluate as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def gradebook_csv(report: dict[str, Any]) -> str:
    """One row per submission: totals, then a column per exercise and per exercise.stage."""
    columns = exercise_columns(report)
    header = ["submission", "path", "total", "max", "percent"]
    for ex_id, stages in columns:
        header += [ex_id, *(f"{ex_id}.{stage}" for stage in stages)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for sub in report["submissions"]:
        by_id = {exercise["id"]: exercise for exercise in sub["exercises"]}
        row = [_csv_safe(sub["submission"]), _csv_safe(sub["path"]), fmt(sub["score"]), fmt(sub["max_score"]), f"{sub['percent']:.2f}"]
        for ex_id, stages in columns:
            exercise = by_id.get(ex_id)
            found = stage_map(exercise) if exercise else {}
            row.append(fmt(exercise["score"]) if exercise else "")
            row += [fmt(found[stage]["score"]) if stage in found else "" for stage in stages]
        writer.writerow(row)
    return out.getvalue()

