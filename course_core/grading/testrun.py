"""The trusted test runner: kit tests (visible and hidden) against one submission's module.

Run by the engine as ``python -m course_core.grading.testrun SPEC.json`` in a private
directory holding copies of the kit's test files. It is kit code only: the student's module
is reached exclusively through the ``student`` fixture's sandboxed worker
(:mod:`course_core.grading.harness`). Outcomes are collected in memory by a pytest plugin
and written to the results file named in the spec, in a directory the worker cannot reach;
nothing the worker prints or writes is read.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from course_core.grading.harness import StudentError, WorkerFailure, stop_workers

MAX_LINES, MAX_CHARS = 14, 1500


def _trim(text: str, lines: int = MAX_LINES, chars: int = MAX_CHARS) -> str:
    kept = [line.rstrip() for line in text.strip().splitlines()][:lines]
    out = "\n".join(kept)
    if len(out) > chars:
        out = out[: chars - 1] + "…"
    return out


def explain(excinfo: Any, hidden: bool) -> str:
    """What went wrong, for the student: the useful lines, never the grader's traceback."""
    exc = excinfo.value
    if isinstance(exc, WorkerFailure):
        # hidden: no arguments, which would reveal the hidden test's inputs
        return exc.message if hidden or not exc.call else f"{exc.message} (call {exc.call})"
    if isinstance(exc, StudentError):
        # hidden: no message either; student code could echo the hidden inputs through it
        where = f" (at {exc.where})" if exc.where else ""
        if exc.type_name == "NotImplementedError":
            return "not implemented yet" + ("" if hidden or not exc.message else f": {exc.message}")
        if hidden:
            return f"your code raised {exc.type_name}{where}"
        return f"your code raised {exc.type_name}: {_trim(exc.message, 4, 400)}{where}"
    if isinstance(exc, AssertionError):
        text = excinfo.exconly().removeprefix("AssertionError: ").removeprefix("AssertionError")
        first = text.strip().splitlines()[0] if text.strip() else ""
        if hidden:
            if first and not first.startswith("assert "):
                return _trim(first, 1, 300)
            return "the result differs from what this hidden test expects"
        return _trim(text) or "assertion failed"
    kind = type(exc).__name__
    if hidden:
        return f"this hidden test stopped with {kind} (check the shape and types of what your code returns)"
    return f"{kind}: {_trim(str(exc), 2, 300)}"


class Collector:
    """A pytest plugin that records each test's outcome, points and feedback."""

    def __init__(self, groups: list[dict[str, Any]]) -> None:
        self.groups = [(Path(g["path"]).resolve(), g) for g in groups]
        self.items: dict[str, dict[str, Any]] = {}
        self.collect_errors: list[dict[str, Any]] = []

    def _group(self, path: Path) -> dict[str, Any] | None:
        for root, group in self.groups:
            if path == root or root in path.parents:
                return group
        return None

    def pytest_configure(self, config: Any) -> None:
        config.addinivalue_line("markers", "points(n): points a graded exercise test is worth (default 1)")

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        for item in items:
            marker = item.get_closest_marker("points")
            points = 1.0
            if marker is not None:
                value = marker.args[0] if marker.args else marker.kwargs.get("n", 1)
                points = float(value)
            group = self._group(Path(str(item.path)).resolve()) or {}
            doc = (getattr(item, "function", None) and item.function.__doc__) or ""
            self.items[item.nodeid] = {
                "nodeid": item.nodeid,
                "file": Path(str(item.path)).name,
                "name": item.name,
                "group": group.get("name"),
                "points": points,
                "doc": doc.strip().splitlines()[0] if doc.strip() else "",
                "outcome": "not_run",
                "feedback": "",
            }

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Any:
        outcome = yield
        report = outcome.get_result()
        entry = self.items.get(item.nodeid)
        if entry is None:
            return
        group = self._group(Path(str(item.path)).resolve()) or {}
        hidden = group.get("visibility") == "hidden"
        if report.when == "call":
            if report.passed:
                entry["outcome"] = "passed"
            elif report.skipped:
                entry["outcome"] = "not_run"
                entry["feedback"] = "skipped by the test itself"
            else:
                entry["outcome"] = "failed"
                entry["feedback"] = explain(call.excinfo, hidden) if call.excinfo else "failed"
        elif report.failed:
            # setup/teardown trouble: a failing fixture is the grader's or the worker's problem
            entry["outcome"] = "error" if entry["outcome"] != "failed" else "failed"
            if not entry["feedback"]:
                entry["feedback"] = explain(call.excinfo, hidden) if call.excinfo else f"error during {report.when}"
        elif report.skipped and report.when == "setup":
            entry["outcome"] = "not_run"
            entry["feedback"] = "skipped by the test itself"

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            text = str(report.longrepr) if report.longrepr else "collection failed"
            self.collect_errors.append({"nodeid": report.nodeid, "error": _trim(text, 8, 800)})

    def results(self, exit_code: int) -> dict[str, Any]:
        return {"exit_code": exit_code, "tests": list(self.items.values()), "collect_errors": self.collect_errors}


def main(spec_path: str) -> int:
    from course_core.grading.sandbox import make_undumpable

    make_undumpable()
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    collector = Collector(spec["groups"])
    args = [
        *[g["path"] for g in spec["groups"]],
        "-c", os.devnull,
        "--rootdir", spec["rootdir"],
        "-p", "no:cacheprovider",
        "--import-mode=importlib",
        "--basetemp", spec["basetemp"],
        "-q",
        "--no-header",
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
    ]
    try:
        code = int(pytest.main(args, plugins=[collector]))
    finally:
        stop_workers()
    results = Path(spec["results"])
    tmp = results.with_suffix(".partial")
    tmp.write_text(json.dumps(collector.results(code), indent=1), encoding="utf-8")
    os.replace(tmp, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
