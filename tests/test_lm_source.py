"""``course.rollout_sample --source local``: the kit's models as a rollout source, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, skip_unless_installed, write_jsonl

skip_unless_installed("torch")

from course import rollout_sample  # noqa: E402
from course_core.present.cli import run  # noqa: E402
from course_core.rollouts.staging import staging_dir  # noqa: E402

CARD = json.loads((REPO / "data/lm/tiny.json").read_text(encoding="utf-8"))


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "sums.jsonl", [
        {"id": f"s{i}", "prompt": f"What is {10 + i} + {30 + i}?", "expected_answer": 40 + 2 * i} for i in range(4)
    ])


def sample(capsys, dataset: Path, outdir: Path, *flags: str) -> tuple[int, str, str]:
    argv = ["--dataset", str(dataset), "--outdir", str(outdir), *flags]
    code = run(rollout_sample.main, "course.rollout_sample", argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_local_model_samples_a_selection_pack_with_its_weights_named(dataset, tmp_path, capsys):
    out = tmp_path / "pack"
    code, stdout, err = sample(capsys, dataset, out, "--source", "local", "--model", "tiny", "--n", "3")
    assert code == 0, err
    rows = [json.loads(line) for line in (out / "selection_pack.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["s0", "s1", "s2", "s3"]
    assert all(len(r["samples"]) == 3 and all(s["sum_logprob"] < 0 for s in r["samples"]) for r in rows)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["policy"]["weights_fingerprint"] == CARD["fingerprint"] and manifest["policy"]["source"] == "local"
    # the training's sampling configuration, unless told otherwise
    assert {k: manifest["sampling_config"][k] for k in ("api", "temperature", "top_p", "max_tokens", "n", "seed")} == {
        "api": "completions", "temperature": 1.0, "top_p": 1.0, "max_tokens": 24, "n": 3, "seed": 0}
    assert "(local, no server)" in stdout and not staging_dir(out).exists()


@pytest.mark.slow
def test_the_weights_of_an_lm_train_run_are_the_policy(dataset, tmp_path, capsys):
    from course_core.lm.train import config_for
    from course_core.lm.train_run import run_lm_train

    trained = run_lm_train(config_for("tiny", steps=1, heldout=None), tmp_path / "train", args={})
    for weights in (tmp_path / "train", tmp_path / "train/weights.pt"):
        out = tmp_path / f"from_{weights.name}"
        code, _, err = sample(capsys, dataset, out, "--source", "local", "--model", "tiny", "--weights", str(weights))
        assert code == 0, err
        policy = json.loads((out / "manifest.json").read_text())["policy"]
        assert policy["weights_fingerprint"] == trained.summary["weights_after"] != CARD["fingerprint"]
    code, _, err = sample(capsys, dataset, tmp_path / "x", "--source", "local", "--model", "smollm2-135m", "--weights", str(tmp_path / "train"))
    assert code == 2 and "this lm_train run trained tiny, not smollm2-135m" in err


@pytest.mark.parametrize(("flags", "message"), [
    (["--source", "local", "--model", "tinyy"], "did you mean 'tiny'"),
    (["--source", "local", "--model", "tiny", "--base-url", "http://localhost:8000/v1"], "--base-url is for --source openai"),
    (["--model", "m", "--weights", "w.pt", "--base-url", "http://localhost:8000/v1"], "--weights is for --source local"),
    (["--model", "m"], "--source openai needs the server's --base-url"),
    (["--source", "local", "--model", "tiny", "--chat"], "reads a prompt as raw text"),
    (["--source", "local", "--model", "tiny", "--stop", "\n"], "takes no stop sequences"),
    (["--source", "local", "--model", "tiny", "--weights", "nowhere.pt"], "weights file does not exist"),
    (["--source", "local", "--model", "tiny", "--shots", "1"], "the tiny model takes no worked examples"),
    (["--source", "local", "--model", "tiny", "--temperature", "1e-300"], "--temperature 1e-300 is too small for the local sampler"),
    (["--source", "local", "--model", "tiny", "--temperature", "inf"], "--temperature must be a number between 0 and 100"),
    (["--source", "local", "--model", "tiny", "--weights", __file__], "field '--weights': cannot load tiny-model weights: not a tiny-gpt"),
])
def test_a_flag_a_local_source_cannot_honour_is_one_message_and_exit_2(dataset, tmp_path, capsys, flags, message):
    out = tmp_path / "out"
    code, _, err = sample(capsys, dataset, out, *flags)
    assert code == 2 and message in err and "Traceback" not in err
    assert not out.exists() and not staging_dir(out).exists()


def test_a_prompt_longer_than_the_tiny_window_names_file_line_and_field(tmp_path, capsys):
    dataset = write_jsonl(tmp_path / "long.jsonl", [
        {"id": "a", "prompt": "What is 1 + 2?", "expected_answer": 3},
        {"id": "b", "prompt": "What is " + " + ".join(["1"] * 20) + "?", "expected_answer": 20},
    ])
    out = tmp_path / "out"
    code, _, err = sample(capsys, dataset, out, "--source", "local", "--model", "tiny")
    assert code == 2 and f"{dataset}:2, field 'prompt'" in err and "reads at most 48" in err
    assert not out.exists() and not staging_dir(out).exists()
