"""Lock: judge the student's regression tests the way a test suite should be judged.

The student's ``tests/test_regression.py`` is student code, so it runs with pytest INSIDE the
sandbox, once per variant: each wheat (a correct module) and each chaff (a plausible wrong
one) installed as ``<module>.py`` in the scratch dir, the kit's conftest beside the tests
(there the ``student`` fixture is the real imported module, as in plain pytest). Only the
exit status counts: 0 = the suite passed, 1 = it failed; anything else (timeout, crash, usage
error, no tests collected) is an error and earns nothing.

Points: 0 if any wheat fails; otherwise lock_points × (chaffs caught / chaffs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from course_core.grading.exercise import Exercise
from course_core.grading.sandbox import MessageTooLarge, Sandbox, SandboxError, WorkerDied, WorkerTimeout, describe_exit, kit_library, python_paths

SUMMARY_RE = re.compile(r"^(FAILED|ERROR) (\S+)")
PYTEST_MEANING = {2: "pytest was interrupted", 3: "pytest hit an internal error", 4: "pytest was called wrongly", 5: "no tests were collected"}


@dataclass
class Variant:
    role: str  # "wheat" | "chaff"
    name: str
    path: Path
    visibility: str  # "visible" | "hidden"


@dataclass
class SuiteRun:
    status: str  # "passed" (exit 0) | "failed" (exit 1) | "error"
    detail: str
    failing: list[str]  # test ids the student's suite reported as failing or erroring


def _failing_tests(output: str) -> list[str]:
    found = []
    for line in output.splitlines():
        m = SUMMARY_RE.match(line.strip())
        if m and m.group(2) not in found:
            found.append(m.group(2).split(" - ")[0])
    return found[:10]


def run_suite(exercise: Exercise, student_tests: Path, variant: Path, conftest: Path) -> SuiteRun:
    """pytest on the student's tests against ``variant``, inside the sandbox."""
    module_file = exercise.module_file
    test_name = Path(exercise.stages["repair"].student_tests or "tests/test_regression.py").name
    files: dict[str, Path | bytes] = {
        module_file: variant,
        f"tests/{test_name}": student_tests,
        "tests/conftest.py": conftest,
    }
    sandbox = Sandbox(exercise.limits, label="lock run")
    try:
        sandbox.start(
            {
                "mode": "pytest",
                "sys_path": ["__SCRATCH__", str(kit_library()), *python_paths()],
                "module_file": module_file,
                "pytest_args": [
                    f"tests/{test_name}", "-c", "/dev/null", "--rootdir", ".", "-p", "no:cacheprovider",
                    "-q", "--no-header", "--tb=no", "-rfE", "-o", "console_output_style=classic",
                ],
            },
            files,
        )
        reply = sandbox.recv(exercise.limits.timeout_s)
    except WorkerTimeout:
        return SuiteRun("error", f"your tests did not finish within {exercise.limits.timeout_s:g} s", [])
    except WorkerDied as died:
        return SuiteRun("error", "your tests " + describe_exit(died.returncode, exercise.limits).removeprefix("your code "), [])
    except (MessageTooLarge, ValueError):
        return SuiteRun("error", "your tests garbled the sandbox's replies", [])
    except SandboxError as exc:
        return SuiteRun("error", f"grader problem: {exc}", [])
    finally:
        sandbox.close()
    code = reply.get("exit")
    output = str(reply.get("output", ""))
    if code == 0:
        return SuiteRun("passed", "", [])
    if code == 1:
        return SuiteRun("failed", "", _failing_tests(output))
    meaning = PYTEST_MEANING.get(code, f"exit status {code}") if isinstance(code, int) else "no exit status"
    return SuiteRun("error", f"your test run ended with an error: {meaning}", [])


def _static_names(failing: list[str], tests_file: Path) -> list[str]:
    """Failing test names that are literally defined in the student's file, parameters dropped.

    Names reported while running against the reference are student-controlled text (dynamic
    parametrize ids could carry the reference's outputs); only static ``def`` names are shown.
    """
    try:
        source = tests_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    defined = set(re.findall(r"^\s*(?:async\s+)?def\s+(test\w*)", source, re.MULTILINE))
    shown = []
    for nodeid in failing:
        name = nodeid.split("::")[-1].split("[")[0]
        if name in defined and name not in shown:
            shown.append(name)
    return shown


