"""The shipped data: rebuilt byte-identically by its generator, valid, and the golden sets hold."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, run_cli
from course_core.artifacts.jsonl import iter_jsonl
from course_core.artifacts.schemas import first_error
from course_core.measurement.golden import validate_scorer
from course_core.measurement.scoring import STRICT_RULES

DEV = REPO / "data/datasets/math_dev.jsonl"
GOLDEN = [REPO / "data/golden/golden_correct.jsonl", REPO / "data/golden/golden_exploits.jsonl"]


@pytest.mark.parametrize("entry", [["data/generate.py"], ["-m", "data.gen"]], ids=["script", "module"])
def test_generator_rebuilds_every_file_byte_identically(entry):
    proc = subprocess.run([sys.executable, *entry, "--check"], cwd=REPO, capture_output=True, text=True,
                          env={"PYTHONHASHSEED": "7", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "all 8 data files match python data/generate.py"


def test_datasets_are_valid_and_state_the_format():
    for name, minimum in (("math_dev", 100), ("math_holdout", 50)):
        rows = [row for _, row in iter_jsonl(REPO / f"data/datasets/{name}.jsonl")]
        assert len(rows) >= minimum
        assert all(first_error(r, "dataset_row") is None for r in rows)
        assert all("Output exactly one line: Final: <int>" in r["prompt"] for r in rows)
        assert len({r.get("category") for r in rows}) >= 3


def test_frozen_rollouts_pass_rate_and_sidecar():
    from course_core.measurement.scoring import score

    examples = {row["id"]: row for _, row in iter_jsonl(DEV)}
    rows = [row for _, row in iter_jsonl(REPO / "data/rollouts/frozen_rollouts_dev.jsonl")]
    assert sorted(r["id"] for r in rows) == sorted(examples)
    assert all("sum_logprob" in r for r in rows)
    rate = sum(score(examples[r["id"]], r["completion"])["reward"] for r in rows) / len(rows)
    assert 0.4 <= rate <= 0.7
    sidecar = json.loads((REPO / "data/rollouts/frozen_rollouts_dev.sampling.json").read_text())
    assert first_error(sidecar, "rollout_sidecar") is None


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
