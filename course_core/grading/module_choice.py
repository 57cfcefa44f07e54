"""``--chaff NAME``: run an exercise's tests against its public chaff, the way the lock stage does.

Imported by each exercise's tests/conftest.py. Under plain pytest,
``python -m pytest exercises/<id>/tests/test_regression.py --chaff NAME`` makes the ``student``
fixture load the student's module with ``exercises/<id>/chaffs/NAME.py`` applied to it (a public
chaff is a patch holding only its mistake: :mod:`course_core.module_patch`), and turns the
verdict round: the run passes (exit 0) when at least one test fails on the wrong version (the
chaff is caught) and fails (exit 1) when every test passes on it. So the command a grade report
prints for an uncaught chaff fails until the student adds a test that catches it.
Under the grader the option is never given, and nothing here changes a run.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

OPTION = "--chaff"


def pytest_addoption(parser: Any) -> None:
    # the grader's test folders each hold a copy of the conftest: the option is added once
    with contextlib.suppress(ValueError):
        parser.addoption(
            OPTION, metavar="NAME", default=None,
            help="test your module with chaffs/NAME.py's mistake put in (a public wrong version): passes when a test catches it",
        )


def chosen(config: Any) -> str | None:
    """The chaff named on the command line, or None."""
    try:
        return config.getoption(OPTION)
    except ValueError:  # the option was never added (the conftest was not loaded at start-up)
        return None


def module_path(config: Any, exercise_dir: Path, module: str) -> tuple[Path, Path | None]:
    """What the ``student`` fixture imports under plain pytest: the module, and the chaff's patch on it when one is asked for."""
    own = exercise_dir / f"{module}.py"
    name = chosen(config)
    if name is None:
        return own, None
    path = exercise_dir / "chaffs" / f"{name}.py"
    if not path.is_file():
        from course_core.errors import did_you_mean

        known = sorted(p.stem for p in (exercise_dir / "chaffs").glob("*.py"))
        hint = did_you_mean(name, known, f"public chaffs: {', '.join(known) or '(none)'}")
        # a usage error (exit 4), never a failing test that the verdict would turn into "caught"
        pytest.exit(f"{OPTION} {name}: {exercise_dir.name}/chaffs/{name}.py does not exist; {hint}", returncode=pytest.ExitCode.USAGE_ERROR)
    from course_core import module_patch

    if module_patch.patched_file(path.read_bytes(), str(path)) is None:
        return path, None  # a chaff that is a whole module of its own
    return own, path


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    name = chosen(session.config)
    if name is None or getattr(session, "_chaff_verdict", False):
        return
    session._chaff_verdict = True  # several conftest copies may import this hook: decide once
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        message = f"every test passes on chaffs/{name}.py, a wrong version: add a test that fails on it"
    elif exitstatus == pytest.ExitCode.TESTS_FAILED and reporter is not None and _only_stubs_failed(reporter):
        message = (f"not caught yet: every failing test fails on a NotImplementedError, a stub of your module's. chaffs/{name}.py "
                   "puts its mistake into your module, so finish the Build first (these tests pass without --chaff)")
    elif exitstatus == pytest.ExitCode.TESTS_FAILED:
        session.exitstatus = pytest.ExitCode.OK
        message = f"caught: a test fails on chaffs/{name}.py (your module with its mistake put in), as it should on a wrong version"
    else:
        return
    if reporter is not None:
        if getattr(reporter._tw, "width_of_current_line", 0):  # -q leaves the progress line open
            reporter._tw.line()
        reporter.write_line(f"--chaff {name}: {message}")


def _only_stubs_failed(reporter: Any) -> bool:
    """Every failure a NotImplementedError: the module under the patch is unfinished, so nothing was caught."""
    failed = [*reporter.stats.get("failed", []), *reporter.stats.get("error", [])]

    def stub(report: Any) -> bool:
        crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
        return crash is not None and str(crash.message).startswith("NotImplementedError")

    return bool(failed) and all(stub(r) for r in failed)
