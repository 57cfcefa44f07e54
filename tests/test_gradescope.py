"""The Gradescope autograder bundle: its layout, and run_autograder run the way Gradescope runs it."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import git, write
from course_core.errors import UserError
from course_core.packaging.gradescope import GRADE_ARGS, REQUIREMENTS, build_autograder_zip, grader_requirements, stage_submission

REPO = Path(__file__).resolve().parent.parent
ENGINE = "course_core/grading/engine.py"  # relative to the unpacked bundle


@pytest.fixture
def toy_kit(tmp_path: Path) -> Path:
    kit = tmp_path / "kit"
    write(kit / "pyproject.toml", '[dependency-groups]\ntest = ["pytest>=8.0", "hypothesis>=6.100"]\n')
    write(kit / "exercises/x1/exercise.toml", 'id = "x1"\n')
    write(kit / "exercises/x1/mod.py", "def f():\n    raise NotImplementedError\n")
    write(kit / "solutions/x1/mod.py", "def f():\n    return 1\n")
    write(kit / "solutions/x1/hidden/test_hidden.py", "def test_h(student):\n    assert student.f() == 1\n")
    write(kit / ".gitignore", "runs/\n")
    write(kit / "runs/old/manifest.json", "{}\n")
    for script in ("setup.sh", "run_autograder"):
        target = kit / "templates/gradescope" / script
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / "templates/gradescope" / script, target)
    git(kit, "init", "-q")
    git(kit, "add", "-A")
    git(kit, "commit", "-q", "-m", "kit")
    return kit


def test_bundle_has_the_scripts_at_its_root_and_the_whole_kit(toy_kit: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dist/autograder.zip"
    bundle = build_autograder_zip(toy_kit, dest)
    with zipfile.ZipFile(dest) as archive:
        names = archive.namelist()
        assert names[:4] == ["setup.sh", "run_autograder", REQUIREMENTS, GRADE_ARGS]
        for script in ("setup.sh", "run_autograder"):
            mode = archive.getinfo(script).external_attr >> 16
            assert stat.S_ISREG(mode) and mode & 0o111, script  # Gradescope executes them directly
            assert archive.read(script).startswith(b"#!/usr/bin/env bash\n")
        assert archive.read(REQUIREMENTS).decode() == "pytest>=8.0\nhypothesis>=6.100\n"
        assert archive.read(GRADE_ARGS) == b""  # every exercise
        assert "solutions/x1/hidden/test_hidden.py" in names and "solutions/x1/mod.py" in names
        assert not [n for n in names if n.startswith(("runs/", ".git/"))]
        assert archive.testzip() is None
    assert bundle.source == "git" and bundle.files == len(names) - 4 and bundle.exercises == ["x1"]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["autograder.zip"]  # no temporary leftovers


def test_bundle_for_one_exercise_passes_it_to_the_grader(toy_kit: Path, tmp_path: Path) -> None:
    bundle = build_autograder_zip(toy_kit, tmp_path / "x1.zip", ["x1"])
    with zipfile.ZipFile(bundle.path) as archive:
        assert archive.read(GRADE_ARGS) == b"--exercise\nx1\n"
    with pytest.raises(UserError, match="no exercise named nope"):
        build_autograder_zip(toy_kit, tmp_path / "bad.zip", ["nope"])
    assert not (tmp_path / "bad.zip").exists()


def test_bundle_names_files_with_uncommitted_changes(toy_kit: Path, tmp_path: Path) -> None:
    assert build_autograder_zip(toy_kit, tmp_path / "a.zip").uncommitted == []
    write(toy_kit / "solutions/x1/mod.py", "def f():\n    return 2\n")
    assert build_autograder_zip(toy_kit, tmp_path / "b.zip").uncommitted == ["solutions/x1/mod.py"]


def test_bundle_is_reproducible(toy_kit: Path, tmp_path: Path) -> None:
    first = build_autograder_zip(toy_kit, tmp_path / "a.zip").path.read_bytes()
    second = build_autograder_zip(toy_kit, tmp_path / "b.zip").path.read_bytes()
    assert first == second


def test_bundle_refuses_a_kit_without_tracked_solutions(toy_kit: Path, tmp_path: Path) -> None:
    git(toy_kit, "rm", "-q", "-r", "--cached", "solutions")
    with pytest.raises(UserError, match="git tracks no file under solutions"):
        build_autograder_zip(toy_kit, tmp_path / "a.zip")
    shutil.rmtree(toy_kit / "solutions")
    with pytest.raises(UserError, match="student copy"):
        build_autograder_zip(toy_kit, tmp_path / "a.zip")
    assert not (tmp_path / "a.zip").exists()


def test_requirements_are_the_test_dependency_group_of_the_kit() -> None:
    assert any(req.startswith("pytest") for req in grader_requirements(REPO))


@pytest.mark.parametrize("wrapper", ["", "student-repo-main/"])
def test_stage_submission_takes_known_exercise_folders_of_a_repository(toy_kit: Path, tmp_path: Path, wrapper: str) -> None:
    sub = tmp_path / "submission"
    write(sub / f"{wrapper}exercises/x1/mod.py", "def f():\n    return 1\n")
    write(sub / f"{wrapper}exercises/x1/evidence/clean/summary.json", "{}\n")
    write(sub / f"{wrapper}exercises/not_an_exercise/x.py", "junk\n")
    write(sub / f"{wrapper}README.md", "mine\n")
    (sub / f"{wrapper}exercises/x1/peek.py").symlink_to(toy_kit / "solutions/x1/mod.py")
    out = tmp_path / "staged"
    assert stage_submission(sub, out, toy_kit) == ["x1"]
    staged = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() or p.is_symlink())
    assert staged == ["exercises/x1/evidence/clean/summary.json", "exercises/x1/mod.py"]  # no symlink, no junk


def test_stage_submission_accepts_bare_exercise_folders_and_explains_a_wrong_upload(toy_kit: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    write(bare / "x1/mod.py", "def f():\n    return 1\n")
    assert stage_submission(bare, tmp_path / "out1", toy_kit) == ["x1"]
    assert (tmp_path / "out1/exercises/x1/mod.py").is_file()
    loose = tmp_path / "loose"
    write(loose / "mod.py", "def f():\n    return 1\n")
    with pytest.raises(UserError, match="no exercises/ folder") as err:
        stage_submission(loose, tmp_path / "out2", toy_kit)
    assert "whole repository" in err.value.hint


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/autograder as Gradescope lays it out: source/ is the real bundle (for a1 only), unpacked."""
    root = tmp_path_factory.mktemp("autograder")
    try:
        bundle = build_autograder_zip(REPO, root / "autograder.zip", ["a1_locked_room"])
    except UserError as exc:  # solutions/ not committed yet in this checkout
        pytest.skip(str(exc))
    with zipfile.ZipFile(bundle.path) as archive:
        archive.extractall(root / "source")
    return root


