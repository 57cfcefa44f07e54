"""a2_scorer.build — visible tests: your probes of the strict scorer, and your copy of it.

Run them from the repository root:  python -m pytest exercises/a2_scorer/tests -q

Probes (``exercises/a2_scorer/probes.jsonl``, one JSON object per line):

    {"completion": "Final: 044", "expected_answer": 44, "predicted": "leading_zero"}

Each probe is scored here with the kit's strict scorer. A probe earns its point when your
prediction is the outcome code the scorer gives; a wrong prediction costs nothing once you
fix it: the failure message names the probe and the scorer's actual outcome.
"""

from __future__ import annotations

import json

import pytest

from course_core.paths import KIT_ROOT
from course_core.measurement.scoring import OUTCOMES, score_strict

PROBES = "probes.jsonl"
MIN_PROBES = 8
MIN_OUTCOMES = 6
GOLDEN = [KIT_ROOT / "data/golden/golden_correct.jsonl", KIT_ROOT / "data/golden/golden_exploits.jsonl"]
DATASET = KIT_ROOT / "data/datasets/math_dev.jsonl"


def probes(student_data) -> list[tuple[int, dict]]:
    rows = student_data.jsonl(PROBES, max_rows=100)
    for line, row in rows:
        assert isinstance(row, dict) and set(row) >= {"completion", "expected_answer", "predicted"}, (
            f"{PROBES}:{line} needs the keys completion, expected_answer and predicted"
        )
        answer = row["expected_answer"]
        assert isinstance(answer, int) and not isinstance(answer, bool), f"{PROBES}:{line}: expected_answer must be an integer"
        assert row["predicted"] in OUTCOMES, (
            f"{PROBES}:{line}: predicted {row['predicted']!r} is not an outcome code of the strict scorer "
            f"({', '.join(OUTCOMES)})"
        )
    return rows


def actual(row: dict) -> str:
    return score_strict({"id": "probe", "prompt": "", "expected_answer": row["expected_answer"]}, row["completion"])["outcome"]


def shown(completion: object) -> str:
    text = json.dumps(completion, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


# --- Task 0: probe the instrument -------------------------------------------------------------


@pytest.mark.points(2)
def test_probes_there_are_at_least_eight(student, student_data):
    rows = probes(student_data)
    assert len(rows) >= MIN_PROBES, f"{PROBES} has {len(rows)} probe(s); write at least {MIN_PROBES} (README, Build step 1)"


@pytest.mark.points(3)
@pytest.mark.parametrize("index", range(MIN_PROBES))
def test_probes_prediction_matches_the_scorer(student, student_data, index):
    rows = probes(student_data)
    assert index < len(rows), f"probe {index + 1} is missing: {PROBES} has {len(rows)} probe(s)"
    line, row = rows[index]
    got = actual(row)
    assert row["predicted"] == got, (
        f"{PROBES}:{line} {shown(row['completion'])} (expected_answer {row['expected_answer']}): "
        f"you predicted {row['predicted']}, the strict scorer says {got} — read its rule in "
        "course_core/measurement/scoring.py STRICT_RULES, then fix the prediction (or the probe)"
    )


@pytest.mark.points(3)
def test_probes_cover_six_outcome_codes(student, student_data):
    codes = {actual(row) for _, row in probes(student_data)}
    assert len(codes) >= MIN_OUTCOMES, (
        f"your probes reach {len(codes)} outcome code(s) ({', '.join(sorted(codes)) or 'none'}); "
        f"probe at least {MIN_OUTCOMES} different ones: each code is a rule of the spec"
    )


# --- Task 1: your copy of the instrument ------------------------------------------------------


@pytest.mark.points(2)
def test_score_the_canonical_form_is_correct(student):
    verdict = student.score({"id": "t", "prompt": "", "expected_answer": 44}, "Final: 44")
    assert (verdict["reward"], verdict["outcome"]) == (1.0, "correct")


@pytest.mark.points(2)
def test_score_a_leading_zero_is_refused_with_its_code(student):
    verdict = student.score({"id": "t", "prompt": "", "expected_answer": 44}, "Final: 044")
    assert (verdict["reward"], verdict["outcome"]) == (0.0, "leading_zero")


@pytest.mark.points(4)
def test_score_agrees_with_the_kit_on_both_golden_sets(student):
    from course_core.measurement.golden import golden_rows

    for path, line, row, example in golden_rows(DATASET, GOLDEN):
        kit = score_strict(example, row["completion"])
        verdict = student.score(example, row["completion"])
        assert (verdict["reward"], verdict["outcome"]) == (kit["reward"], kit["outcome"]), (
            f"{path.relative_to(KIT_ROOT)}:{line} {shown(row['completion'])}: your copy says {verdict['outcome']} "
            f"(reward {verdict['reward']}), the kit says {kit['outcome']} (reward {kit['reward']})"
        )
