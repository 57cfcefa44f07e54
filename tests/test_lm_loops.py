"""The three loops on one tiny model, in one Locked Room: measure, select, learn, measure again, gate.

Every rollout here comes through ``course.rollout_sample --source local``, the command a student runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, skip_unless_installed

skip_unless_installed("torch")

from course import rollout_sample  # noqa: E402
from course_core.measurement.evaluate import run_eval  # noqa: E402
from course_core.measurement.gate import compare  # noqa: E402
from course_core.present.cli import run  # noqa: E402
from course_core.selection.best_of_n import run_selection  # noqa: E402

HELD = str(REPO / "data/datasets/sums_holdout.jsonl")
SUBSET = 24  # items of HELD the one-setting-changed runs sample
pytestmark = [pytest.mark.slow, pytest.mark.starts_early]  # trains for 20 steps and samples about 2,100 completions


def sample(outdir: Path, *flags: str, dataset: str | Path = HELD) -> None:
    """``python -m course.rollout_sample --source local --model tiny ...``, in this process."""
    argv = ["--source", "local", "--model", "tiny", "--dataset", str(dataset), "--outdir", str(outdir), *flags]
    assert run(rollout_sample.main, "course.rollout_sample", argv) == 0


@pytest.fixture(scope="module")
def loops(tmp_path_factory) -> Path:
    from course_core.lm.train import config_for
    from course_core.lm.train_run import run_lm_train

    root = tmp_path_factory.mktemp("loops")
    sample(root / "before")
    run_eval(HELD, root / "before/completions.jsonl", root / "eval_before")
    sample(root / "pack", "--n", "8")
    run_selection(HELD, root / "pack/selection_pack.jsonl", root / "best_of_8", 8)
    cfg = config_for("tiny", steps=20, eval_every=0, heldout_limit=40)
    run_lm_train(cfg, root / "train", args={})
    sample(root / "after", "--weights", str(root / "train"))  # the run directory: its weights.pt is the policy
    run_eval(HELD, root / "after/completions.jsonl", root / "eval_after")
    return root


@pytest.fixture(scope="module")
def subset(loops, tmp_path_factory) -> Path:
    """The held-out set's first ``SUBSET`` items as a dataset of their own, sampled and measured as "before"
    was: the Locked Room tests below vary one setting against it (each item draws from its own
    seeded stream, so these rows are the full run's rows for the same items)."""
    root = tmp_path_factory.mktemp("subset")
    lines = Path(HELD).read_text(encoding="utf-8").splitlines(keepends=True)[:SUBSET]
    (root / "held.jsonl").write_text("".join(lines), encoding="utf-8")
    sample(root / "before", dataset=root / "held.jsonl")
    run_eval(root / "held.jsonl", root / "before/completions.jsonl", root / "eval_before")
    return root


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_gate_accepts_the_trained_policy_inside_the_locked_room_and_names_it(loops):
    report = compare(loops / "eval_before", loops / "eval_after", min_delta=0.3, require_significant=True)
    assert report["locked_room"]["ok"] and report["locked_room"]["violations"] == []
    assert report["decision"] == "ACCEPT", report["reasons"]
    assert report["paired"]["discordant_candidate_only"] > 5 * report["paired"]["discordant_baseline_only"]
    before, after = _json(REPO / "data/lm/tiny.json")["fingerprint"], _json(loops / "train/summary.json")["weights_after"]
    assert report["policy"]["differences"] == [{"key": "weights_fingerprint", "baseline": before, "candidate": after}]
    assert f"policy changed (the variable under test): weights_fingerprint {before!r} → {after!r}" in report["reasons"]


def test_only_the_policy_changed_between_the_two_measurements(loops):
    side = {w: _json(loops / f"{w}/completions.sampling.json") for w in ("before", "after")}
    provenance = ("policy", "started_utc", "finished_utc", "stats")
    assert {k: v for k, v in side["before"].items() if k not in provenance} == {k: v for k, v in side["after"].items() if k not in provenance}
    assert side["before"]["model_prompt_format"] == "{prompt}\\n" and side["before"]["api"] == "completions"
    assert side["before"]["policy"]["weights_fingerprint"] == _json(REPO / "data/lm/tiny.json")["fingerprint"]
    train = _json(loops / "train/manifest.json")["policy"]
    assert side["after"]["policy"]["weights_fingerprint"] == train["weights_after"] != train["weights_before"]
    assert train["weights_before"] == side["before"]["policy"]["weights_fingerprint"]


@pytest.mark.parametrize("changed", [("--temperature", "0.7"), ("--seed", "1"), ("--max-tokens", "12")])
def test_the_gate_refuses_when_anything_besides_the_policy_changed(loops, subset, tmp_path, changed):
    sample(tmp_path / "after", "--weights", str(loops / "train/weights.pt"), *changed, dataset=subset / "held.jsonl")
    run_eval(subset / "held.jsonl", tmp_path / "after/completions.jsonl", tmp_path / "eval_after")
    report = compare(subset / "eval_before", tmp_path / "eval_after", min_delta=0.3, require_significant=True)
    assert report["decision"] == "REJECT" and not report["locked_room"]["ok"]
    assert [v["field"] for v in report["locked_room"]["violations"]] == ["sampling_config"]
    assert any("its effect cannot be told apart" in r for r in report["reasons"]), report["reasons"]


def test_best_of_8_raises_the_pass_rate_without_moving_the_weights(loops):
    sel = _json(loops / "best_of_8/summary.json")
    assert sel["pass_at_n"] > sel["pass_at_1"] + 0.1
    pack, before = (_json(loops / f"{w}/manifest.json")["policy"] for w in ("pack", "before"))
    assert pack["weights_fingerprint"] == before["weights_fingerprint"]
    # the distribution stayed put: one sample from the pack scores like the separate one-sample run, within noise
    assert abs(sel["mean_sample_pass_rate"] - _json(loops / "eval_before/summary.json")["pass_rate"]) < 0.1


def test_sampling_from_a_local_model_is_seeded(loops, subset):
    """Sampled again, on a dataset of the first items only, the same items get the same bytes:
    the run repeats, and an item's samples do not depend on the items beside it."""
    full = (loops / "before/completions.jsonl").read_bytes().splitlines(keepends=True)
    assert (subset / "before/completions.jsonl").read_bytes() == b"".join(full[:SUBSET])
