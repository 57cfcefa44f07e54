"""The grade report as the writers see it: walking it, checking its arithmetic, formatting points."""

from __future__ import annotations

import math
import shlex
from collections.abc import Iterator
from typing import Any

from course_core.errors import ArtifactBug

STAGES = ("build", "sabotage", "reflect", "repair")
FAILING = ("failed", "error", "not_run")  # statuses that cost points
STAFF = "staff"  # graded where the instructors' files are (hidden tests and chaffs, answer key): shown with its points, not counted here
STAFF_REPRODUCE = "graded by staff"  # what a failing check without a command says instead (it needs solutions/)
TOLERANCE = 1e-6
COLLAPSE_AT = 3  # this many failing checks of one stage with the same feedback are shown as one entry


def fmt(points: float) -> str:
    """Points for people: at most two decimals, no trailing zeros (40, 12.5, 13.33)."""
    text = f"{points:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def graded_here(scored: dict[str, Any]) -> float:
    """The points of a report entry graded in this run: its maximum minus what staff grade."""
    return scored["max_score"] - scored.get("staff_points", 0.0)


def fraction(scored: dict[str, Any]) -> str:
    """``score/max``; with points graded by staff, ``score/here +staff`` (e.g. ``12/25 +15``)."""
    staff = scored.get("staff_points", 0.0)
    text = f"{fmt(scored['score'])}/{fmt(graded_here(scored))}"
    return f"{text} +{fmt(staff)}" if staff > TOLERANCE else text


def total_line(scored: dict[str, Any]) -> str:
    """A submission's total in words: ``x/y``, or ``x / y graded here, z more graded by staff``."""
    staff = scored.get("staff_points", 0.0)
    if staff <= TOLERANCE:
        return f"{fmt(scored['score'])}/{fmt(scored['max_score'])}"
    return f"{fmt(scored['score'])} / {fmt(graded_here(scored))} graded here, {fmt(staff)} more graded by staff"


def reproduce(check: dict[str, Any]) -> str | None:
    """What reruns a failing check: its command, or "graded by staff" for one that needs the instructors' files."""
    if check["command"]:
        return check["command"]
    return STAFF_REPRODUCE if check["visibility"] == "hidden" or check["status"] == STAFF else None


def stage_map(exercise: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {stage["stage"]: stage for stage in exercise["stages"]}


def iter_checks(submission: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(exercise, stage, check) for every check of one submission, in report order."""
    for exercise in submission["exercises"]:
        for stage in exercise["stages"]:
            for check in stage["checks"]:
                yield exercise, stage, check


def exercise_columns(report: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Every exercise id in order of first appearance, with the stages any submission reported for it."""
    seen: dict[str, list[str]] = {}
    for submission in report["submissions"]:
        for exercise in submission["exercises"]:
            stages = seen.setdefault(exercise["id"], [])
            for stage in exercise["stages"]:
                if stage["stage"] not in stages:
                    stages.append(stage["stage"])
    return [(ex_id, sorted(stages, key=STAGES.index)) for ex_id, stages in seen.items()]


def check_arithmetic(report: dict[str, Any]) -> None:
    """Scores are finite, never above their maximum, and percent agrees: otherwise a grader bug."""

    def scored(where: str, score: Any, max_score: Any) -> None:
        for name, value in (("score", score), ("max", max_score)):
            if not math.isfinite(value):
                raise ArtifactBug(f"report.json: {where} has a non-finite {name} ({value!r})")
        if score > max_score + TOLERANCE:
            raise ArtifactBug(f"report.json: {where} scores {score} above its maximum {max_score}")

    def adds(where: str, whole: dict[str, Any], parts: list[dict[str, Any]], score: str, max_key: str, staff: str | None) -> None:
        """A total is what its parts add up to (no rescaling): score, maximum, and the points staff grade."""
        sums = {
            "score": sum(p[score] for p in parts),
            "max_score": sum(p[max_key] for p in parts),
            "staff_points": sum(p[staff] for p in parts) if staff else sum(p["max_points"] for p in parts if p["status"] == STAFF),
        }
        for key, value in sums.items():
            if abs(whole.get(key, 0.0) - value) > 1e-4:
                raise ArtifactBug(f"report.json: {where} {key} {whole.get(key)} is not what its parts add up to ({value})")

    for submission in report["submissions"]:
        label = submission["submission"]
        scored(label, submission["score"], graded_here(submission))
        adds(label, submission, submission["exercises"], "score", "max_score", "staff_points")
        expected = 100.0 * submission["score"] / graded_here(submission) if graded_here(submission) > 0 else 0.0
        if abs(submission["percent"] - expected) > 0.01:
            raise ArtifactBug(f"report.json: {label} percent {submission['percent']} != 100*score/max ({expected:.4f})")
        for exercise in submission["exercises"]:
            for stage in exercise["stages"]:
                for check in stage["checks"]:
                    scored(f"{label}/{check['id']}", check["points"], check["max_points"])
                scored(f"{label}/{exercise['id']}.{stage['stage']}", stage["score"], graded_here(stage))
                adds(f"{label}/{exercise['id']}.{stage['stage']}", stage, stage["checks"], "points", "max_points", None)
            scored(f"{label}/{exercise['id']}", exercise["score"], graded_here(exercise))
            adds(f"{label}/{exercise['id']}", exercise, exercise["stages"], "score", "max_score", "staff_points")


def shared_command(checks: list[dict[str, Any]]) -> str | None:
    """One command that reruns all ``checks``: their common test file when they share one."""
    commands = [c["command"] for c in checks]
    if len(commands) == 1 or None in commands:
        return commands[0]
    try:
        argvs = [shlex.split(command) for command in commands]
    except ValueError:
        return commands[0]
    heads = {tuple(argv[:-1]) for argv in argvs}
    files = {argv[-1].split("::", 1)[0] for argv in argvs if argv}
    if len(heads) == 1 and len(files) == 1:
        return shlex.join([*heads.pop(), files.pop()])
    return commands[0]


def reproduce_all(checks: list[dict[str, Any]]) -> str | None:
    """One line that reruns ``checks`` (which share a feedback): their shared command, or "graded by staff"."""
    return shared_command(checks) or reproduce(checks[0])


def staff_summary(submission: dict[str, Any], prose: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(what staff grading adds, one line per exercise; the prose answers a person will read)."""
    staff = []
    for exercise in submission["exercises"]:
        parts = [f"{c['name']} ({fmt(c['max_points'])})" for _, _, c in iter_checks({"exercises": [exercise]}) if c["status"] == STAFF]
        if parts:
            staff.append(f"{exercise['id']}: {fmt(exercise.get('staff_points', 0.0))} points — " + ", ".join(parts))
    readers = [f"{p['exercise']} '{p['key']}' ({p['words']} words)" for p in prose if p["words"] > 0]
    return staff, readers
