"""The trusted test runner: kit tests (visible and hidden) against one submission's module.

Run by the engine as ``python -m course_core.grading.testrun SPEC.json`` in a private
directory holding copies of the kit's test files. It is kit code only: the student's module
is reached exclusively through the ``student`` fixture's sandboxed worker
(:mod:`course_core.grading.harness`). Outcomes are collected by pytest-json-report's plugin
(with each test's points and feedback as its metadata) and written to the results file named in the spec, in a directory the worker cannot reach;
nothing the worker prints or writes is read.
"""

from __future__ import annotations

import builtins
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


def builtin_name(type_name: str) -> str:
    """A builtin exception's name as is; any other class name only as "an exception of your own class"."""
    found = getattr(builtins, type_name, None) if type_name.isidentifier() else None
    if isinstance(found, type) and issubclass(found, BaseException):
        return type_name
    return "an exception of a class of your own"


def explain(excinfo: Any, hidden: bool) -> str:
    """What went wrong, for the student: the useful lines, never the grader's traceback."""
    exc = excinfo.value
    if isinstance(exc, WorkerFailure):
        # hidden: the kit's words only; no arguments, nothing the student's code said
        if hidden:
            return exc.hidden
        return _trim(exc.message, 4, 600) + (f" (call {exc.call})" if exc.call else "")
    if isinstance(exc, StudentError):
        # hidden: kit words only. The message, the place (a function or file name made at run
        # time) and a class of the student's own (its name made from the inputs) could all
        # carry the hidden inputs back.
        if exc.type_name == "NotImplementedError":
            return "not implemented yet" + ("" if hidden or not exc.message else f": {exc.message}")
        if hidden:
            return f"your code raised {builtin_name(exc.type_name)}"
        where = f" (at {exc.where})" if exc.where else ""
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


class Feedback:
    """A pytest plugin for pytest-json-report: each test's points, docstring and feedback as its metadata."""

    def __init__(self, groups: list[dict[str, Any]]) -> None:
        self.groups = [(Path(g["path"]).resolve(), g) for g in groups]
        self.first: dict[str, str] = {}

    def _hidden(self, item: Any) -> bool:
        path = Path(str(item.path)).resolve()
        for root, group in self.groups:
            if path == root or root in path.parents:
                return group.get("visibility") == "hidden"
        return False

    def pytest_configure(self, config: Any) -> None:
        config.addinivalue_line("markers", "points(n): points a graded exercise test is worth (default 1)")

    def pytest_json_runtest_metadata(self, item: Any, call: Any) -> dict[str, Any]:
        if call.when == "setup":
            marker = item.get_closest_marker("points")
            points = marker.args[0] if marker is not None and marker.args else (marker.kwargs.get("n", 1) if marker else 1)
            doc = (getattr(item, "function", None) and item.function.__doc__) or ""
            meta = {"points": float(points), "doc": doc.strip().splitlines()[0] if doc.strip() else ""}
        else:
            meta = {}
        if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception) and item.nodeid not in self.first:
            self.first[item.nodeid] = explain(call.excinfo, self._hidden(item))
        if item.nodeid in self.first:
            meta["feedback"] = self.first[item.nodeid]
        return meta


OUTCOMES = {"passed": "passed", "failed": "failed", "error": "error", "skipped": "not_run", "xfailed": "passed", "xpassed": "failed"}


def results_from(report: dict[str, Any], exit_code: int) -> dict[str, Any]:
    """pytest-json-report's report → the runner's results: one entry per test, and collection errors."""
    tests = []
    for t in report.get("tests", []):
        nodeid = t["nodeid"]
        path, _, name = nodeid.partition("::")
        meta = t.get("metadata") or {}
        outcome = OUTCOMES.get(t.get("outcome", ""), "error")
        if outcome == "error" and (t.get("call") or {}).get("outcome") == "failed":
            outcome = "failed"
        feedback = "" if outcome == "passed" else meta.get("feedback") or ("skipped by the test itself" if outcome == "not_run" else "failed")
        tests.append({
            "nodeid": nodeid, "file": Path(path).name, "name": name, "group": Path(path).parts[0] if Path(path).parts else "",
            "points": float(meta.get("points", 1.0)), "doc": meta.get("doc", ""), "outcome": outcome, "feedback": feedback,
        })
    errors = [
        {"nodeid": c.get("nodeid", ""), "error": _trim(str(c.get("longrepr") or "collection failed"), 8, 800)}
        for c in report.get("collectors", []) if c.get("outcome") == "failed"
    ]
    return {"exit_code": exit_code, "tests": tests, "collect_errors": errors}


def main(spec_path: str) -> int:
    from pytest_jsonreport.plugin import JSONReport

    from course_core.grading.sandbox import make_undumpable

    make_undumpable()
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    report = JSONReport()
    args = [
        *[g["path"] for g in spec["groups"]],
        "-c", os.devnull,
        "--rootdir", spec["rootdir"],
        "--confcutdir", spec["rootdir"],  # pytest then collects from here, never listing the parent folders' entries
        "-p", "no:cacheprovider", "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:doctest", "-p", "no:stepwise",
        "--import-mode=importlib",
        "--basetemp", spec["basetemp"],
        "-q",
        "--no-header",
        # plain Python tracebacks in the run's log: feedback is read from the exception itself (explain),
        # and pytest's own long tracebacks cost ~20 ms a failed test (a3's untouched stubs: 8.0 -> 4.2-4.7 s of CPU)
        "--tb=native",
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
        "-p", "pytest_jsonreport.plugin",
        "--json-report-file=none",
        "--json-report-omit", "log", "traceback", "streams", "warnings", "keywords",
    ]
    try:
        code = int(pytest.main(args, plugins=[report, Feedback(spec["groups"])]))
    finally:
        stop_workers()
    results = Path(spec["results"])
    tmp = results.with_suffix(".partial")
    tmp.write_text(json.dumps(results_from(report.report or {}, code), indent=1, ensure_ascii=True), encoding="utf-8")
    os.replace(tmp, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