def variants(exercise: Exercise, staged_module: Path | None, solutions_dir: Path | None) -> list[Variant]:
    """Wheats (the reference solution; the student's own module when given) then chaffs (public, hidden)."""
    found: list[Variant] = []
    if solutions_dir is not None and (solutions_dir / exercise.module_file).is_file():
        found.append(Variant("wheat", "reference", solutions_dir / exercise.module_file, "hidden"))
    if staged_module is not None:
        found.append(Variant("wheat", "your_module", staged_module, "visible"))
    for folder, visibility in ((exercise.folder / "chaffs", "visible"), (solutions_dir / "chaffs" if solutions_dir else None, "hidden")):
        if folder is not None and folder.is_dir():
            for path in sorted(folder.glob("*.py")):
                found.append(Variant("chaff", path.stem, path, visibility))
    return found


def judge(exercise: Exercise, student_tests: Path | None, conftest: Path, found: list[Variant], refused_note: str = "") -> list[dict]:
    """One raw check per variant: chaffs carry 1 raw point each, wheats 0 (but a failing wheat voids the chaffs)."""
    ex = exercise.id
    test_rel = exercise.stages["repair"].student_tests or "tests/test_regression.py"
    own_command = f"python -m pytest exercises/{ex}/{test_rel} -q"
    checks: list[dict] = []
    wheats = [v for v in found if v.role == "wheat"]
    chaffs = [v for v in found if v.role == "chaff"]

    def check(v: Variant, status: str, fraction: float, feedback: str) -> dict:
        if v.role == "wheat":
            name = "your tests pass on the reference solution" if v.name == "reference" else "your tests pass on your own module"
        else:
            name = f"your tests catch chaff '{v.name}'"
        return {
            "id": f"{ex}.repair.lock.{v.role}.{v.name}",
            "name": name,
            "raw": 0.0 if v.role == "wheat" else 1.0,
            "fraction": fraction,
            "status": status,
            "visibility": v.visibility,
            "feedback": feedback,
            "command": own_command if v.role == "wheat" else None,
            "pool": "lock",
        }

    if student_tests is None:
        why = refused_note or f"{test_rel} is not in your submission"
        return [check(v, "failed", 0.0, why) for v in chaffs] or []
    if not wheats:
        note = (
            "not run: make the visible tests pass first. Without the reference solution here, your own "
            f"{exercise.module_file} is the correct version your regression tests are checked against"
        )
        return [check(v, "not_run", 0.0, note) for v in chaffs]
    runs = {id(v): run_suite(exercise, student_tests, v.path, conftest) for v in found}
    wheat_ok = True
    for v in wheats:
        run = runs[id(v)]
        if run.status == "passed":
            checks.append(check(v, "passed", 1.0, ""))
            continue
        wheat_ok = False
        if run.status == "error":
            checks.append(check(v, "error", 0.0, run.detail))
            continue
        failing = run.failing if v.name != "reference" else _static_names(run.failing, student_tests)
        which = ", ".join(failing) if failing else f"{len(run.failing) or 'some'} of your tests"
        whose = "a correct solution (the reference)" if v.name == "reference" else f"your own {exercise.module_file}, which passes the visible tests"
        checks.append(check(
            v, "failed", 0.0,
            f"your tests fail on {whose}: {which}. A regression test must pass on every correct "
            "implementation: test what the contract promises, not details of one version.",
        ))
    for v in chaffs:
        run = runs[id(v)]
        where = f" (study exercises/{ex}/chaffs/{v.name}.py)" if v.visibility == "visible" else ""
        if run.status == "error":
            checks.append(check(v, "error", 0.0, run.detail))
        elif run.status == "passed":
            checks.append(check(v, "failed", 0.0, f"your tests pass on this wrong version{where}: add a test that fails on it"))
        elif not wheat_ok:
            checks.append(check(v, "failed", 0.0, "caught, but not counted: your tests also fail on a correct solution (see above)"))
        else:
            checks.append(check(v, "passed", 1.0, ""))
    return checks
