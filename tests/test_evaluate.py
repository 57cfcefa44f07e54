"""python -m course.eval as a user types it: artifacts, determinism, and every bad input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from conftest import REPO, run_cli, write_jsonl
from course_core.artifacts.schemas import first_error
from course_core.measurement.evaluate import run_eval


def _eval(tiny, outdir: Path, *extra: str, dataset: Path | None = None, completions: Path | None = None):
    return run_cli(
        "course.eval",
        "--dataset", str(dataset or tiny["dataset"]),
        "--completions", str(completions or tiny["completions"]),
        "--outdir", str(outdir),
        *extra,
    )


def test_writes_the_four_artifacts_valid_against_their_schemas(tiny):
    out = tiny["dir"] / "run"
    proc = _eval(tiny, out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "results.jsonl", "summary.json", "summary.md"]
    manifest = json.loads((out / "manifest.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert first_error(manifest, "manifest") is None
    assert first_error(summary, "eval_summary") is None
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["outcome"] for r in rows] == ["correct", "correct", "wrong_answer", "missing_final"]
    assert all(first_error(r, "eval_result_row") is None for r in rows)
    assert summary["n"] == 4 and summary["passed"] == 2 and summary["pass_rate"] == 0.5
    assert summary["pass_rate_ci95"]["low"] < 0.5 < summary["pass_rate_ci95"]["high"]
    assert manifest["dataset_fingerprint"] == manifest["inputs"][0]["sha256"]
    assert isinstance(manifest["scorer_version"], str)
    assert manifest["command"][:3] == ["python", "-m", "course.eval"]
    assert str(out) in proc.stdout  # output paths printed at the end


def test_results_are_byte_identical_across_runs_and_hash_seeds(tiny):
    a, b = tiny["dir"] / "a", tiny["dir"] / "b"
    assert _eval(tiny, a).returncode == 0
    proc = run_cli("course.eval", "--dataset", str(tiny["dataset"]), "--completions", str(tiny["completions"]),
                   "--outdir", str(b), env={"PYTHONHASHSEED": "12345"})
    assert proc.returncode == 0
    assert (a / "results.jsonl").read_bytes() == (b / "results.jsonl").read_bytes()
    assert str(tiny["dir"]) not in (a / "results.jsonl").read_text()  # no absolute paths


def test_missing_completions_are_reported_and_scored_zero(tiny):
    short = write_jsonl(tiny["dir"] / "short.jsonl", [{"id": "t0", "completion": "Final: 0"}])
    out = tiny["dir"] / "run"
    proc = _eval(tiny, out, completions=short)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["missing_completions"] == 3 and summary["missing_ids"] == ["t1", "t2", "t3"]
    assert summary["n"] == 4 and summary["passed"] == 1
    assert "3 example(s) had no completion" in proc.stdout


def test_bom_and_crlf_are_accepted(tiny):
    raw = tiny["dataset"].read_bytes().replace(b"\n", b"\r\n")
    (tiny["dir"] / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + raw)
    out = tiny["dir"] / "run"
    proc = _eval(tiny, out, dataset=tiny["dir"] / "bom.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "summary.json").read_text())["passed"] == 2


def test_weak_scorer_is_named_in_the_manifest(tiny):
    out = tiny["dir"] / "weak"
    assert _eval(tiny, out, "--scorer", "weak_contains").returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scorer_name"] == "weak_contains"
    assert json.loads((out / "summary.json").read_text())["passed"] == 3  # "The answer is 6." pays


BAD_DATASETS = {
    "invalid_json": (['{"id": "t0", "prompt": "p", "expected_answer": 0}', '{"id": "t1", "prompt": '], ":2", "invalid JSON"),
    "missing_id": ([{"prompt": "p", "expected_answer": 0}], ":1", "'id'"),
    "missing_prompt": ([{"id": "t0", "expected_answer": 0}], ":1", "'prompt'"),
    "missing_expected": ([{"id": "t0", "prompt": "p"}], ":1", "'expected_answer'"),
    "string_answer": ([{"id": "t0", "prompt": "p", "expected_answer": "0"}], ":1", "'expected_answer'"),
    "float_answer": ([{"id": "t0", "prompt": "p", "expected_answer": 0.0}], ":1", "'expected_answer'"),
    "null_answer": ([{"id": "t0", "prompt": "p", "expected_answer": None}], ":1", "'expected_answer'"),
    "duplicate_id": ([{"id": "t0", "prompt": "p", "expected_answer": 0}, {"id": "t0", "prompt": "q", "expected_answer": 1}], ":2", "duplicate id 't0' (first seen on line 1)"),
    "not_an_object": (["[1, 2]"], ":1", "expected a JSON object"),
}


@pytest.mark.parametrize("case", sorted(BAD_DATASETS))
def test_bad_dataset_gives_one_clear_message_and_no_run_dir(tiny, case):
    rows, where, what = BAD_DATASETS[case]
    bad = write_jsonl(tiny["dir"] / "bad.jsonl", rows)
    out = tiny["dir"] / "run"
    proc = _eval(tiny, out, dataset=bad)
    assert proc.returncode == 2
    assert f"bad.jsonl{where}" in proc.stderr and what in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("error:") == 1
    assert not out.exists()
    assert not [p for p in tiny["dir"].iterdir() if p.name.startswith(".run")]  # no staging left behind


BAD_COMPLETIONS = {
    "missing_completion_field": ([{"id": "t0"}], ":1", "'completion'"),
    "null_completion": ([{"id": "t0", "completion": None}], ":1", "'completion'"),
    "unknown_id": ([{"id": "t0", "completion": "Final: 0"}, {"id": "zzz", "completion": "Final: 1"}], ":2", "'zzz' is not in the dataset"),
    "duplicate_id": ([{"id": "t1", "completion": "a"}, {"id": "t1", "completion": "b"}], ":2", "duplicate id"),
}


@pytest.mark.parametrize("case", sorted(BAD_COMPLETIONS))
def test_bad_completions_give_one_clear_message(tiny, case):
    rows, where, what = BAD_COMPLETIONS[case]
    bad = write_jsonl(tiny["dir"] / "badc.jsonl", rows)
    out = tiny["dir"] / "run"
    proc = _eval(tiny, out, completions=bad)
    assert proc.returncode == 2, proc.stdout
    assert f"badc.jsonl{where}" in proc.stderr and what in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_missing_empty_and_directory_inputs(tiny):
    out = tiny["dir"] / "run"
    proc = _eval(tiny, out, dataset=tiny["dir"] / "nope.jsonl")
    assert proc.returncode == 2 and "nope.jsonl: dataset file does not exist" in proc.stderr
    (tiny["dir"] / "empty.jsonl").write_text("")
    proc = _eval(tiny, out, dataset=tiny["dir"] / "empty.jsonl")
    assert proc.returncode == 2 and "dataset file is empty" in proc.stderr
    proc = _eval(tiny, out, completions=tiny["dir"])
    assert proc.returncode == 2 and "is a directory" in proc.stderr
    assert not out.exists()


def test_unknown_flag_and_unknown_scorer_exit_2(tiny):
    proc = run_cli("course.eval", "--dataset", "x", "--completion", "y")
    assert proc.returncode == 2 and "usage:" in proc.stderr
    proc = _eval(tiny, tiny["dir"] / "run", "--scorer", "strict")
    assert proc.returncode == 2 and "unknown scorer 'strict'" in proc.stderr


def test_rerun_onto_an_earlier_run_replaces_it_and_says_so(tiny):
    out = tiny["dir"] / "run"
    assert _eval(tiny, out).returncode == 0
    first = (out / "manifest.json").read_text()
    proc = _eval(tiny, out)
    assert proc.returncode == 0
    assert "replaced the earlier run" in proc.stdout
    assert (out / "results.jsonl").exists() and (out / "manifest.json").read_text() != "" and first


def test_outdir_with_other_content_is_refused_and_untouched(tiny):
    out = tiny["dir"] / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("my thesis")
    proc = _eval(tiny, out)
    assert proc.returncode == 2 and "refusing to overwrite" in proc.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    # An earlier run with a stray extra file is no longer just a kit run: also refused.
    run = tiny["dir"] / "run"
    assert _eval(tiny, run).returncode == 0
    (run / "my_notes.md").write_text("keep me")
    assert _eval(tiny, run).returncode == 2
    assert (run / "my_notes.md").read_text() == "keep me"


def test_failed_rerun_leaves_the_earlier_run_intact(tiny):
    out = tiny["dir"] / "run"
    assert _eval(tiny, out).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = write_jsonl(tiny["dir"] / "bad.jsonl", ["{oops"])
    assert _eval(tiny, out, dataset=bad).returncode == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_default_outdir_is_a_fresh_timestamped_run(tiny):
    proc = run_cli("course.eval", "--dataset", str(tiny["dataset"]), "--completions", str(tiny["completions"]), cwd=tiny["dir"])
    assert proc.returncode == 0, proc.stderr
    runs = list((tiny["dir"] / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("eval_")


def test_results_are_the_same_bytes_whether_the_files_stream_or_go_to_disk(tmp_path):
    """The shipped rollouts are in the dataset's id order (the streaming merge); shuffled, they go through SQLite."""
    dataset, rollouts = REPO / "data/datasets/math_dev.jsonl", REPO / "data/rollouts/frozen_rollouts_dev.jsonl"
    lines = rollouts.read_text().splitlines(keepends=True)
    random.Random(7).shuffle(lines)
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("".join(lines[:-5]))  # and five examples without a completion
    kept = tmp_path / "kept.jsonl"
    kept.write_text("".join(sorted(lines[:-5])))  # the same rows in id order: streamed
    a, b = run_eval(dataset, kept, tmp_path / "a"), run_eval(dataset, shuffled, tmp_path / "b")
    assert (a.outdir / "results.jsonl").read_bytes() == (b.outdir / "results.jsonl").read_bytes()
    assert a.summary == b.summary and a.summary["missing_completions"] == 5
    fingerprints = {json.loads((r.outdir / "manifest.json").read_text())["example_ids_fingerprint"] for r in (a, b)}
    assert len(fingerprints) == 1


def test_a_number_past_the_json_safe_range_is_a_wrong_answer_not_a_crash(tmp_path: Path) -> None:
    """A model may write 16 digits above 2**53 - 1: the row's parsed_answer is null, the reason keeps the digits."""
    from course_core.selection.best_of_n import run_selection

    dataset = write_jsonl(tmp_path / "ds.jsonl", [{"id": "a", "prompt": "p", "expected_answer": 3}])
    completions = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "completion": "Final: 9999999999999999"}])
    pack = write_jsonl(tmp_path / "pack.jsonl", [{"id": "a", "samples": [
        {"completion": "Final: -9999999999999999", "sum_logprob": -1.0}, {"completion": "Final: 3", "sum_logprob": -2.0}]}])
    run_eval(dataset, completions, tmp_path / "eval")
    run_selection(dataset, pack, tmp_path / "sel", n=1)
    for run in ("eval", "sel"):
        row = json.loads((tmp_path / run / "results.jsonl").read_text(encoding="utf-8"))
        assert (row["parsed_answer"], row["outcome"], row["reward"]) == (None, "wrong_answer", 0.0), run
        assert "9999999999999999" in row["reason"]