def run_autograder(root: Path, submission: Path) -> dict:
    if (root / "submission").exists():
        shutil.rmtree(root / "submission")
    shutil.copytree(submission, root / "submission", symlinks=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GITHUB_STEP_SUMMARY")}
    env.update(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable, NO_COLOR="1")
    done = subprocess.run(
        ["bash", str(root / "source/run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((root / "results/results.json").read_text())


def test_run_autograder_explains_an_unreadable_submission(autograder: Path, tmp_path: Path) -> None:
    write(tmp_path / "sub/notes.txt", "I zipped the wrong folder\n")
    results = run_autograder(autograder, tmp_path / "sub")
    assert results["score"] == 0 and results["tests"] == []
    assert "could not be read" in results["output"] and "whole repository" in results["output"]


@pytest.mark.slow  # one real grading run: sandboxed pytest, every chaff against the student's tests
def test_run_autograder_grades_a_submission_with_the_real_grader(autograder: Path, tmp_path: Path) -> None:
    source = autograder / "source"
    repo = tmp_path / "sub/student-repo-main"  # GitHub's zip download wraps the repository in one folder
    shutil.copytree(source / "exercises", repo / "exercises")
    shutil.copyfile(source / "solutions/a1_locked_room/locked_room.py", repo / "exercises/a1_locked_room/locked_room.py")
    results = run_autograder(autograder, tmp_path / "sub")
    if not (source / ENGINE).is_file():
        assert results["score"] == 0 and "could not grade" in results["output"]
        pytest.skip("course_core/grading/engine.py not written yet: checked the failure path only")
    assert isinstance(results["score"], (int, float)) and results["tests"]
    for test in results["tests"]:
        assert {"name", "score", "max_score", "visibility"} <= set(test)
        assert test.get("status", "passed") in ("passed", "failed") and test["visibility"] in ("visible", "hidden")
    assert any(t["visibility"] == "hidden" for t in results["tests"])  # the bundle carries the hidden tests
    assert {t["tags"][0] for t in results["tests"]} == {"a1_locked_room"}  # grade-args: this exercise only
    build = [t for t in results["tests"] if t["name"].startswith("a1_locked_room [build]")]
    assert build and all(t.get("status") == "passed" for t in build), build  # the wheat passes every build test
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]), abs=0.01)
    assert "a1_locked_room (The Locked Room)" in results["output"]
