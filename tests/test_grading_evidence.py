"""Sabotage evidence checks on real run directories, and staging: symlinks and big files refused."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, write_jsonl
from course_core.grading.evidence import evaluate, json_pointer
from course_core.grading.exercise import load_exercise
from course_core.grading.staging import Staged, stage
from course_core.measurement.evaluate import run_eval

TOY = load_exercise(REPO / "tests" / "fixtures" / "ex_toy")


@pytest.fixture
def runs(tiny: dict[str, Path]) -> Path:
    """A submission folder with evidence/clean, evidence/modified (one answer changed), evidence/repeat, evidence/weak."""
    sub = tiny["dir"] / "submission"
    ev = sub / "evidence"
    run_eval(tiny["dataset"], tiny["completions"], ev / "clean")
    run_eval(tiny["dataset"], tiny["completions"], ev / "repeat")
    run_eval(tiny["dataset"], tiny["completions"], ev / "weak", scorer_name="weak_contains")
    rows = [json.loads(line) for line in tiny["dataset"].read_text().splitlines()]
    rows[2]["expected_answer"] = 5
    modified = write_jsonl(tiny["dir"] / "modified.jsonl", rows)
    run_eval(modified, tiny["completions"], ev / "modified")
    (ev / "note.json").write_text(json.dumps({"answer": 42, "list": [1, {"a/b": 2}]}), encoding="utf-8")
    return sub


def _staged(sub: Path, tmp_path: Path) -> Staged:
    return stage(sub, TOY, tmp_path / "staged")


def _check(staged: Staged, **spec: Any) -> tuple[bool, str]:
    verdict = evaluate(staged, {"id": "x", "points": 1, **spec})
    return verdict.passed, verdict.detail


def test_valid_runs_and_their_kind(runs: Path, tmp_path: Path) -> None:
    st = _staged(runs, tmp_path)
    assert _check(st, check="run_valid", run="evidence/clean", kind="eval") == (True, "")
    ok, detail = _check(st, check="run_valid", run="evidence/clean", kind="selection")
    assert not ok and "'eval' run" in detail
    ok, detail = _check(st, check="run_valid", run="evidence/nowhere")
    assert not ok and "evidence/nowhere/ is not in your submission" in detail


def test_a_hand_edited_run_fails_with_the_kits_message(runs: Path, tmp_path: Path) -> None:
    summary = runs / "evidence" / "clean" / "summary.json"
    data = json.loads(summary.read_text())
    data["pass_rate"] = 1.5
    summary.write_text(json.dumps(data))
    ok, detail = _check(_staged(runs, tmp_path), check="run_valid", run="evidence/clean")
    assert not ok
    assert "exercises/ex_toy/evidence/clean/summary.json" in detail and "pass_rate" in detail
    assert str(tmp_path) not in detail


def test_manifest_fields_results_and_the_gate(runs: Path, tmp_path: Path) -> None:
    st = _staged(runs, tmp_path)
    pair = ["evidence/clean", "evidence/modified"]
    assert _check(st, check="manifest_field_differs", runs=pair, field="dataset_fingerprint")[0]
    ok, detail = _check(st, check="manifest_field_differs", runs=pair, field="scorer_version")
    assert not ok and "is the same in both runs" in detail
    assert _check(st, check="manifest_field_equal", runs=pair, field="sampling_config")[0]
    assert not _check(st, check="manifest_field_equal", runs=["evidence/clean", "evidence/weak"], field="scorer_name")[0]
    assert _check(st, check="results_identical", runs=["evidence/clean", "evidence/repeat"])[0]
    assert _check(st, check="results_differ", runs=["evidence/clean", "evidence/modified"], min_distinct=2)[0]
    assert not _check(st, check="results_differ", runs=["evidence/clean", "evidence/repeat"], min_distinct=2)[0]
    assert _check(st, check="gate_rejects", baseline="evidence/clean", candidate="evidence/modified", violation="dataset_fingerprint")[0]
    ok, detail = _check(st, check="gate_rejects", baseline="evidence/clean", candidate="evidence/repeat")
    assert not ok and "ACCEPTS" in detail
    ok, detail = _check(st, check="gate_rejects", baseline="evidence/clean", candidate="evidence/weak", violation="dataset_fingerprint")
    assert not ok and "not for dataset_fingerprint" in detail


def test_json_values(runs: Path, tmp_path: Path) -> None:
    st = _staged(runs, tmp_path)
    assert _check(st, check="json_value", file="evidence/note.json", pointer="/answer", op="eq", value=42)[0]
    assert _check(st, check="json_value", file="evidence/note.json", pointer="/list/1/a~1b", op="lt", value=3)[0]
    ok, detail = _check(st, check="json_value", file="evidence/note.json", pointer="/answer", op="gt", value=50)
    assert not ok and "is 42; needs gt 50" in detail
    assert not _check(st, check="json_value", file="evidence/note.json", pointer="/missing", op="eq", value=1)[0]
    assert json_pointer({"a": [5]}, "/a/0") == 5


def test_symlinks_are_refused_and_said_so(runs: Path, tmp_path: Path) -> None:
    clean = runs / "evidence" / "clean"
    (clean / "summary.json").unlink()
    (clean / "summary.json").symlink_to(runs / "evidence" / "repeat" / "summary.json")
    (runs / "REFLECT.md").symlink_to("/etc/passwd")
    st = _staged(runs, tmp_path)
    assert "outside your submission" in st.refused["REFLECT.md"]
    assert "symlinks are not followed" in st.refused["evidence/clean/summary.json"]
    assert not (st.root / "REFLECT.md").exists()
    ok, detail = _check(st, check="run_valid", run="evidence/clean")
    assert not ok and "evidence/clean/summary.json was not taken" in detail


def test_big_files_are_not_read(runs: Path, tmp_path: Path) -> None:
    with open(runs / "evidence" / "note.json", "wb") as fh:
        fh.truncate(50 << 20)
    st = _staged(runs, tmp_path)
    assert "over the 1 MB limit" in st.refused["evidence/note.json"]
    ok, detail = _check(st, check="json_value", file="evidence/note.json", pointer="/a", op="eq", value=1)
    assert not ok and "over the 1 MB limit" in detail


def test_only_student_files_are_staged(runs: Path, tmp_path: Path) -> None:
    for name in ("conftest.py", "pytest.ini", "tests/test_build.py"):
        (runs / name).parent.mkdir(exist_ok=True)
        (runs / name).write_text("x", encoding="utf-8")
    if hasattr(os, "mkfifo"):
        os.mkfifo(runs / "evidence" / "pipe")
    st = _staged(runs, tmp_path)
    assert not (st.root / "conftest.py").exists() and not (st.root / "pytest.ini").exists()
    assert not (st.root / "tests" / "test_build.py").exists()
    assert (st.root / "evidence" / "clean" / "manifest.json").is_file()
    if hasattr(os, "mkfifo"):
        assert st.refused["evidence/pipe"] == "is not a regular file"


def test_numbers_the_kit_cannot_compute_with_fail_the_check_naming_file_and_line(runs: Path, tmp_path: Path) -> None:
    """1e400 parses as inf and 10**400 overflows float(): either is a clear failure, never a grader error."""
    summary = runs / "evidence" / "clean" / "summary.json"
    summary.write_text(summary.read_text().replace('"pass_rate": ', '"pass_rate": 1e400, "was": ', 1))
    results = runs / "evidence" / "modified" / "results.jsonl"
    lines = results.read_text().splitlines()
    lines[1] = lines[1].replace('"reward": ', '"reward": ' + "9" * 400 + ', "was": ', 1)
    results.write_text("\n".join(lines) + "\n")
    st = _staged(runs, tmp_path)
    ok, detail = _check(st, check="run_valid", run="evidence/clean")
    assert not ok and detail == "evidence/clean/summary.json cannot be checked: the number 1e400 is too large to be a finite number"
    ok, detail = _check(st, check="gate_rejects", baseline="evidence/clean", candidate="evidence/modified")
    assert not ok and "summary.json cannot be checked" in detail
    ok, detail = _check(st, check="run_valid", run="evidence/modified")
    assert not ok and detail.startswith("evidence/modified/results.jsonl line 2 cannot be checked: an integer of 400 digits")
