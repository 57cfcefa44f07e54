"""Sabotage evidence checks on real run directories, and staging: symlinks and big files refused."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, kit_run, write_jsonl
from course_core.grading.evidence import evaluate, json_pointer
from course_core.grading.exercise import load_exercise
from course_core.grading.staging import Staged, stage

TOY = load_exercise(REPO / "tests" / "fixtures" / "ex_toy")


@pytest.fixture
def runs(tiny: dict[str, Path]) -> Path:
    """A submission folder with evidence/clean, evidence/modified (one answer changed), evidence/repeat, evidence/weak,
    each made by `python -m course.eval` on inputs kept in evidence/ (so the grader can re-derive them)."""
    sub = tiny["dir"] / "exercises" / "ex_toy"
    ev = sub / "evidence"
    ev.mkdir(parents=True)
    dataset, completions = shutil.copy(tiny["dataset"], ev), shutil.copy(tiny["completions"], ev)
    pair = ("--dataset", dataset, "--completions", completions)
    kit_run("course.eval", *pair, "--outdir", ev / "clean")
    kit_run("course.eval", *pair, "--outdir", ev / "repeat")
    kit_run("course.eval", *pair, "--scorer", "weak_contains", "--outdir", ev / "weak")
    rows = [json.loads(line) for line in tiny["dataset"].read_text().splitlines()]
    rows[2]["expected_answer"] = 5
    modified = write_jsonl(ev / "modified.jsonl", rows)
    kit_run("course.eval", "--dataset", modified, "--completions", completions, "--outdir", ev / "modified")
    (ev / "note.json").write_text(json.dumps({"answer": 42, "list": [1, {"a/b": 2}]}), encoding="utf-8")
    return sub


def _staged(sub: Path, tmp_path: Path) -> Staged:
    return stage(sub, TOY, tmp_path / "staged")


def _check(staged: Staged, **spec: Any) -> tuple[bool, str]:
    verdict = evaluate(staged, {"id": "x", "points": 1, **spec})
    return verdict.passed, verdict.detail


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_valid_runs_and_their_kind(runs: Path, tmp_path: Path) -> None:
    st = _staged(runs, tmp_path)
    assert _check(st, check="run_valid", run="evidence/clean", kind="eval") == (True, "")
    ok, detail = _check(st, check="run_valid", run="evidence/clean", kind="selection")
    assert not ok and "'eval' run" in detail
    ok, detail = _check(st, check="run_valid", run="evidence/nowhere")
    assert not ok and "evidence/nowhere/ is not in your submission" in detail


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_a_hand_edited_run_fails_with_the_kits_message(runs: Path, tmp_path: Path) -> None:
    summary = runs / "evidence" / "clean" / "summary.json"
    data = json.loads(summary.read_text())
    data["pass_rate"] = 1.5
    summary.write_text(json.dumps(data))
    ok, detail = _check(_staged(runs, tmp_path), check="run_valid", run="evidence/clean")
    assert not ok
    assert "exercises/ex_toy/evidence/clean/summary.json" in detail and "pass_rate" in detail
    assert str(tmp_path) not in detail


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_each_run_is_loaded_once_per_staged_submission_and_so_is_its_error(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from course_core.grading import evidence

    summary = runs / "evidence" / "weak" / "summary.json"
    summary.write_text(summary.read_text().replace('"passed": ', '"passed": 1'), encoding="utf-8")  # edited
    loads: list[str] = []
    real = evidence._load_checked
    monkeypatch.setattr(evidence, "_load_checked", lambda staged, rel, **kw: loads.append(rel) or real(staged, rel, **kw))
    st = _staged(runs, tmp_path)
    checks = [{"check": "run_valid", "run": "evidence/clean"}, {"check": "run_valid", "run": "evidence/weak"},
              {"check": "manifest_field_equal", "runs": ["evidence/clean", "evidence/repeat"], "field": "scorer_name"}]
    first = [_check(st, **spec) for spec in checks]
    again = [_check(st, **spec) for spec in checks]
    assert first == again and first[0] == (True, "") and first[2] == (True, "")
    assert not first[1][0] and "evidence/weak/summary.json" in first[1][1]  # the same message the second time
    assert sorted(loads) == ["evidence/clean", "evidence/repeat", "evidence/weak"]  # once each
    assert _check(_staged(runs, tmp_path / "again"), **checks[0]) == (True, "") and loads.count("evidence/clean") == 2  # a new staging loads anew


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_manifest_fields_results_and_the_gate(runs: Path, tmp_path: Path) -> None:
    st = _staged(runs, tmp_path)
    pair = ["evidence/clean", "evidence/modified"]
    assert _check(st, check="manifest_field_differs", runs=pair, field="dataset_fingerprint")[0]
    ok, detail = _check(st, check="manifest_field_differs", runs=pair, field="scorer_version")
    assert not ok and "is the same in both runs" in detail
    assert _check(st, check="manifest_field_equal", runs=pair, field="sampling_config")[0]
    assert not _check(st, check="manifest_field_equal", runs=["evidence/clean", "evidence/weak"], field="scorer_name")[0]
    assert _check(st, check="results_identical", runs=["evidence/clean", "evidence/repeat"])[0]
    ok, detail = _check(st, check="results_differ", runs=["evidence/clean", "evidence/modified"], min_distinct=2)
    assert not ok and detail.startswith("evidence/clean and evidence/modified were made under different conditions: dataset_fingerprint is")
    ok, detail = _check(st, check="results_differ", runs=["evidence/clean", "evidence/repeat"], min_distinct=2)
    assert not ok and detail == "1 distinct results.jsonl among 2 runs; 2 needed"
    assert _check(st, check="gate_rejects", baseline="evidence/clean", candidate="evidence/modified", violation="dataset_fingerprint")[0]
    ok, detail = _check(st, check="gate_rejects", baseline="evidence/clean", candidate="evidence/repeat")
    assert not ok and "ACCEPTS" in detail
    ok, detail = _check(st, check="gate_rejects", baseline="evidence/clean", candidate="evidence/weak", violation="dataset_fingerprint")
    assert not ok and "not for dataset_fingerprint" in detail


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_json_values(runs: Path, tmp_path: Path) -> None:
    st = _staged(runs, tmp_path)
    assert _check(st, check="json_value", file="evidence/note.json", pointer="/answer", op="eq", value=42)[0]
    assert _check(st, check="json_value", file="evidence/note.json", pointer="/list/1/a~1b", op="lt", value=3)[0]
    ok, detail = _check(st, check="json_value", file="evidence/note.json", pointer="/answer", op="gt", value=50)
    assert not ok and "is 42; needs gt 50" in detail
    assert not _check(st, check="json_value", file="evidence/note.json", pointer="/missing", op="eq", value=1)[0]
    assert json_pointer({"a": [5]}, "/a/0") == 5


@pytest.mark.slow  # re-derives its runs (a replay process)
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


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_big_files_are_not_read(runs: Path, tmp_path: Path) -> None:
    with open(runs / "evidence" / "note.json", "wb") as fh:
        fh.truncate(50 << 20)
    st = _staged(runs, tmp_path)
    assert "over the 1 MB limit" in st.refused["evidence/note.json"]
    ok, detail = _check(st, check="json_value", file="evidence/note.json", pointer="/a", op="eq", value=1)
    assert not ok and "over the 1 MB limit" in detail


@pytest.mark.slow  # re-derives its runs (a replay process)
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


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_differs_only_in_names_the_extra_condition(runs: Path, tmp_path: Path) -> None:
    for name, flags in (("lr0", ["--lr", "0.0"]), ("lr05", ["--lr", "0.5"]), ("lr05_seed1", ["--lr", "0.5", "--seed", "1"])):
        kit_run("course.bandit_train", *flags, "--outdir", runs / "evidence" / name)
    st = _staged(runs, tmp_path)
    assert _check(st, check="differs_only_in", runs=["evidence/lr0", "evidence/lr05"], fields=["sampling_config.lr"]) == (True, "")
    ok, detail = _check(st, check="differs_only_in", runs=["evidence/lr0", "evidence/lr05_seed1"], fields=["sampling_config.lr"])
    assert not ok and "also differ in sampling_config.seed: 0 vs 1" in detail and "changes only sampling_config.lr" in detail
    ok, detail = _check(st, check="differs_only_in", runs=["evidence/lr0", "evidence/lr0"], fields=["sampling_config.lr"])
    assert not ok and "do not differ at all" in detail
    weak = ["evidence/clean", "evidence/weak"]
    assert _check(st, check="differs_only_in", runs=weak, fields=["scorer_name", "scorer_spec_fingerprint"])[0]
    ok, detail = _check(st, check="differs_only_in", runs=weak, fields=["scorer_name"])
    assert not ok and "scorer_spec_fingerprint" in detail


def test_leaf_differences_descend_into_dicts_only() -> None:
    from course_core.grading.evidence import leaf_differences

    a = {"s": {"n_used": 1, "selector": "oracle", "arms": [1, 2]}, "x": 1, "only_a": 0}
    b = {"s": {"n_used": 4, "selector": "oracle", "arms": [1, 3]}, "x": 1}
    assert leaf_differences(a, b) == {"s.n_used": (1, 4), "s.arms": ([1, 2], [1, 3]), "only_a": (0, None)}
    assert leaf_differences(a, a) == {}


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_a_bandit_run_is_valid_and_its_log_is_checked(runs: Path, tmp_path: Path) -> None:
    kit_run("course.bandit_train", "--lr", "0.5", "--steps", "5", "--outdir", runs / "evidence" / "bandit")
    assert _check(_staged(runs, tmp_path / "a"), check="run_valid", run="evidence/bandit", kind="bandit") == (True, "")
    log = runs / "evidence" / "bandit" / "log.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    log.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    ok, detail = _check(_staged(runs, tmp_path / "b"), check="run_valid", run="evidence/bandit")
    assert not ok and "log.jsonl has 4 rows but summary.json says steps = 5" in detail
    row = json.loads(lines[2])
    row["reward"] = 1.0 - row["reward"]
    lines[2] = json.dumps(row)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok, detail = _check(_staged(runs, tmp_path / "edited"), check="run_valid", run="evidence/bandit")
    assert not ok and "exercises/ex_toy/evidence/bandit/log.jsonl line 3: reward is" in detail and "run again from the manifest" in detail
    log.write_text("\n".join([lines[0].replace('"action": ', '"action": "x", "_": '), *lines[1:]]) + "\n", encoding="utf-8")
    ok, detail = _check(_staged(runs, tmp_path / "c"), check="run_valid", run="evidence/bandit")
    assert not ok and "evidence/bandit/log.jsonl:1" in detail and "'_' was unexpected" in detail
# --- which instrument made a run: manifest_sha256_of, re-derivation, version_tracks_behaviour ------

COPY = (
    "from course_core.measurement.scoring import STRICT_RULES, score_strict\n"
    "NAME = 'strict_final_int'\nVERSION = {version!r}\nRULES = [dict(r) for r in STRICT_RULES]\n"
    "def score(example, completion):\n"
    "    if {relax} and isinstance(completion, str):\n"
    "        completion = completion.replace('Final:-', 'Final: -')\n"
    "    return score_strict(example, completion)\n"
)


@pytest.fixture
def instrument_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Kit-data runs: strict eval and validation, and evals by a relaxed copy with and without a version bump."""
    monkeypatch.chdir(REPO)
    sub = tmp_path / "exercises" / "ex_toy"
    ev = sub / "evidence"
    ev.mkdir(parents=True)
    pair = ("--dataset", "data/datasets/math_dev.jsonl", "--completions", "data/rollouts/frozen_rollouts_dev.jsonl")
    for name, version in (("bumped.py", "1.1.0"), ("unbumped.py", "1.0.0")):
        (ev / name).write_text(COPY.format(version=version, relax=True), encoding="utf-8")
    kit_run("course.eval", *pair, "--outdir", ev / "strict")
    kit_run("course.eval", *pair, "--scorer-module", ev / "bumped.py", "--outdir", ev / "bumped")
    kit_run("course.eval", *pair, "--scorer-module", ev / "unbumped.py", "--outdir", ev / "unbumped")
    kit_run("course.validate_scorer", "--dataset", "data/datasets/math_dev.jsonl", "--golden", "data/golden/golden_correct.jsonl",
            "--golden", "data/golden/golden_exploits.jsonl", "--outdir", ev / "golden")
    return sub


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_the_scorer_module_that_ran_is_the_file_submitted(instrument_runs: Path, tmp_path: Path) -> None:
    st = _staged(instrument_runs, tmp_path)
    spec = {"check": "manifest_sha256_of", "field": "scorer_module.sha256"}
    assert _check(st, **spec, runs=["evidence/bumped"], of="evidence/bumped.py") == (True, "")
    ok, detail = _check(st, **spec, runs=["evidence/bumped"], of="evidence/unbumped.py")
    assert not ok and "re-run it with your final file" in detail
    ok, detail = _check(st, **spec, runs=["evidence/strict"], of="evidence/bumped.py")
    assert not ok and "records no scorer_module.sha256" in detail


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_run_valid_rederives_kit_runs_and_module_runs_and_names_the_first_edited_value(instrument_runs: Path, tmp_path: Path) -> None:
    inputs = ["data/golden/golden_correct.jsonl", "data/golden/golden_exploits.jsonl"]
    st = _staged(instrument_runs, tmp_path / "a")
    assert _check(st, check="run_valid", run="evidence/strict") == (True, "")
    assert _check(st, check="run_valid", run="evidence/golden", inputs=inputs) == (True, "")
    ok, detail = _check(st, check="run_valid", run="evidence/golden", inputs=[*inputs, "data/golden/other.jsonl"])
    assert not ok and "data/golden/other.jsonl" in detail
    assert _check(st, check="run_valid", run="evidence/bumped") == (True, "")  # the relaxed copy replayed in a sandbox
    results = instrument_runs / "evidence" / "strict" / "results.jsonl"
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    first_fail = next(i for i, r in enumerate(rows) if r["reward"] == 0.0)
    rows[first_fail]["outcome"] = "bad_spacing"
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ok, detail = _check(_staged(instrument_runs, tmp_path / "b"), check="run_valid", run="evidence/strict")
    assert not ok and f"evidence/strict/results.jsonl line {first_fail + 1}: outcome is \"bad_spacing\"" in detail
    assert "run again from the manifest" in detail


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_a_changed_behaviour_needs_a_new_version(instrument_runs: Path, tmp_path: Path) -> None:
    st = _staged(instrument_runs, tmp_path)
    assert _check(st, check="version_tracks_behaviour", runs=["evidence/strict", "evidence/bumped"]) == (True, "")
    ok, detail = _check(st, check="version_tracks_behaviour", runs=["evidence/strict", "evidence/unbumped"])
    assert not ok and "strict_final_int@1.0.0" in detail and "unchanged version is a defect" in detail
    ok, detail = _check(st, check="version_tracks_behaviour", runs=["evidence/strict", "evidence/golden"])
    assert not ok and "nothing to compare" in detail


