"""python -m course.grade, as students and staff type it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, run_cli

TOY_ARGS = ("--exercises-root", "tests/fixtures", "--solutions", "tests/fixtures/solutions")
HONEST = REPO / "tests" / "adversarial" / "_honest"


def _stages(report: dict[str, Any], index: int = 0) -> dict[str, dict[str, Any]]:
    return {s["stage"]: s for s in report["submissions"][index]["exercises"][0]["stages"]}


@pytest.fixture(scope="module")
def working_copy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("wc") / "report"
    proc = run_cli("course.grade", *TOY_ARGS, "--out", str(out))
    return {"proc": proc, "out": out, "report": json.loads((out / "report.json").read_text(encoding="utf-8"))}


@pytest.mark.slow
def test_untouched_stubs_score_zero_on_build_and_repair(working_copy: dict[str, Any]) -> None:
    assert working_copy["proc"].returncode == 0, working_copy["proc"].stderr
    report = working_copy["report"]
    assert (report["mode"], report["hidden_tests"]) == ("student", True)
    stages = _stages(report)
    assert stages["build"]["score"] == 0 and stages["build"]["max_score"] == 40
    assert stages["repair"]["score"] == 0 and stages["repair"]["max_score"] == 30


@pytest.mark.slow
def test_feedback_is_actionable_with_a_command_to_reproduce(working_copy: dict[str, Any]) -> None:
    checks = {c["id"]: c for c in _stages(working_copy["report"])["build"]["checks"]}
    add = checks["ex_toy.build.test_build.test_add"]
    assert add["feedback"] == "not implemented yet: add: return a + b"
    assert add["command"] == "python -m pytest tests/fixtures/ex_toy/tests/test_build.py::test_add"
    hidden = checks["ex_toy.build.test_build_hidden.test_add_negative"]
    assert (hidden["visibility"], hidden["command"], hidden["feedback"]) == ("hidden", None, "not implemented yet")
    assert "clip above" in working_copy["proc"].stdout
    for name in ("report.json", "report.md", "junit.xml", "results.json"):
        assert (working_copy["out"] / name).is_file()


@pytest.mark.slow
def test_the_answer_key_is_pending_without_solutions(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    shutil.copytree(HONEST, sub)
    proc = run_cli("course.grade", "--exercises-root", "tests/fixtures", "--submission", str(sub), "--out", str(tmp_path / "r"), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    stages = _stages(report)
    assert (report["mode"], report["hidden_tests"]) == ("staff", False)
    secret = next(c for c in stages["reflect"]["checks"] if c["id"] == "ex_toy.reflect.secret")
    assert (secret["status"], secret["points"], secret["max_points"]) == ("staff", 0, 1)  # graded by staff, worth its 1 point
    assert (stages["reflect"]["score"], stages["reflect"]["max_score"], stages["reflect"]["staff_points"]) == (4, 5, 1)
    lock = [c for c in stages["repair"]["checks"] if ".lock." in c["id"]]
    assert [c["id"].rsplit(".", 2)[1:] for c in lock] == [["wheat", "your_module"], ["chaff", "mean_empty_zero"]]
    staff = {c["id"]: (c["status"], c["max_points"]) for c in stages["repair"]["checks"] if c["status"] == "staff"}
    assert staff == {"ex_toy.repair.hidden": ("staff", 20), "ex_toy.repair.lock_hidden": ("staff", 6)}
    sub = report["submissions"][0]
    # nothing rescaled: the toy is worth 78 (40 + 3 + 5 + 30), at home as for staff; 37 of them graded by staff
    assert (sub["score"], sub["max_score"], sub["staff_points"], sub["percent"]) == (41, 78, 37, 100)
    assert report["prose"] == [{"submission": "sub", "exercise": "ex_toy", "key": "why", "words": 10,
                                "text": "Because the note says so, and I checked it twice."}]


@pytest.mark.slow
def test_fail_under_turns_a_low_score_into_exit_1(tmp_path: Path) -> None:
    proc = run_cli("course.grade", *TOY_ARGS, "--out", str(tmp_path / "r"), "--fail-under", "50")
    assert proc.returncode == 1
    assert "below --fail-under 50%: working copy 0.0%" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--submission", "no/such/folder"), "no/such/folder: submission path does not exist"),
        (("--exercise", "ex_tyo"), "unknown exercise id 'ex_tyo'\n  hint: did you mean 'ex_toy'?"),
        (("--jobs", "0"), "--jobs must be at least 1"),
        (("--solutions", "nowhere"), "nowhere: --solutions folder does not exist"),
        (("--fail-under", "nan"), "--fail-under must be a percent between 0 and 100, got nan"),
        (("--fail-under", "inf"), "--fail-under must be a percent between 0 and 100, got inf"),
        (("--fail-under=-5",), "--fail-under must be a percent between 0 and 100, got -5"),
        (("--fail-under", "200"), "--fail-under must be a percent between 0 and 100, got 200"),
        (("--stage", "sabotge"), "field '--stage': there is no stage 'sabotge'\n  hint: did you mean 'sabotage'?"),
        (("--stage", "build", "--check", "ex_toy.build.x"), "--stage and --check do not go together"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_message(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    proc = run_cli("course.grade", *TOY_ARGS, "--out", str(tmp_path / "r"), *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()


def test_an_unknown_exercise_is_refused_before_any_sandbox_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from course import grade
    from course_core.grading import sandbox
    from course_core.present.cli import run

    def no_sandbox() -> None:
        raise AssertionError("the isolation probe ran before the arguments were checked")

    monkeypatch.setattr(sandbox, "isolation", no_sandbox)
    code = run(grade.main, "course.grade", [*TOY_ARGS, "--submission", str(HONEST), "--exercise", "ex_tyo", "--out", str(tmp_path / "r")])
    assert code == 2 and "unknown exercise id 'ex_tyo'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_an_out_path_that_is_a_file_is_refused_before_grading(tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.write_text("keep me", encoding="utf-8")
    proc = run_cli("course.grade", *TOY_ARGS, "--out", str(target))
    assert proc.returncode == 2
    assert "--out must be a folder, and this is a file" in proc.stderr
    assert target.read_text(encoding="utf-8") == "keep me"


def test_an_out_folder_holding_other_files_is_refused_before_grading(tmp_path: Path, capsys) -> None:
    from course import grade
    from course_core.present.cli import run

    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "report.md").write_text("my own notes\n", encoding="utf-8")
    code = run(grade.main, "course.grade", [*TOY_ARGS, "--out", str(mine)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{mine}: --out is not empty and does not hold an earlier grade report (its report.json); refusing to overwrite it" in err
    assert sorted(p.name for p in mine.iterdir()) == ["report.md"] and (mine / "report.md").read_text() == "my own notes\n"


@pytest.mark.slow  # grades a working copy first (the fixture): about 2 s
def test_an_earlier_grade_report_folder_may_be_replaced(working_copy: dict[str, Any], tmp_path: Path) -> None:
    from course_core.grading.reports import check_grade_flags, is_report_dir

    assert is_report_dir(working_copy["out"])
    check_grade_flags(None, working_copy["out"], writes_reports=True)  # no error: the grader's own folder
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "report.json").write_text('{"kind": "eval"}', encoding="utf-8")
    assert not is_report_dir(fake)
    check_grade_flags(100.0, fake, writes_reports=False)  # --check writes no report: the folder is not touched, so not refused


@pytest.mark.slow
def test_exercises_graded_in_parallel_make_the_report_graded_in_turn(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    subs = [str(HONEST), str(tmp_path / "empty")]
    reports = {}
    for jobs in ("1", "2"):
        proc = run_cli("course.grade", *TOY_ARGS, "--submission", *subs, "--jobs", jobs, "--out", str(tmp_path / jobs), "--json")
        assert proc.returncode == 0, proc.stderr[-2000:]
        reports[jobs] = json.loads(proc.stdout)
    assert reports["1"]["submissions"] == reports["2"]["submissions"]
    assert [s["percent"] for s in reports["2"]["submissions"]] == [100, 0]


def test_a_stage_graded_alone_is_all_the_report_holds(tmp_path: Path) -> None:
    """``--stage``: a student re-checking REFLECT.md runs no test and gets a report of that stage only."""
    sub = tmp_path / "sub"
    shutil.copytree(HONEST, sub)
    proc = run_cli("course.grade", *TOY_ARGS, "--submission", str(sub), "--stage", "reflect", "--out", str(tmp_path / "r"), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    (exercise,) = report["submissions"][0]["exercises"]
    assert [s["stage"] for s in exercise["stages"]] == ["reflect"]
    assert exercise["max_score"] == exercise["stages"][0]["max_score"] > 0
    assert json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8")) == report
    table = run_cli("course.grade", *TOY_ARGS, "--submission", str(sub), "--stage", "reflect", "--out", str(tmp_path / "r"))
    assert table.returncode == 0 and "graded only reflect (--stage): the other stages are not in this report" in table.stdout
