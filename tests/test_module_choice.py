"""``--chaff NAME``: an exercise's tests against its public chaff, passing only when one catches it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

TOY = REPO / "tests" / "fixtures" / "ex_toy"
HONEST_TESTS = REPO / "tests" / "adversarial" / "_honest" / "ex_toy" / "tests" / "test_regression.py"


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(folder / "tests" / "test_regression.py"), "-q", "-p", "no:cacheprovider", *args],
        cwd=folder.parent, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1"},
    )


@pytest.fixture()
def toy(tmp_path: Path) -> Path:
    folder = tmp_path / "ex_toy"
    shutil.copytree(TOY, folder)
    shutil.copyfile(REPO / "tests/fixtures/solutions/ex_toy/toy.py", folder / "toy.py")  # a correct module
    return folder


def test_tests_that_miss_the_chaff_fail_and_say_so(toy: Path) -> None:
    proc = _pytest(toy, "--chaff", "mean_empty_zero")  # the template's one test passes on the chaff
    assert proc.returncode == 1
    assert "--chaff mean_empty_zero: every test passes on chaffs/mean_empty_zero.py, a wrong version" in proc.stdout


@pytest.mark.slow
def test_tests_that_catch_the_chaff_pass(toy: Path) -> None:
    shutil.copyfile(HONEST_TESTS, toy / "tests" / "test_regression.py")
    assert _pytest(toy).returncode == 0  # on the correct module: every test passes
    proc = _pytest(toy, "--chaff", "mean_empty_zero")
    assert proc.returncode == 0, proc.stdout
    assert "caught: a test fails on chaffs/mean_empty_zero.py" in proc.stdout


def test_an_unknown_chaff_is_a_usage_error_never_caught(toy: Path) -> None:
    proc = _pytest(toy, "--chaff", "mean_empty_zro")
    assert proc.returncode == 4
    assert "ex_toy/chaffs/mean_empty_zro.py does not exist; did you mean 'mean_empty_zero'?" in proc.stdout + proc.stderr


def test_without_the_option_the_module_is_tested(toy: Path) -> None:
    (toy / "toy.py").write_text("def add(a, b):\n    return a + b + 1\n", encoding="utf-8")
    assert _pytest(toy).returncode == 1


@pytest.mark.slow  # pytest in a subprocess (twice for a verdict)
def test_the_chaff_is_put_into_your_module(toy: Path) -> None:
    """`--chaff` runs the student's own module with the chaff's mistake in it: what only that module has is there too."""
    (toy / "toy.py").write_text((toy / "toy.py").read_text(encoding="utf-8") + "\n\ndef extra():\n    return 7\n", encoding="utf-8")
    (toy / "tests" / "test_regression.py").write_text(
        "import pytest\n\ndef test_extra(student):\n    assert student.extra() == 7\n\n"
        "def test_empty_mean(student):\n    with pytest.raises(Exception):\n        student.mean([])\n", encoding="utf-8")
    proc = _pytest(toy, "--chaff", "mean_empty_zero", "-rA")
    assert proc.returncode == 0, proc.stdout
    assert "PASSED tests/test_regression.py::test_extra" in proc.stdout.replace(str(toy.parent) + "/", "").replace("ex_toy/", "")
    assert "FAILED" in proc.stdout and "test_empty_mean" in proc.stdout


@pytest.mark.slow  # pytest in a subprocess (twice for a verdict)
def test_on_stubs_a_failing_test_is_no_catch(toy: Path) -> None:
    """The chaff is the student's module with its mistake put in: a test that fails on it counts only when it
    passes on that module without --chaff, as the lock stage counts it only when the tests pass on a correct one."""
    shutil.copyfile(TOY / "toy.py", toy / "toy.py")  # the stubs
    shutil.copyfile(HONEST_TESTS, toy / "tests" / "test_regression.py")
    proc = _pytest(toy, "--chaff", "mean_empty_zero")
    assert proc.returncode == 1, proc.stdout
    assert "--chaff mean_empty_zero: not counted: these tests fail on your own module too, without --chaff" in proc.stdout


@pytest.mark.slow  # pytest in a subprocess (twice for a verdict)
def test_a_chaff_that_cannot_be_applied_is_a_usage_error(toy: Path) -> None:
    (toy / "toy.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")  # no mean() for the patch to capture
    shutil.copyfile(HONEST_TESTS, toy / "tests" / "test_regression.py")
    proc = _pytest(toy, "--chaff", "mean_empty_zero")
    assert proc.returncode == 4, proc.stdout
    assert "chaffs/mean_empty_zero.py could not be applied to your toy.py: NameError: name 'mean' is not defined" in proc.stdout + proc.stderr
    (toy / "chaffs" / "mean_empty_zero.py").write_text('PATCHES = "../toy.py"\n', encoding="utf-8")
    proc = _pytest(toy, "--chaff", "mean_empty_zero")
    assert proc.returncode == 4 and "must be a file name such as" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_option_given_by_pytest_addopts_does_not_recurse(toy: Path) -> None:
    """The recheck without --chaff turns the option off however it was given (PYTEST_ADDOPTS, an @file, -o addopts)."""
    shutil.copyfile(HONEST_TESTS, toy / "tests" / "test_regression.py")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(toy / "tests" / "test_regression.py"), "-q", "-p", "no:cacheprovider"],
        cwd=toy.parent, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1", "PYTEST_ADDOPTS": "--chaff mean_empty_zero"},
    )
    assert proc.returncode == 0 and "caught: a test fails on chaffs/mean_empty_zero.py" in proc.stdout, proc.stdout
