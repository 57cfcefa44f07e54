"""What the grader tells a student, through the real grader on real submissions: the true cause of a
lock failure, a command that reproduces every failing check, and totals that are exercise.toml's points."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, run_cli

FIXTURES = REPO / "tests" / "fixtures"
HONEST = REPO / "tests" / "adversarial" / "_honest"
TOY = ("--exercises-root", "tests/fixtures")
BLAME_THE_TEST = ("not details of one version", "must pass on every correct implementation")

pytestmark = pytest.mark.slow


def _submission(root: Path, name: str, module: Path | None = None) -> Path:
    """The honest toy submission, with ``module`` as its toy.py when given."""
    sub = root / name
    shutil.copytree(HONEST, sub)
    if module is not None:
        shutil.copyfile(module, sub / "ex_toy" / "toy.py")
    return sub


def _grade(*args: str, cwd: Path = REPO) -> dict[str, Any]:
    proc = run_cli("course.grade", *args, "--json", cwd=cwd, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def _checks(sub: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for e in sub["exercises"] for s in e["stages"] for c in s["checks"]}


def _stage(sub: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in sub["exercises"][0]["stages"] if s["stage"] == name)


@pytest.fixture(scope="module")
def toy_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two toy submissions (honest; honest tests with a module whose mean floors), graded by staff and at home."""
    root = tmp_path_factory.mktemp("toy")
    subs = [str(_submission(root, "honest")), str(_submission(root, "floors", FIXTURES / "solutions/ex_toy/chaffs/mean_floors.py"))]
    staff = _grade(*TOY, "--solutions", "tests/fixtures/solutions", "--submission", *subs, "--out", str(root / "staff"))
    # at home: the kit's solutions/ holds nothing for ex_toy, so nothing of the instructors' is there
    home = _grade(*TOY, "--submission", *subs, "--out", str(root / "home"))
    return {"staff": {s["submission"]: s for s in staff["submissions"]}, "home": {s["submission"]: s for s in home["submissions"]},
            "home_md": (root / "home" / "report.md").read_text(encoding="utf-8")}


def test_a_wrong_module_caught_by_a_correct_test_is_the_modules_fault(toy_runs: dict[str, Any]) -> None:
    """mean_floors passes every visible and hidden test; the student's test_mean_is_exact catches it."""
    sub = toy_runs["staff"]["floors"]
    checks = _checks(sub)
    module = checks["ex_toy.repair.lock.module_fails_own_tests"]
    assert module["status"] == "failed"
    assert module["feedback"] == (
        "your toy.py fails your test `test_mean_is_exact`, which the reference passes: your module, not your test, needs the fix."
    )
    assert module["command"] == "python -m pytest tests/fixtures/ex_toy/tests/test_regression.py -q"
    # it costs Repair (one test's worth of the hidden repair tests' 20 points), never the lock
    assert module["max_points"] == pytest.approx(20 / 3, abs=1e-4) and module["points"] == 0
    lock = {k: c for k, c in checks.items() if ".lock.chaff." in k or k.endswith("hidden_chaffs")}
    assert {c["status"] for c in lock.values()} == {"passed"} and sum(c["points"] for c in lock.values()) == 10
    assert checks["ex_toy.repair.lock.wheat.reference"]["status"] == "passed"
    # no message blames a test the reference passes
    for check in checks.values():
        assert not any(words in check["feedback"] for words in BLAME_THE_TEST), check
    assert _stage(sub, "repair")["score"] == pytest.approx(30 - 20 / 3, abs=1e-4)


def test_at_home_a_failing_own_module_is_not_blamed_on_the_test(toy_runs: dict[str, Any]) -> None:
    """Without the reference the grader cannot tell a wrong module from a wrong test, and says so."""
    checks = _checks(toy_runs["home"]["floors"])
    own = checks["ex_toy.repair.lock.wheat.your_module"]
    assert own["status"] == "failed"
    assert own["feedback"].startswith("your tests fail on your own toy.py, which passes the visible tests: `test_mean_is_exact`.")
    assert "Either the module has a bug the visible tests miss (fix the module)" in own["feedback"]
    assert not any(words in own["feedback"] for words in BLAME_THE_TEST)


