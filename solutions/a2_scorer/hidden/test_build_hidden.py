"""a2_scorer.build — hidden tests: every golden row, odd inputs, and every probe you wrote."""

from __future__ import annotations

import pytest

from course_core.measurement.golden import golden_rows
from course_core.paths import KIT_ROOT
from course_core.measurement.scoring import score_strict

GOLDEN = [KIT_ROOT / "data/golden/golden_correct.jsonl", KIT_ROOT / "data/golden/golden_exploits.jsonl"]
DATASET = KIT_ROOT / "data/datasets/math_dev.jsonl"
EX = {"id": "h", "prompt": "", "expected_answer": 1234}


def same(student, example, completion) -> bool:
    kit, mine = score_strict(example, completion), student.score(example, completion)
    return (mine["reward"], mine["outcome"]) == (kit["reward"], kit["outcome"])


@pytest.mark.points(6)
def test_score_every_golden_row_gets_the_kits_reward_and_outcome(student):
    bad = [f"{p.name}:{line}" for p, line, row, ex in golden_rows(DATASET, GOLDEN) if not same(student, ex, row["completion"])]
    assert not bad, f"{len(bad)} golden row(s) scored differently from the kit: run validate_scorer with --scorer-module on your copy"


@pytest.mark.points(2)
@pytest.mark.parametrize("completion", [None, 1234, 12.5, ["Final: 1234"], {"completion": "Final: 1234"}, True])
def test_score_non_strings_are_not_a_string(student, completion):
    assert same(student, EX, completion), "a completion that is not text is not_a_string, never an exception"


@pytest.mark.points(2)
@pytest.mark.parametrize("example", [{"id": "h", "prompt": ""}, {"id": "h", "expected_answer": "1234"}, {"id": "h", "expected_answer": 1234.0},
                                     {"id": "h", "expected_answer": True}, {"id": "h", "expected_answer": 2**60}])
def test_score_broken_examples_are_invalid_example(student, example):
    assert same(student, example, "Final: 1234"), "an example without a usable integer answer is invalid_example"


@pytest.mark.points(2)
@pytest.mark.parametrize("completion", ["Final: 1234\r\n", "\tFinal: 1234", "Final: 1,234", "Final: 12 34", "Final: 1234 ", "Final: ١٢٣٤",
                                        "Final: " + "9" * 5000, "Final: -", "Final:", "Final: 1234\nFinal: 1234", "\u200bFinal: 1234"])
def test_score_edge_completions_match_the_kit(student, completion):
    assert same(student, EX, completion), "edge cases (CR/LF, separators, unicode digits, huge numbers) match the kit"


@pytest.mark.points(2)
def test_probes_every_probe_you_wrote_matches(student, student_data):
    rows = student_data.jsonl("probes.jsonl", max_rows=100)
    wrong = [line for line, row in rows if isinstance(row, dict) and isinstance(row.get("expected_answer"), int)
             and row.get("predicted") != score_strict({"id": "p", "expected_answer": row["expected_answer"]}, row.get("completion"))["outcome"]]
    assert rows and not wrong, f"predictions that do not match the strict scorer on probes.jsonl line(s) {wrong[:10]}" if rows else "probes.jsonl is empty"
