"""The shipped data: rebuilt byte-identically by data/gen (both entry points), valid, with the stated pass rate."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO
from course_core.artifacts.jsonl import iter_jsonl
from course_core.artifacts.schemas import first_error

DEV = REPO / "data/datasets/math_dev.jsonl"
GOLDEN = [REPO / "data/golden/golden_correct.jsonl", REPO / "data/golden/golden_exploits.jsonl"]


@pytest.mark.parametrize("entry", [["data/generate.py"], ["-m", "data.gen"]], ids=["script", "module"])
def test_generator_rebuilds_every_file_byte_identically(entry):
    proc = subprocess.run([sys.executable, *entry, "--check"], cwd=REPO, capture_output=True, text=True,
                          env={"PYTHONHASHSEED": "7", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "all 12 data files match python data/generate.py"


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