def test_totals_are_exercise_toml_points_at_home_and_for_staff(toy_runs: dict[str, Any]) -> None:
    from course_core.grading.exercise import load_exercise

    toy = load_exercise(FIXTURES / "ex_toy")
    total = sum(s.points for s in toy.stages.values())
    staff_only = toy.stages["build"].hidden_points + toy.stages["repair"].hidden_points + toy.stages["repair"].hidden_chaff_points + 1  # + the key's field
    staff, home = toy_runs["staff"]["honest"], toy_runs["home"]["honest"]
    assert (staff["score"], staff["max_score"], staff["staff_points"], staff["percent"]) == (total, total, 0, 100)
    assert (home["score"], home["max_score"], home["staff_points"], home["percent"]) == (total - staff_only, total, staff_only, 100)
    for sub in (staff, home):
        for stage in sub["exercises"][0]["stages"]:
            assert stage["max_score"] == toy.stages[stage["stage"]].points  # never rescaled
            assert sum(c["max_points"] for c in stage["checks"]) == pytest.approx(stage["max_score"], abs=1e-4)
    staff_checks = {c["id"]: c["max_points"] for c in _checks(home).values() if c["status"] == "staff"}
    assert staff_checks == {"ex_toy.build.hidden": 10, "ex_toy.reflect.secret": 1, "ex_toy.repair.hidden": 20, "ex_toy.repair.lock_hidden": 6}


def test_full_marks_at_home_say_what_staff_add_and_who_reads_the_prose(toy_runs: dict[str, Any]) -> None:
    md = toy_runs["home_md"]
    honest = md[md.index("## honest"):md.index("## floors")]
    assert "## honest: 41 / 41 graded here, 37 more graded by staff (100.0%)" in honest
    assert "Every check graded here passed: 41 / 41 graded here, 37 more graded by staff." in honest
    assert "- ex_toy: 37 points — hidden build tests (10), answer 'secret' (1), hidden repair tests (20)" in honest
    assert "A person will read your prose answers: ex_toy 'why' (10 words)." in honest
    assert "isolation" not in md.lower() and "namespace" not in md.lower()


# --- every failing check carries a command, and each command reproduces the failure ---------------


