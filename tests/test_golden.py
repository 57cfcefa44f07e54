"""Scorer validation against the golden sets: the strict scorer agrees with every row; the weak one is caught."""

from __future__ import annotations

from conftest import REPO, run_cli
from course_core.measurement.golden import validate_scorer
from course_core.measurement.scoring import STRICT_RULES

DEV = REPO / "data/datasets/math_dev.jsonl"
GOLDEN = [REPO / "data/golden/golden_correct.jsonl", REPO / "data/golden/golden_exploits.jsonl"]


def test_strict_scorer_agrees_with_every_golden_row_and_every_rule_is_probed():
    result = validate_scorer(DEV, GOLDEN)
    assert result["failures"] == [] and result["rows"] >= 45
    probed = set(result["rules_probed"])
    assert {r["rule"] for r in STRICT_RULES} <= probed


def test_weak_scorer_fails_the_exploit_set_with_false_positives_by_row():
    result = validate_scorer(DEV, GOLDEN[1:], "weak_contains")
    assert result["false_positive"] > 5
    assert all(f["line"] >= 1 and f["file"].endswith("golden_exploits.jsonl") for f in result["failures"])


def test_validate_scorer_cli_exit_codes():
    ok = run_cli("course.validate_scorer", "--dataset", str(DEV), "--golden", str(GOLDEN[0]), "--golden", str(GOLDEN[1]))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "false positives 0" in ok.stdout
    weak = run_cli("course.validate_scorer", "--dataset", str(DEV), "--golden", str(GOLDEN[1]), "--scorer", "weak_contains")
    assert weak.returncode == 1 and "false_positive" in weak.stdout and "golden_exploits.jsonl:" in weak.stdout
    bad = run_cli("course.validate_scorer", "--dataset", str(DEV), "--golden", "missing.jsonl")
    assert bad.returncode == 2 and "missing.jsonl" in bad.stderr