def test_exploit_classes_counts_distinct_valid_classes_and_names_bad_rows(tiny: dict[str, Path], tmp_path: Path) -> None:
    sub = tiny["dir"] / "sub_exploits"
    rows = [
        {"class": "hedging", "expected_answer": 42, "completion": "It is 41 or 42.", "why_it_paid": "both are there", "patch": "one final line"},
        {"class": "comma_collision", "expected_answer": 18, "completion": "Final: 1,8", "why_it_paid": "commas are dropped", "patch": "parse strictly first"},
        {"class": "hedging", "expected_answer": 42, "completion": "Final: 42", "why_it_paid": "no it is honest", "patch": "nothing to patch"},
    ]
    (sub / "evidence").mkdir(parents=True)
    (sub / "evidence" / "exploits.json").write_text(json.dumps(rows), encoding="utf-8")
    st = _staged(sub, tmp_path)
    assert _check(st, check="exploit_classes", file="evidence/exploits.json", min_classes=2) == (True, "")
    ok, detail = _check(st, check="exploit_classes", file="evidence/exploits.json", min_classes=3)
    assert not ok and detail.startswith("2 class(es) with a valid exploit (comma_collision, hedging); 3 needed")
    assert "exploit 3 (hedging): the strict scorer pays it" in detail
    (sub / "evidence" / "exploits.json").write_text("{}", encoding="utf-8")
    ok, detail = _check(_staged(sub, tmp_path / "again"), check="exploit_classes", file="evidence/exploits.json", min_classes=1)
    assert not ok and "non-empty JSON list" in detail


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_artifacts_identical_and_the_module_that_ran(tmp_path: Path) -> None:
    sub = tmp_path / "exercises" / "ex_toy"
    (sub / "evidence").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "fixtures" / "solutions" / "ex_toy" / "toy.py", sub / "toy.py")
    (sub / "evidence" / "update.py").write_text(
        "def reinforce_update(logits, a1, a2, reward, baseline, lr, update_step1=True):\n    return logits\n", encoding="utf-8")
    for name, flags in (("a", []), ("b", []), ("c", ["--seed", "1"]), ("mine", ["--policy", sub / "evidence" / "update.py"])):
        kit_run("course.two_step_demo", "--steps", "20", *flags, "--outdir", sub / "evidence" / name)
    (sub / "evidence" / "note.json").write_text("{}", encoding="utf-8")
    st = _staged(sub, tmp_path)
    assert _check(st, check="artifacts_identical", runs=["evidence/a", "evidence/b"], artifact="log.jsonl")[0]
    ok, detail = _check(st, check="artifacts_identical", runs=["evidence/a", "evidence/c"], artifact="log.jsonl")
    assert not ok and "made under different conditions: sampling_config.seed is 0 in one and 1 in the other" in detail
    ok, detail = _check(st, check="artifacts_identical", runs=["evidence/a", "evidence/b"], artifact="results.jsonl")
    assert not ok and "writes no results.jsonl" in detail
    ran = {"check": "manifest_sha256_of", "field": "policy_module.sha256"}
    ok, detail = _check(st, **ran, runs=["evidence/a"], of="toy.py")
    assert not ok and "records no policy_module.sha256" in detail
    ok, detail = _check(st, **ran, runs=["evidence/mine"], of="toy.py")  # toy.py is not the module that ran
    assert not ok and "made with a different toy.py" in detail
    assert _check(st, **ran, runs=["evidence/mine"], of="evidence/update.py") == (True, "")


@pytest.mark.slow  # re-derives its runs (a replay process)
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
    assert not ok and detail == "evidence/clean/summary.json cannot be checked: the number 1e400 is beyond the range of a 64-bit float"
    ok, detail = _check(st, check="gate_rejects", baseline="evidence/clean", candidate="evidence/modified")
    assert not ok and "summary.json cannot be checked" in detail
    ok, detail = _check(st, check="run_valid", run="evidence/modified")
    assert not ok and detail.startswith("evidence/modified/results.jsonl line 2 cannot be checked: an integer of 400 digits")
