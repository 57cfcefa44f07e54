"""course.lm_train on the tiny model: it learns the format, reproducibly, and refuses bad input cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, skip_unless_installed, write_jsonl

skip_unless_installed("torch")

from course_core.artifacts.rundir import load_run  # noqa: E402

FAST = {"steps": 6, "prompts_per_step": 8, "group_size": 8, "heldout_limit": 60, "eval_every": 3}
RUN_FILES = ("log.jsonl", "samples.jsonl", "summary.json", "summary.md", "weights.pt")


def _train(outdir: Path, **overrides) -> object:
    from course_core.lm.train import config_for
    from course_core.lm.train_run import run_lm_train

    cfg = config_for("tiny", **{**FAST, **overrides})
    return run_lm_train(cfg, outdir, args={"outdir": str(outdir)})


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, Path, object]:
    root = tmp_path_factory.mktemp("lm")
    first = _train(root / "a")
    _train(root / "b")
    return root / "a", root / "b", first


@pytest.mark.slow  # the two seeded runs of the fixture: about 20 s
def test_a_few_steps_raise_the_strict_format_rate(two_runs):
    run_dir, _, result = two_runs
    rows = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    assert len(rows) == FAST["steps"]
    assert sum(r["strict_format_rate"] for r in rows[-2:]) > sum(r["strict_format_rate"] for r in rows[:2]) + 0.2
    held = result.summary["heldout"]
    assert held["after"]["strict_format_rate"] > held["before"]["strict_format_rate"] + 0.1
    assert held["after"]["p_final_first"] > held["before"]["p_final_first"]
    assert rows[2]["heldout"] is not None and rows[0]["heldout"] is None  # --eval-every 3
    assert all(r["kl"] >= 0 and r["entropy"] > 0 for r in rows)


@pytest.mark.slow  # the two seeded runs of the fixture: about 20 s
def test_the_same_seed_writes_the_same_bytes(two_runs):
    a, b, _ = two_runs
    for name in RUN_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.slow  # the two seeded runs of the fixture: about 20 s
def test_the_manifest_names_the_policy_before_and_after(two_runs):
    run_dir, _, result = two_runs
    manifest = json.loads((run_dir / "manifest.json").read_text())
    card = json.loads((REPO / "data/lm/tiny.json").read_text())
    policy = manifest["policy"]
    assert policy["weights_before"] == card["fingerprint"] != policy["weights_after"]
    assert policy["weights_after"] == policy["weights_fingerprint"] == result.summary["weights_after"]
    assert policy["started_from"]["path"] == "data/lm/tiny.pt" and policy["saved_as"] == "weights.pt"
    assert manifest["kind"] == "lm_train" and manifest["hyperparameters"]["group_size"] == FAST["group_size"]
    assert manifest["scorer_name"] == "strict_final_int" and manifest["sampling_config"]["n"] == FAST["group_size"]
    assert set(manifest["artifacts"]) >= set(RUN_FILES)


@pytest.mark.slow  # the two seeded runs of the fixture: about 20 s
def test_the_trained_weights_are_a_policy_the_kit_can_load(two_runs):
    from course_core.lm.policies import load_policy

    run_dir, _, result = two_runs
    assert load_policy("tiny", run_dir / "weights.pt").fingerprint() == result.summary["weights_after"]


@pytest.mark.slow  # the two seeded runs of the fixture: about 20 s
def test_inspect_run_reads_an_lm_train_run(two_runs):
    from course_core.present.inspect_run import InspectOptions, inspect_run

    run_dir, _, _ = two_runs
    data = inspect_run(load_run(run_dir), InspectOptions(show=2, example_id="4"))
    assert data["kind"] == "lm_train" and data["n"] == FAST["steps"]
    assert data["example"]["log"]["step"] == 4 and len(data["example"]["sample"]["completions"]) == FAST["group_size"]
    overview = inspect_run(load_run(run_dir), InspectOptions(show=2))
    assert [s["step"] for s in overview["examples"]] == [1, FAST["steps"]]


def test_no_reward_difference_in_any_group_means_nothing_moves(tmp_path):
    """RL needs pass@G > 0: answers the model never writes give every sample reward 0, every advantage 0."""
    dataset = write_jsonl(tmp_path / "unreachable.jsonl", [
        {"id": f"u{i}", "prompt": f"What is {10 + i} + {20 + i}?", "expected_answer": -1} for i in range(8)
    ])
    result = _train(tmp_path / "run", dataset=str(dataset), heldout=None, steps=3, prompts_per_step=4, group_size=4)
    assert result.summary["weights_after"] == result.summary["weights_before"]
    assert result.summary["train"]["steps_without_signal"] == 3
    assert result.summary["verdict"].startswith("nothing to learn from")


def test_the_shipped_weights_match_their_card_and_pretraining_is_seeded():
    from course_core.lm.policies import load_policy
    from course_core.lm.pretrain import pretrain

    card = json.loads((REPO / "data/lm/tiny.json").read_text())
    assert load_policy("tiny").fingerprint() == card["fingerprint"]
    assert card["parameters"] == sum(p.numel() for p in load_policy("tiny").model.parameters())
    quiet = lambda _: None  # noqa: E731
    assert pretrain(steps=3, log=quiet)[1]["fingerprint"] == pretrain(steps=3, log=quiet)[1]["fingerprint"]


@pytest.mark.parametrize(("flags", "message"), [
    (["--model", "tinyy"], "did you mean 'tiny'"),
    (["--group-size", "1"], "--group-size must be between 2"),
    (["--lr", "-1"], "--lr must be a positive number"),
    (["--lr", "1e300"], "--lr must be a positive number at most 10, got 1e+300"),
    (["--lr", "nan"], "--lr must be a positive number at most 10, got nan"),
    (["--beta", "1e300"], "--beta must be a number between 0 and 1000, got 1e+300"),
    (["--beta", "inf"], "--beta must be a number between 0 and 1000, got inf"),
    (["--seed", "18446744073709551616"], "--seed must be between 0 and 2**63 - 1, got 18446744073709551616"),
    (["--seed", "9223372036854775808"], "--seed must be between 0 and 2**63 - 1"),
])
def test_a_bad_flag_is_one_message_and_exit_2_with_nothing_written(tmp_path, capsys, flags, message):
    from course.lm_train import main
    from course_core.present.cli import run

    code = run(main, "course.lm_train", [*flags, "--steps", "1", "--outdir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", [b"my notes, not weights\n", b"PK\x03\x04 truncated zip", b""])
def test_weights_that_are_not_a_weights_file_name_the_flag_and_the_path(tmp_path, capsys, content):
    from course.lm_train import main
    from course_core.present.cli import run

    notes = tmp_path / "notes.txt"
    notes.write_bytes(content)
    code = run(main, "course.lm_train", ["--weights", str(notes), "--quiet", "--steps", "1", "--outdir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and f"{notes}, field '--weights': cannot load tiny-model weights: not a tiny-gpt weights file" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_a_weights_file_of_another_shape_is_a_value_error(tmp_path):
    import torch

    from course_core.lm.weights import FORMAT, load_tiny

    torch.save({"format": FORMAT, "config": {"no_such_field": 1}, "state_dict": {}}, tmp_path / "w.pt")
    with pytest.raises(ValueError, match="do not fit the model"):
        load_tiny(tmp_path / "w.pt")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="not a tiny-gpt weights file"):
        load_tiny(tmp_path / "list.pt")


def test_a_prompt_the_tiny_model_cannot_read_names_file_line_and_field(tmp_path, capsys):
    from course.lm_train import main
    from course_core.present.cli import run

    dataset = write_jsonl(tmp_path / "ds.jsonl", [
        {"id": "a", "prompt": "What is 1 + 2?", "expected_answer": 3},
        {"id": "b", "prompt": "Wie viel ist 1 + 2 – bitte?", "expected_answer": 3},
    ])
    code = run(main, "course.lm_train", ["--dataset", str(dataset), "--no-heldout", "--prompts-per-step", "1",
                                         "--steps", "1", "--outdir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and f"{dataset}:2, field 'prompt'" in err and "'–'" in err
    assert not (tmp_path / "out").exists()
