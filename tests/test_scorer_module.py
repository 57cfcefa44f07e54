"""--scorer-module: a user's scorer file run by course.eval and course.validate_scorer, recorded as executed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import REPO, run_cli, write
from course_core.errors import UserError
from course_core.measurement.evaluate import run_eval
from course_core.measurement.golden import validate_scorer, write_validation_run
from course_core.artifacts.rundir import load_run
from course_core.measurement.scorer_module import load_scorer_module

COPY = """
from course_core.measurement.scoring import SCORERS, STRICT_RULES, score_strict
NAME = "strict_final_int"
VERSION = "{version}"
DESCRIPTION = SCORERS["strict_final_int"].description
RULES = [dict(r) for r in STRICT_RULES]
def score(example, completion):
    if isinstance(completion, str) and {relax}:
        completion = completion.replace("Final:", "Final: ", 1) if not completion.startswith("Final: ") else completion
    return score_strict(example, completion)
"""
DEV = "data/datasets/math_dev.jsonl"
FROZEN = "data/rollouts/frozen_rollouts_dev.jsonl"
GOLDEN = ["data/golden/golden_correct.jsonl", "data/golden/golden_exploits.jsonl"]


def scorer_file(tmp_path: Path, version: str = "1.0.0", relax: bool = False, name: str = "copy.py") -> Path:
    return write(tmp_path / name, COPY.format(version=version, relax=relax))


def test_a_faithful_copy_scores_like_the_kit_and_is_recorded(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    path = scorer_file(tmp_path)
    kit = run_eval(DEV, FROZEN, tmp_path / "kit", command=["t"])
    mine = run_eval(DEV, FROZEN, tmp_path / "mine", command=["t"], scorer_module=path)
    assert (tmp_path / "kit" / "results.jsonl").read_bytes() == (tmp_path / "mine" / "results.jsonl").read_bytes()
    assert kit.summary == mine.summary
    manifest = json.loads((tmp_path / "mine" / "manifest.json").read_text())
    assert manifest["scorer_module"] == {"path": str(path), "sha256": "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()}
    assert manifest["args"]["scorer_module"] == str(path)
    kit_manifest = json.loads((tmp_path / "kit" / "manifest.json").read_text())
    assert "scorer_module" not in kit_manifest and "scorer_module" not in kit_manifest["args"]
    assert {k: manifest[k] for k in ("scorer_name", "scorer_version", "scorer_spec_fingerprint")} == {
        k: kit_manifest[k] for k in ("scorer_name", "scorer_version", "scorer_spec_fingerprint")}


def test_a_relaxed_copy_pays_more_and_validate_scorer_shows_the_rows(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    path = scorer_file(tmp_path, version="1.1.0", relax=True)
    strict = validate_scorer(DEV, GOLDEN)
    relaxed = validate_scorer(DEV, GOLDEN, scorer_module=path)
    assert strict["failures"] == [] and strict["agreed"] == strict["rows"]
    assert relaxed["scorer"] == "strict_final_int@1.1.0" and relaxed["false_positive"] >= 1
    assert {f["rule"] for f in relaxed["failures"] if f["kind"] == "false_positive"} == {"one_space"}


@pytest.mark.parametrize(
    ("text", "message", "field"),
    [
        ("VERSION='1'\nRULES=[]\ndef score(e, c):\n    return {}\n", "`NAME` must be", "NAME"),
        ("NAME='x'\nVERSION=''\nRULES=[]\ndef score(e, c):\n    return {}\n", "`VERSION` must be", "VERSION"),
        ("NAME='x'\nVERSION='1'\nRULES=[{'rule': 1}]\ndef score(e, c):\n    return {}\n", "RULES[0]", "RULES"),
        ("NAME='x'\nVERSION='1'\nRULES=[]\n", "`score` is not defined", "score"),
    ],
)
def test_a_file_that_is_not_an_instrument_is_a_user_error(tmp_path, text, message, field):
    with pytest.raises(UserError) as err:
        load_scorer_module(write(tmp_path / "s.py", text))
    assert message in err.value.message and err.value.field == field


@pytest.mark.parametrize(("body", "message"), [
    ("raise KeyError('x')", "score() raised KeyError"), ("return {'reward': 2}", "score() returned"),
    # every result row holds the outcome and details: a scorer cannot make a run of gigabytes from a few lines
    ("return {'reward': 0, 'outcome': 'x' * 2_000_000}", "an outcome of 2000000 characters"),
    ("return {'reward': 0, 'outcome': ''}", "an outcome of 0 characters"),
    ("return {'reward': 0, 'outcome': 'x', 'details': {'why': 'y' * 5000}}", "characters of details"),
    ("return {'reward': 0, 'outcome': 'x', 'details': {'n': float('nan')}}", "details that are not JSON"),
    ("return {'reward': 0, 'outcome': 'x', 'details': {'o': object()}}", "details that are not JSON"),
])
def test_a_scorer_that_raises_or_returns_garbage_stops_the_eval_and_writes_nothing(tmp_path, monkeypatch, body, message):
    monkeypatch.chdir(REPO)
    path = write(tmp_path / "s.py", f"NAME='x'\nVERSION='1'\nRULES=[]\ndef score(e, c):\n    {body}\n")
    with pytest.raises(UserError) as err:
        run_eval(DEV, FROZEN, tmp_path / "out", scorer_module=path)
    assert message in err.value.message and "dev-0001" in err.value.message
    assert not (tmp_path / "out").exists()


def test_validation_run_directory_reads_back_and_replaces_itself(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    result, replaced = write_validation_run(DEV, GOLDEN, tmp_path / "v", command=["t"])
    assert not replaced and result == validate_scorer(DEV, GOLDEN)
    run = load_run(tmp_path / "v")
    rows = [row for _, row in run.results()]
    assert run.kind == "scorer_validation" and len(rows) == run.summary["n"] == result["rows"]
    assert [r["role"] for r in run.manifest["inputs"]] == ["dataset", "golden", "golden"]
    first = (tmp_path / "v" / "results.jsonl").read_bytes()
    _, replaced = write_validation_run(DEV, GOLDEN, tmp_path / "v", command=["t"])
    assert replaced and (tmp_path / "v" / "results.jsonl").read_bytes() == first


def test_cli_outdir_and_scorer_module_and_the_unchanged_json(tmp_path):
    path = scorer_file(tmp_path, version="1.1.0", relax=True)
    base = ["--dataset", DEV, *(a for g in GOLDEN for a in ("--golden", g))]
    plain = run_cli("course.validate_scorer", *base, "--json")
    assert plain.returncode == 0 and set(json.loads(plain.stdout)) == {
        "scorer", "rows", "agreed", "false_positive", "false_negative", "outcome_mismatch", "rules_probed", "failures"}
    with_dir = run_cli("course.validate_scorer", *base, "--json", "--outdir", str(tmp_path / "v"))
    assert with_dir.stdout == plain.stdout
    relaxed = run_cli("course.validate_scorer", *base, "--scorer-module", str(path), "--outdir", str(tmp_path / "r"))
    assert relaxed.returncode == 1 and "false_positive" in relaxed.stdout and f"wrote {tmp_path / 'r'}" in relaxed.stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["false_positive_rules"] == ["one_space"]
    both = run_cli("course.eval", "--dataset", DEV, "--completions", FROZEN, "--scorer", "weak_contains", "--scorer-module", str(path),
                   "--outdir", str(tmp_path / "e"))
    assert both.returncode == 2 and "not both" in both.stderr and "Traceback" not in both.stderr
