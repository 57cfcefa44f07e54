"""The grade report as the writers see it: walking it, checking its arithmetic, formatting points."""

from __future__ import annotations

import math
import shlex
from collections.abc import Iterator
from typing import Any

from course_core.errors import ArtifactBug

STAGES = ("build", "sabotage", "reflect", "repair")
FAILING = ("failed", "error", "not_run")  # statuses that cost points
PENDING = "pending_key"  # answer key absent: shown, never counted either way
TOLERANCE = 1e-6
COLLAPSE_AT = 3  # this many failing checks of one stage with the same feedback are shown as one entry


def fmt(points: float) -> str:
    """Points for people: at most two decimals, no trailing zeros (40, 12.5, 13.33)."""
    text = f"{points:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fraction(scored: dict[str, Any]) -> str:
    return f"{fmt(scored['score'])}/{fmt(scored['max_score'])}"


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

    for submission in report["submissions"]:
        label = submission["submission"]
        scored(label, submission["score"], submission["max_score"])
        expected = 100.0 * submission["score"] / submission["max_score"] if submission["max_score"] else 0.0
        if abs(submission["percent"] - expected) > 0.01:
            raise ArtifactBug(f"report.json: {label} percent {submission['percent']} != 100*score/max ({expected:.4f})")
        for exercise in submission["exercises"]:
            scored(f"{label}/{exercise['id']}", exercise["score"], exercise["max_score"])
            for stage in exercise["stages"]:
                scored(f"{label}/{exercise['id']}.{stage['stage']}", stage["score"], stage["max_score"])
                for check in stage["checks"]:
                    scored(f"{label}/{check['id']}", check["points"], check["max_points"])


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
