"""Lock: the student's regression tests, run in the sandbox against wheats and chaffs."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from course_core.grading.exercise import load_exercise
from course_core.grading.lock import judge, run_suite, variants

TOY = load_exercise(REPO / "tests" / "fixtures" / "ex_toy")
SOLUTIONS = REPO / "tests" / "fixtures" / "solutions" / "ex_toy"
CONFTEST = TOY.folder / "tests" / "conftest.py"
HONEST_TESTS = REPO / "tests" / "adversarial" / "_honest" / "ex_toy" / "tests" / "test_regression.py"


def _tests(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "test_regression.py"
    path.write_text(source, encoding="utf-8")
    return path


def test_variants_are_wheats_then_public_then_hidden_chaffs() -> None:
    found = variants(TOY, None, SOLUTIONS)
    assert [(v.role, v.name, v.visibility) for v in found] == [
        ("wheat", "reference", "hidden"),
        ("chaff", "mean_empty_zero", "visible"),
        ("chaff", "add_subtracts", "hidden"),
        ("chaff", "clip_ignores_upper", "hidden"),
        ("chaff", "mean_floors", "hidden"),
    ]


@pytest.mark.slow
def test_exit_codes_map_to_passed_failed_error(tmp_path: Path) -> None:
    wheat = SOLUTIONS / "toy.py"
    assert run_suite(TOY, HONEST_TESTS, wheat, CONFTEST).status == "passed"
    failed = run_suite(TOY, HONEST_TESTS, SOLUTIONS / "chaffs" / "mean_floors.py", CONFTEST)
    assert failed.status == "failed" and failed.failing == ["tests/test_regression.py::test_mean_is_exact"]
    empty = run_suite(TOY, _tests(tmp_path, "x = 1\n"), wheat, CONFTEST)
    assert (empty.status, empty.detail) == ("error", "your test run ended with an error: no tests were collected")
    quits = run_suite(TOY, _tests(tmp_path, "import os\nos._exit(0)\n"), wheat, CONFTEST)
    assert quits.status == "error"


@pytest.mark.slow
def test_honest_tests_catch_every_chaff() -> None:
    checks = judge(TOY, HONEST_TESTS, CONFTEST, variants(TOY, None, SOLUTIONS))
    assert [c["status"] for c in checks] == ["passed"] * 5
    assert sum(c["raw"] for c in checks) == 4


@pytest.mark.slow
def test_failing_on_a_wheat_voids_the_caught_chaffs(tmp_path: Path) -> None:
    tests = _tests(tmp_path, "def test_add(student):\n    assert student.add(2, 2) == 5\n\ndef test_sum(student):\n    assert student.add(1, 1) == 2\n")
    checks = {c["id"].rsplit(".", 1)[1]: c for c in judge(TOY, tests, CONFTEST, variants(TOY, None, SOLUTIONS))}
    assert checks["reference"]["status"] == "failed"
    assert "test_add" in checks["reference"]["feedback"] and "test_sum" not in checks["reference"]["feedback"]
    assert checks["add_subtracts"]["status"] == "failed"
    assert "not counted" in checks["add_subtracts"]["feedback"]


def test_without_a_wheat_the_lock_is_not_run() -> None:
    checks = judge(TOY, HONEST_TESTS, CONFTEST, variants(TOY, None, None))
    assert [c["status"] for c in checks] == ["not_run"]
    assert "make the visible tests pass first" in checks[0]["feedback"]
