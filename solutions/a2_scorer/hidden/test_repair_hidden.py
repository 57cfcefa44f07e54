"""a2_scorer.repair — hidden tests: your scorer is strict again, and each new golden row catches a weakness.

A new golden row earns its points only when the strict scorer refuses it AND at least one of
the instructors' relaxed scorers (solutions/a2_scorer/chaffs/, plus the public one) pays it:
an exploit row that catches no weakness proves nothing.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path

import pytest

from course_core import module_patch
from course_core.paths import KIT_ROOT
from course_core.measurement.scoring import score_strict

MIN_ROWS = 5
EX = {"id": "h", "prompt": "", "expected_answer": 907}
NEG = {"id": "h", "prompt": "", "expected_answer": -15}


def _import(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(f"_a2_chaff_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def relaxed_scorers() -> dict[str, object]:
    folders = [KIT_ROOT / "solutions" / "a2_scorer" / "chaffs", KIT_ROOT / "exercises" / "a2_scorer" / "chaffs"]
    found = {}
    for path in sorted(p for folder in folders for p in folder.glob("*.py")):
        if module_patch.patched_file(path.read_bytes(), str(path)) is None:
            chaff = _import(path)
        else:  # the public chaff is a patch: on the reference scorer here
            chaff = module_patch.apply(_import(KIT_ROOT / "solutions" / "a2_scorer" / "my_scorer.py"), path)
        found[path.stem] = chaff.score
    assert found, "the instructors' relaxed scorers were not found (a grader problem: tell your instructor)"
    return found


def new_rows(student_data) -> list[tuple[int, dict, dict]]:
    dataset = KIT_ROOT / "data/datasets/math_dev.jsonl"
    known = {r["id"]: r for r in map(json.loads, dataset.read_text(encoding="utf-8").splitlines())}
    rows = []
    for line, row in student_data.jsonl("golden_new.jsonl", max_rows=100):
        if isinstance(row, dict) and "completion" in row:
            example = row.get("example") if isinstance(row.get("example"), dict) else known.get(row.get("id"))
            if example is not None:
                rows.append((line, row, example))
    return rows


@pytest.mark.points(2)
@pytest.mark.parametrize("index", range(MIN_ROWS))
def test_repair_golden_row_is_paid_by_a_relaxed_scorer(student, student_data, index):
    rows = new_rows(student_data)
    assert index < len(rows), f"golden_new.jsonl has {len(rows)} usable row(s); {MIN_ROWS} needed"
    line, row, example = rows[index]
    assert score_strict(example, row["completion"])["reward"] == 0.0, f"golden_new.jsonl:{line} is paid by the strict scorer: not an exploit"
    payers = [name for name, fn in relaxed_scorers().items() if fn(example, row["completion"])["reward"] == 1.0]
    assert payers, f"golden_new.jsonl:{line}: none of the instructors' relaxed scorers pays this row, so it catches no weakness"


@pytest.mark.points(2)
def test_repair_golden_rows_catch_three_different_weaknesses(student, student_data):
    caught = {name for _, row, ex in new_rows(student_data) for name, fn in relaxed_scorers().items() if fn(ex, row["completion"])["reward"] == 1.0}
    assert len(caught) >= 3, f"your golden rows catch {len(caught)} of the relaxed scorers; aim at different rules"


@pytest.mark.points(1)
@pytest.mark.parametrize(
    ("completion", "example"),
    [("Final:907", EX), ("Final:   907", EX), ("Final:\u00a0907", EX), ("Final: 0907", EX), ("Final: -015", NEG), ("Final: +907", EX),
     ("Work: 900 + 7 = 907\nFinal: 907", EX), ("Final: 906\nFinal: 907", EX), ("Final: 907.", EX), ("final: 907", EX), ("Final: 907\n\nThanks", EX)],
)
def test_repair_refuses_every_relaxation(student, completion, example):
    kit, mine = score_strict(example, completion), student.score(example, completion)
    assert (mine["reward"], mine["outcome"]) == (kit["reward"], kit["outcome"]), "a relaxed rule pays for the wrong output: restore strictness"


@pytest.mark.points(2)
@pytest.mark.parametrize(("completion", "example"), [("Final: 907", EX), ("Final: 907\n", EX), ("  Final: -15\r\n", NEG), ("\n\nFinal: 907\n\n", EX)])
def test_repair_still_pays_every_correct_form(student, completion, example):
    mine = student.score(example, completion)
    assert (mine["reward"], mine["outcome"]) == (1.0, "correct"), "a correct completion must be paid: a false negative is a defect too"
