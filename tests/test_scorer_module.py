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
    # a reward is a real 0 or 1: a rigged __eq__ / __float__ is not read, a NaN, an array or a bare object is refused
    ("return {'reward': Rigged(), 'outcome': 'correct'}", "returned the reward <Rigged object>"),
    ("return {'reward': RiggedFloat(0.5), 'outcome': 'correct'}", "returned the reward 0.5"),
    ("return {'reward': NanOnly(), 'outcome': 'correct'}", "returned the reward <NanOnly object>"),
    ("return {'reward': object(), 'outcome': 'correct'}", "returned the reward <object object>"),
    ("return {'reward': float('nan'), 'outcome': 'correct'}", "returned the reward nan"),
    ("return {'reward': __import__('numpy').array([1.0]), 'outcome': 'correct'}", "returned the reward <ndarray object>"),
    ("return {'reward': True, 'outcome': 'correct'}", "returned the reward True"),
    ("return {'reward': 1, 'outcome': 'a\\udc80'}", "not valid text"),
    ("return {'reward': 1, 'outcome': 'x', 'details': {'why': '\\udc80'}}", "details that are not JSON"),
    ("return {'reward': 1, 'outcome': 'x', 'details': {'n': 10**400}}", "details that are not JSON"),
    ("return {'reward': 1, 'outcome': 'x', 'details': {'d': RiggedDict()}}", "details that are not JSON"),
    ("return RiggedDict(reward=1, outcome='x')", "score() returned {'reward': 1, 'outcome': 'x'} for"),
])
def test_a_scorer_that_raises_or_returns_garbage_stops_the_eval_and_writes_nothing(tmp_path, monkeypatch, body, message):
    monkeypatch.chdir(REPO)
    path = write(tmp_path / "s.py", f"NAME='x'\nVERSION='1'\nRULES=[]\n{RIGGED}\ndef score(e, c):\n    {body}\n")
    with pytest.raises(UserError) as err:
        run_eval(DEV, FROZEN, tmp_path / "out", scorer_module=path)
    assert message in err.value.message and "dev-0001" in err.value.message
    assert not (tmp_path / "out").exists()


RIGGED = """
class Rigged:
    __hash__ = None
    def __eq__(self, other): return True
    def __float__(self): return 0.5
class RiggedFloat(float):
    __hash__ = float.__hash__
    def __eq__(self, other): return True
    def __float__(self): return 1.0
class NanOnly:
    def __float__(self): return float('nan')
class RiggedDict(dict):
    def get(self, *a): raise SystemExit(0)
    def items(self): raise SystemExit(0)
    def keys(self): raise SystemExit(0)
"""


@pytest.mark.parametrize(("body", "message"), [
    ("__import__('sys').exit(0)", "`score` called exit(0)"),
    ("raise GeneratorExit('closed')", "`score` raised GeneratorExit: closed"),
    ("raise type('Mine', (BaseException,), {})('mine')", "`score` raised Mine: mine"),
])
def test_a_scorer_that_exits_is_a_user_error_not_a_silent_success(tmp_path, body, message):
    """sys.exit(0) in score() ended course.eval with code 0, no output and no run."""
    write(tmp_path / "d.jsonl", '{"id": "dev-0001", "prompt": "p", "expected_answer": 1655}\n')
    write(tmp_path / "c.jsonl", '{"id": "dev-0001", "completion": "Final: 1655"}\n')
    path = write(tmp_path / "s.py", f"NAME='x'\nVERSION='1'\nRULES=[]\ndef score(e, c):\n    {body}\n")
    proc = run_cli("course.eval", "--dataset", str(tmp_path / "d.jsonl"), "--completions", str(tmp_path / "c.jsonl"),
                   "--scorer-module", str(path), "--outdir", str(tmp_path / "out"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"course.eval: error: {path}:5: --scorer-module: {message}" in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("rules", [
    "[{'rule': 'a', 'outcome': 'b', 'says': 'c', 'extra': object()}]",
    "[{'rule': 'a', 'outcome': 'b', 'says': 'c', object(): 'd'}]",
    "[{'rule': 'a\\udc80', 'outcome': 'b', 'says': 'c'}]",
    "[{'rule': 'a', 'outcome': 'b', 'says': 'c'}, object()]",
])
def test_rules_are_text_all_through(tmp_path, rules):
    with pytest.raises(UserError) as err:
        load_scorer_module(write(tmp_path / "s.py", f"NAME='x'\nVERSION='1'\nRULES={rules}\ndef score(e, c):\n    return {{}}\n"))
    assert "RULES[" in err.value.message and err.value.field == "RULES"


def test_names_that_are_not_valid_text_are_refused(tmp_path):
    with pytest.raises(UserError) as err:
        load_scorer_module(write(tmp_path / "s.py", "NAME='x\\udc80'\nVERSION='1'\nRULES=[]\ndef score(e, c):\n    return {}\n"))
    assert err.value.field == "NAME"


def test_a_scorer_that_changes_its_example_changes_no_row(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    body = "e['id'] = 'hacked'\n    e['expected_answer'] = None\n    return {'reward': 1, 'outcome': 'ok', 'details': {'reason': 'r', 'n': 10**299}}"
    path = write(tmp_path / "s.py", f"NAME='x'\nVERSION='1'\nRULES=[]\ndef score(e, c):\n    {body}\n")
    run_eval(DEV, FROZEN, tmp_path / "out", command=["t"], scorer_module=path)
    kit = run_eval(DEV, FROZEN, tmp_path / "kit", command=["t"])
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    kit_rows = [json.loads(line) for line in (tmp_path / "kit" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["expected_answer"]) for r in rows] == [(r["id"], r["expected_answer"]) for r in kit_rows]
    assert "hacked" not in {r["id"] for r in rows} and all(r["reward"] == 1.0 and r["reason"] == "r" for r in rows)
    load_run(tmp_path / "out")  # what it wrote reads back


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
