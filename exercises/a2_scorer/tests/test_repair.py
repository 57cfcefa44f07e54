"""a2_scorer.repair — visible tests: your copy is strict again, and your new golden rows hold.

Run them from the repository root:  python -m pytest exercises/a2_scorer/tests -q

New golden rows (``exercises/a2_scorer/golden_new.jsonl``) have the shape of
data/golden/*.jsonl: ``{"id", "completion", "expected_reward", "expected_outcome", "rule",
"note"}``, with an ``id`` from data/datasets/math_dev.jsonl (or an inline ``example``). Each
must be an exploit the strict scorer refuses. When staff grade, each one also has to be paid
by at least one of the instructors' relaxed scorers: a row that catches no weakness proves
nothing. At home, try yours against the public one:

    python -m course.validate_scorer --dataset data/datasets/math_dev.jsonl \\
      --golden exercises/a2_scorer/golden_new.jsonl \\
      --scorer-module exercises/a2_scorer/chaffs/accepts_any_spacing.py
"""

from __future__ import annotations

import ast
import json

import pytest

from course_core.paths import KIT_ROOT
from course_core.measurement.scoring import score_strict

GOLDEN_NEW = "golden_new.jsonl"
MIN_ROWS = 5
MIN_REGRESSION_TESTS = 6
DATASET = KIT_ROOT / "data/datasets/math_dev.jsonl"


def examples() -> dict[str, dict]:
    rows = (json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: row for row in rows}


def new_rows(student_data) -> list[tuple[int, dict, dict]]:
    """(line, golden row, its example) for each row of golden_new.jsonl, checked against the golden-row schema."""
    from course_core.errors import UserError
    from course_core.artifacts.schemas import validate_input

    known = examples()
    out = []
    for line, row in student_data.jsonl(GOLDEN_NEW, max_rows=100):
        try:
            validate_input(row, "golden_row", path=GOLDEN_NEW, line=line, what="golden row")
        except UserError as exc:
            raise AssertionError(str(exc)) from None
        example = row.get("example") or known.get(row["id"])
        assert example is not None, f"{GOLDEN_NEW}:{line}: id {row['id']!r} is not in data/datasets/math_dev.jsonl (or give an inline example)"
        out.append((line, row, example))
    return out


@pytest.mark.points(1)
def test_repair_golden_new_has_five_rows(student, student_data):
    rows = new_rows(student_data)
    assert len(rows) >= MIN_ROWS, f"{GOLDEN_NEW} has {len(rows)} row(s); add at least {MIN_ROWS} exploit rows (README, Repair step 2)"


@pytest.mark.points(1)
@pytest.mark.parametrize("index", range(MIN_ROWS))
def test_repair_golden_row_is_an_exploit_the_strict_scorer_refuses(student, student_data, index):
    rows = new_rows(student_data)
    assert index < len(rows), f"golden row {index + 1} is missing: {GOLDEN_NEW} has {len(rows)} row(s)"
    line, row, example = rows[index]
    kit = score_strict(example, row["completion"])
    assert row["expected_reward"] == 0.0, f"{GOLDEN_NEW}:{line}: an exploit row expects reward 0"
    assert kit["reward"] == 0.0 and kit["outcome"] == row["expected_outcome"], (
        f"{GOLDEN_NEW}:{line}: the strict scorer gives {kit['outcome']} (reward {kit['reward']}); "
        f"the row says {row['expected_outcome']} (reward {row['expected_reward']})"
    )


@pytest.mark.points(1)
def test_repair_regression_file_has_six_tests(student, student_data):
    text = student_data.text("tests/test_regression.py") or ""
    names = [n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    assert len(names) >= MIN_REGRESSION_TESTS, (
        f"tests/test_regression.py defines {len(names)} test function(s); write at least {MIN_REGRESSION_TESTS} "
        "(2 that a correct completion is paid, 4 that an exploit or edge case is refused)"
    )


@pytest.mark.points(2)
@pytest.mark.parametrize("completion", ["Final:44", "Final:  44", "Final:\t44"])
def test_repair_score_is_strict_about_spacing_again(student, completion):
    verdict = student.score({"id": "t", "prompt": "", "expected_answer": 44}, completion)
    assert (verdict["reward"], verdict["outcome"]) == (0.0, "bad_spacing"), "one ASCII space after 'Final:', exactly"
