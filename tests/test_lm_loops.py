"""The three loops on one tiny model, in one Locked Room: measure, select, learn, measure again, gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the lm extra (torch) is not installed: pip install torch==2.13.0, see README")

from conftest import REPO  # noqa: E402

from course_core.lm.sample_run import sample_local  # noqa: E402
from course_core.lm.train import config_for  # noqa: E402
from course_core.lm.train_run import run_lm_train  # noqa: E402
from course_core.measurement.evaluate import run_eval  # noqa: E402
from course_core.measurement.gate import compare  # noqa: E402
from course_core.selection.best_of_n import run_selection  # noqa: E402

HELD = str(REPO / "data/datasets/sums_holdout.jsonl")
pytestmark = pytest.mark.slow  # trains for 20 steps and samples 2,200 completions (about a minute on 2 cores)


@pytest.fixture(scope="module")
def loops(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("loops")
    sample_local("tiny", HELD, root / "before/completions.jsonl")
    run_eval(HELD, root / "before/completions.jsonl", root / "eval_before")
    sample_local("tiny", HELD, root / "pack/selection_pack.jsonl", n=8)
    run_selection(HELD, root / "pack/selection_pack.jsonl", root / "best_of_8", 8)
    cfg = config_for("tiny", steps=20, eval_every=0, heldout_limit=40)
    run_lm_train(cfg, root / "train", args={})
    sample_local("tiny", HELD, root / "after/completions.jsonl", weights=str(root / "train/weights.pt"))
    run_eval(HELD, root / "after/completions.jsonl", root / "eval_after")
    return root


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_gate_accepts_the_trained_policy_inside_the_locked_room(loops):
    report = compare(loops / "eval_before", loops / "eval_after", min_delta=0.3, require_significant=True)
    assert report["locked_room"]["ok"] and report["locked_room"]["violations"] == []
    assert report["decision"] == "ACCEPT", report["reasons"]
    assert report["paired"]["discordant_candidate_only"] > 5 * report["paired"]["discordant_baseline_only"]


def test_only_the_policy_changed_between_the_two_measurements(loops):
    assert (loops / "before/completions.sampling.json").read_bytes() == (loops / "after/completions.sampling.json").read_bytes()
    before, after = _json(loops / "before/policy.json"), _json(loops / "after/policy.json")
    assert before["weights_fingerprint"] == _json(REPO / "data/lm/tiny.json")["fingerprint"]
    assert after["weights_fingerprint"] == _json(loops / "train/summary.json")["weights_after"] != before["weights_fingerprint"]


def test_best_of_8_raises_the_pass_rate_without_moving_the_weights(loops):
    sel = _json(loops / "best_of_8/summary.json")
    assert sel["pass_at_n"] > sel["pass_at_1"] + 0.1
    assert _json(loops / "pack/policy.json")["weights_fingerprint"] == _json(loops / "before/policy.json")["weights_fingerprint"]
    # the distribution stayed put: one sample from the pack scores like the separate one-sample run, within noise
    assert abs(sel["mean_sample_pass_rate"] - _json(loops / "eval_before/summary.json")["pass_rate"]) < 0.1


def test_sampling_from_a_local_model_is_seeded(loops, tmp_path):
    sample_local("tiny", HELD, tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == (loops / "before/completions.jsonl").read_bytes()
