"""inspect_run: outcome groups, examples, filters, unknown kinds."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli
from course_core.artifacts.rundir import load_run
from course_core.errors import UserError
from course_core.measurement.evaluate import run_eval
from course_core.present.inspect_run import InspectOptions, inspect_run


@pytest.fixture
def run(tiny):
    return load_run(run_eval(tiny["dataset"], tiny["completions"], tiny["dir"] / "run").outdir)


def test_groups_largest_first_with_examples(run):
    data = inspect_run(run, InspectOptions(top_k=2, show=1))
    assert [(g["outcome"], g["count"]) for g in data["groups"]] == [("correct", 2), ("missing_final", 1), ("wrong_answer", 1)]
    assert data["groups_shown"] == 2
    assert len(data["groups"][0]["examples"]) == 1 and data["groups"][2]["examples"] == []
    example = data["groups"][1]["examples"][0]
    assert example["completion"] == "The answer is 6." and example["expected_answer"] == 6 and example["reason"]


def test_only_fails_and_by_id(run):
    data = inspect_run(run, InspectOptions(only_fails=True))
    assert {g["outcome"] for g in data["groups"]} == {"missing_final", "wrong_answer"}
    assert inspect_run(run, InspectOptions(example_id="t2"))["example"]["parsed_answer"] == 5
    with pytest.raises(UserError, match="no example with id 'nope'"):
        inspect_run(run, InspectOptions(example_id="nope"))


def test_unknown_kind_is_a_clear_message(run):
    run.manifest["kind"] = "telepathy"
    with pytest.raises(UserError, match="does not know how to inspect a 'telepathy' run"):
        inspect_run(run, InspectOptions())


def test_cli(run):
    proc = run_cli("course.inspect_run", "--run", str(run.path), "--only-fails", "--top-k", "5", "--show", "2")
    assert proc.returncode == 0, proc.stderr
    assert "wrong_answer" in proc.stdout and "The answer is 6." in proc.stdout and "correct" not in proc.stdout.split("\n", 1)[1]
    proc = run_cli("course.inspect_run", "--run", str(run.path), "--json")
    assert json.loads(proc.stdout)["n"] == 4
    proc = run_cli("course.inspect_run", "--run", str(run.path), "--top-k", "-1")
    assert proc.returncode == 2 and "must be >= 0" in proc.stderr
