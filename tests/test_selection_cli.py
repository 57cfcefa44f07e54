"""python -m course.selection_demo as the instructor guide (Segment 2) types it, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

DATASET = "data/datasets/math_dev.jsonl"
SAMPLES = "data/rollouts/selection_pack_dev.jsonl"

pytestmark = pytest.mark.skipif(
    not (REPO / DATASET).is_file() or not (REPO / SAMPLES).is_file(), reason="course data not generated yet"
)


def select(outdir: Path, *extra: str, env: dict[str, str] | None = None):
    return run_cli("course.selection_demo", "--dataset", DATASET, "--samples", SAMPLES, *extra, "--outdir", str(outdir), env=env)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The guide's three runs (N=1, N=4, N=4 again under another hash seed), plus N=8."""
    root = tmp_path_factory.mktemp("sel")
    made = {}
    for name, n, seed in [("n1", "1", "0"), ("n4", "4", "0"), ("n4_repeat", "4", "1"), ("n8", "8", "0")]:
        proc = select(root / name, "--n", n, env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        made[name] = root / name
    return made


def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())


def test_pass_rate_rises_from_n1_to_n4_while_the_distribution_stays(runs: dict[str, Path]) -> None:
    one, four = summary(runs["n1"]), summary(runs["n4"])
    assert four["pass_rate"] > one["pass_rate"]
    assert one["pass_rate"] == one["pass_at_1"] == four["pass_at_1"]
    assert four["pass_at_1"] < four["pass_rate"]
    low, high = four["mean_sample_pass_rate_ci95"]["low"], four["mean_sample_pass_rate_ci95"]["high"]
    assert low <= one["mean_sample_pass_rate"] <= high  # more compute, same distribution
    assert four["samples_scored"] == 4 * four["n"] == 4 * one["samples_scored"]
    md = (runs["n4"] / "summary.md").read_text()
    assert f"rose from N=1 ({one['pass_rate']:.2f}) to N=4 ({four['pass_rate']:.2f})" in md


def test_pass_at_1_le_pass_at_4_le_pass_at_8_on_the_real_data(runs: dict[str, Path]) -> None:
    rates = [summary(runs[name])["pass_rate"] for name in ("n1", "n4", "n8")]
    assert rates == sorted(rates)
    unbiased = summary(runs["n8"])["pass_at_k_unbiased"]
    assert [unbiased[str(k)] for k in range(1, 9)] == sorted(unbiased[str(k)] for k in range(1, 9))


def test_repeat_is_byte_identical_whatever_the_hash_seed(runs: dict[str, Path]) -> None:
    assert (runs["n4"] / "results.jsonl").read_bytes() == (runs["n4_repeat"] / "results.jsonl").read_bytes()


def test_cli_prints_the_story_and_the_paths(tmp_path: Path) -> None:
    proc = select(tmp_path / "maj", "--n", "4", "--selector", "majority")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "pass@1 " in out and "→ pass@4 " in out and "distribution unchanged" in out
    assert "samples scored: 480" in out and "deployable" in out
    assert str(tmp_path / "maj" / "results.jsonl") in out


def test_gate_rejects_runs_with_different_n(runs: dict[str, Path]) -> None:
    proc = run_cli("course.gate", "--baseline", str(runs["n1"]), "--candidate", str(runs["n4"]), "--min-delta", "0.00", "--json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["decision"] == "REJECT"
    assert [v["field"] for v in report["locked_room"]["violations"]] == ["sampling_config"]


def test_gate_accepts_a_repeated_run_at_zero_delta(runs: dict[str, Path]) -> None:
    proc = run_cli("course.gate", "--baseline", str(runs["n4"]), "--candidate", str(runs["n4_repeat"]), "--min-delta", "0.00", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["decision"] == "ACCEPT"


def test_n_beyond_the_pack_is_exit_2_naming_the_item_and_leaves_nothing(tmp_path: Path) -> None:
    proc = select(tmp_path / "too_many", "--n", "9")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{SAMPLES}:1" in proc.stderr and "'dev-0001'" in proc.stderr and "--allow-short" in proc.stderr
    assert not (tmp_path / "too_many").exists()
    assert list(tmp_path.iterdir()) == []


def test_allow_short_uses_what_is_there(tmp_path: Path) -> None:
    proc = select(tmp_path / "short", "--n", "9", "--allow-short")
    assert proc.returncode == 0, proc.stderr
    s = summary(tmp_path / "short")
    assert s["short_items"] == s["n"] and s["samples_scored"] == 8 * s["n"]
    first = json.loads((tmp_path / "short" / "results.jsonl").read_text().splitlines()[0])
    assert first["n_samples_used"] == 8


def test_unknown_selector_is_exit_2_with_a_suggestion(tmp_path: Path) -> None:
    proc = select(tmp_path / "bad", "--n", "4", "--selector", "orcale")
    assert proc.returncode == 2
    assert "unknown selector 'orcale'" in proc.stderr and "did you mean 'oracle'" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "bad").exists()


def test_n_zero_is_exit_2(tmp_path: Path) -> None:
    proc = select(tmp_path / "zero", "--n", "0")
    assert proc.returncode == 2 and "--n must be" in proc.stderr and "Traceback" not in proc.stderr
