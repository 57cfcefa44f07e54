"""``--chaff NAME``: run an exercise's tests against its public chaff, the way the lock stage does.

Imported by each exercise's tests/conftest.py. Under plain pytest,
``python -m pytest exercises/<id>/tests/test_regression.py --chaff NAME`` makes the ``student``
fixture load the student's module with ``exercises/<id>/chaffs/NAME.py`` applied to it (a public
chaff is a patch holding only its mistake: :mod:`course_core.module_patch`), and turns the
verdict round: the run passes (exit 0) when at least one test fails on the wrong version (the
chaff is caught) while the same tests pass on the student's own module (run again without
``--chaff`` to know), and fails (exit 1) otherwise. So the command a grade report prints for an
uncaught chaff fails until the student adds a test that catches it.
Under the grader the option is never given, and nothing here changes a run.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
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


RECHECK_ENV = "RLF_CHAFF_RECHECK"  # set for the run without --chaff: however the option came (PYTEST_ADDOPTS, @file, -o), it is off


def chosen(config: Any) -> str | None:
    """The chaff named on the command line, or None (always None in the recheck run)."""
    if os.environ.get(RECHECK_ENV):
        return None
    try:
        return config.getoption(OPTION)
    except ValueError:  # the option was never added (the conftest was not loaded at start-up)
        return None


def module_path(config: Any, exercise_dir: Path, module: str) -> tuple[Path, Path | None]:
    """What the ``student`` fixture imports under plain pytest: the module, and the chaff's patch on it when one is asked for."""
    name = chosen(config)
    if name is None:
        return exercise_dir / f"{module}.py", None
    path = exercise_dir / "chaffs" / f"{name}.py"
    if not path.is_file():
        from course_core.errors import did_you_mean

        known = sorted(p.stem for p in (exercise_dir / "chaffs").glob("*.py"))
        hint = did_you_mean(name, known, f"public chaffs: {', '.join(known) or '(none)'}")
        # a usage error (exit 4), never a failing test that the verdict would turn into "caught"
        pytest.exit(f"{OPTION} {name}: {exercise_dir.name}/chaffs/{name}.py does not exist; {hint}", returncode=pytest.ExitCode.USAGE_ERROR)
    from course_core import module_patch

    try:
        patches = module_patch.patched_file(path.read_bytes(), str(path))
    except module_patch.PatchError as exc:
        pytest.exit(f"{OPTION} {name}: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    if patches is None:
        return path, None  # a chaff that is a whole module of its own
    return exercise_dir / patches, path


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
    elif exitstatus == pytest.ExitCode.TESTS_FAILED and not _pass_without_chaff(session.config):
        message = (f"not counted: these tests fail on your own module too, without --chaff (a catch counts only when they "
                   f"pass there, as the grader's does): finish or fix your module, or the test, then try --chaff {name} again")
    elif exitstatus == pytest.ExitCode.TESTS_FAILED:
        session.exitstatus = pytest.ExitCode.OK
        message = f"caught: a test fails on chaffs/{name}.py (your module with its mistake put in) and passes on your module"
    else:
        return
    if reporter is not None:
        if getattr(reporter._tw, "width_of_current_line", 0):  # -q leaves the progress line open
            reporter._tw.line()
        reporter.write_line(f"--chaff {name}: {message}")


def _pass_without_chaff(config: Any) -> bool:
    """The same pytest command without ``--chaff``, on the student's own module: does it pass (exit 0)?

    The lock stage counts a chaff caught only when the tests pass on a correct module; at home
    that module is the student's, so ``--chaff`` asks the same of it.
    """
    given, args, i = list(config.invocation_params.args), [], 0
    while i < len(given):
        if given[i] == OPTION:
            i += 2  # the option and its NAME
            continue
        if not given[i].startswith(OPTION + "="):
            args.append(given[i])
        i += 1
    proc = subprocess.run([sys.executable, "-m", "pytest", *args, "-q", "--tb=no"], env={**os.environ, RECHECK_ENV: "1"},
                          cwd=config.invocation_params.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return proc.returncode == 0