@pytest.fixture(scope="module")
def student_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The student release of this kit, with a1 half done (the reference module, nothing else) and the toy as it ships."""
    from course_core.packaging.release import build_release

    kit = tmp_path_factory.mktemp("release") / "kit"
    build_release(REPO, kit, init_git=False)
    shutil.copyfile(REPO / "solutions/a1_locked_room/locked_room.py", kit / "exercises/a1_locked_room/locked_room.py")
    shutil.copytree(FIXTURES / "ex_toy", kit / "tests/fixtures/ex_toy", dirs_exist_ok=True)
    shutil.rmtree(kit / "tests/fixtures/solutions", ignore_errors=True)
    assert not (kit / "solutions").exists()
    return kit


def _reproduce_lines(md: str) -> list[str]:
    """Each reproduce line of report.md: a command in a code span, or "graded by staff"."""
    return [m.group(1) or "graded by staff" for m in re.finditer(r"^  reproduce: (?:`(.*)`|graded by staff \(.*\))$", md, flags=re.M)]


def test_every_failing_check_has_a_command_that_reproduces_it(student_copy: Path, tmp_path: Path) -> None:
    reports = []
    for args in (("--exercise", "a1_locked_room"), TOY):
        out = tmp_path / f"r{len(reports)}"
        proc = run_cli("course.grade", *args, "--out", str(out), cwd=student_copy, env={"PYTHONPATH": str(student_copy)}, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        reports.append((json.loads((out / "report.json").read_text(encoding="utf-8")), (out / "report.md").read_text(encoding="utf-8")))
    commands: set[str] = set()
    kinds: set[str] = set()
    for report, md in reports:
        failing = [c for c in _checks(report["submissions"][0]).values() if c["status"] in ("failed", "error", "not_run")]
        assert failing
        for check in failing:
            assert check["command"] or check["visibility"] == "hidden", check  # hidden: "graded by staff"
            if check["command"]:
                commands.add(check["command"])
        lines = _reproduce_lines(md)
        entries = len(re.findall(r"^- \*\*.*— (failed|error|not run),", md, flags=re.M))
        assert len(lines) == entries  # every failing entry of report.md ends with its reproduce line
        assert set(lines) <= commands | {"graded by staff"} | {_file_of(c) for c in commands}
    print(f"{len(commands)} reproduce commands:", *sorted(commands), sep="\n  ")
    for command in sorted(commands):
        kinds.add(command.split()[2] + (" --chaff" if "--chaff" in command else "") + (" --check" if "--check" in command else ""))
        argv = shlex.split(command)
        assert argv[0] == "python"
        proc = subprocess.run([sys.executable, *argv[1:]], cwd=student_copy, capture_output=True, text=True, timeout=300,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(student_copy), "NO_COLOR": "1", "HOME": str(tmp_path)})
        assert proc.returncode != 0, (command, proc.stdout[-1500:], proc.stderr[-1500:])
    assert kinds == {"pytest", "pytest --chaff", "course.grade --check"}


def _file_of(command: str) -> str:
    """The command report.md shows for several tests of one file: the file instead of each test."""
    argv = shlex.split(command)
    return shlex.join([*argv[:-1], argv[-1].split("::", 1)[0]])


def test_a1_a_module_shown_wrong_by_a_hidden_test_costs_repair_not_the_lock(tmp_path: Path) -> None:
    """a1 as the issue tried it: classify drops not_a_string, the student's (correct) regression test catches it."""
    sub = tmp_path / "sub" / "exercises" / "a1_locked_room"
    (sub / "tests").mkdir(parents=True)
    shutil.copyfile(REPO / "solutions/a1_locked_room/chaffs/not_a_string_as_format.py", sub / "locked_room.py")
    shutil.copyfile(REPO / "solutions/a1_locked_room/reference_regression_test.py", sub / "tests/test_regression.py")
    report = _grade("--exercise", "a1_locked_room", "--submission", str(tmp_path / "sub"), "--out", str(tmp_path / "r"))
    checks = _checks(report["submissions"][0])
    assert checks["a1_locked_room.repair.lock.wheat.reference"]["status"] == "passed"  # the tests are right
    hidden = [c for k, c in checks.items() if k.startswith("a1_locked_room.repair.test_repair_hidden") and c["status"] == "failed"]
    assert hidden, "the module's bug costs a Repair test"
    lock = [c for k, c in checks.items() if ".lock.chaff." in k or k.endswith("hidden_chaffs")]
    assert all(c["status"] == "passed" for c in lock), lock  # and not the lock
    for check in checks.values():
        assert not any(words in check["feedback"] for words in BLAME_THE_TEST), check


# --- the isolation note is for staff --------------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="the uid fallback is Linux-only")
def test_the_isolation_note_is_never_shown_to_a_student(tmp_path: Path) -> None:
    """In a fallback mode (here forced: "uid" as root, "same-uid" otherwise) the student sees scores, not sandbox talk."""
    import os

    from course_core.grading.sandbox import ISOLATION_ENV, NOTES

    mode = "uid" if os.geteuid() == 0 else "same-uid"
    env = {ISOLATION_ENV: mode}
    home = run_cli("course.grade", *TOY, "--out", str(tmp_path / "home"), env=env, timeout=600)
    assert home.returncode == 0, home.stderr[-3000:]
    shown = home.stdout + home.stderr + (tmp_path / "home" / "report.md").read_text(encoding="utf-8")
    shown += json.dumps(json.loads((tmp_path / "home" / "results.json").read_text(encoding="utf-8"))["output"])
    shown = shown.replace(str(tmp_path), "")  # the folder is named after this test
    for words in (NOTES[mode][:40], "isolation", "namespaces"):
        assert words not in shown
    report = json.loads((tmp_path / "home" / "report.json").read_text(encoding="utf-8"))
    assert report["isolation"] == {"mode": mode, "note": NOTES[mode]}  # the staff-facing record
    staff = run_cli("course.grade", *TOY, "--submission", str(HONEST), "--out", str(tmp_path / "staff"), env=env, timeout=600)
    assert staff.returncode == 0, staff.stderr[-3000:]
    said = " ".join(staff.stderr.split())  # the terminal wraps it
    assert said.count(NOTES[mode]) == 1 and "isolation" not in staff.stdout.replace(str(tmp_path), "")  # said once, to staff
