"""The grader judges evidence like a good TA (issue 9): runs re-derived, conditions named, Reflect
read only from validated runs. Every case is a real submission built in a temporary folder and
graded by the real grader (``python -m course.grade``); honest work is built the way
benchmarks/grade_timing.py builds it (the README's commands run, REFLECT answered from the evidence)."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from course_core.grading.exercise import discover

sys.path.insert(0, str(REPO / "benchmarks"))
from grade_timing import answer_reflect, build_full, grade, run_kit  # noqa: E402

pytestmark = pytest.mark.slow
EXERCISES = {ex.id: ex for ex in discover(REPO / "exercises")}


def _checks(exercise: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for s in exercise["stages"] for c in s["checks"]}


def _lost(exercise: dict[str, Any]) -> set[str]:
    return {cid.split(".", 1)[1] for cid, c in _checks(exercise).items() if c["status"] not in ("passed", "pending_key")}


def _points(ex_id: str) -> dict[str, int]:
    """exercise.toml's points for each sabotage check and reflect field (``stage.id``)."""
    ex = EXERCISES[ex_id]
    out = {f"sabotage.{c['id']}": c["points"] for c in ex.stages["sabotage"].checks}
    out |= {f"reflect.{f['key']}": f["points"] for f in ex.stages["reflect"].fields}
    return out


def _stage_loss(exercise: dict[str, Any], stage: str) -> float:
    found = next(s for s in exercise["stages"] if s["stage"] == stage)
    return found["max_score"] - found["score"]


# --- the submissions -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every exercise done honestly: the reference module, the README's commands, REFLECT from the evidence."""
    return build_full(tmp_path_factory.mktemp("full"))


def _variant(full: Path, root: Path, ex_id: str, name: str, change: Callable[[Path, Path], None], reanswer: bool = True) -> Path:
    sub = root / name
    honest = full / "exercises" / ex_id
    shutil.copytree(honest, sub / "exercises" / ex_id)
    folder = sub / "exercises" / ex_id
    change(folder, honest)
    if reanswer:  # the student answers from their evidence as it now is: only the evidence checks can lose
        answer_reflect(EXERCISES[ex_id], folder)
    return sub


def _edit_summary(folder: Path, honest: Path) -> None:
    path = folder / "evidence" / "clean" / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    assert summary["passed"] == 65 and summary["n"] == 120
    summary["pass_rate"] = 0.6  # passed stays 65/120
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def _weak_modified(folder: Path, honest: Path) -> None:
    run_kit("-m", "course.eval", "--dataset", str(folder / "evidence" / "math_dev_modified.jsonl"), "--completions",
            "data/rollouts/frozen_rollouts_dev.jsonl", "--scorer", "weak_contains", "--outdir", str(folder / "evidence" / "modified"))


def _hand_written(folder: Path, honest: Path) -> None:
    """The untouched kit's a1, with runs written by hand: one result row, invented fingerprints, a summary that contradicts it."""
    shutil.rmtree(folder)
    shutil.copytree(REPO / "exercises" / "a1_locked_room", folder)
    full_ev = honest / "evidence"
    for run in ("clean", "modified"):
        manifest = json.loads((full_ev / run / "manifest.json").read_text(encoding="utf-8"))
        manifest["dataset_fingerprint"] = "sha256:" + ("1" if run == "clean" else "2") * 64
        manifest["inputs"][0]["sha256"] = manifest["dataset_fingerprint"]
        row = json.loads((full_ev / run / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
        summary = json.loads((full_ev / run / "summary.json").read_text(encoding="utf-8"))
        summary.update(n=1, passed=1, pass_rate=0.9)
        out = folder / "evidence" / run
        out.mkdir(parents=True)
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        (out / "results.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        shutil.copyfile(full_ev / run / "summary.md", out / "summary.md")
    shutil.copyfile(honest / "REFLECT.md", folder / "REFLECT.md")


def _loose_files(folder: Path, honest: Path) -> None:
    """Answers read from loose copies: the runs' summaries and manifests kept, the runs themselves gone."""
    ev = folder / "evidence"
    for run in ("clean", "modified"):
        for name in ("results.jsonl", "summary.md"):
            (ev / run / name).unlink()
        (ev / run / "manifest.json").rename(ev / run / "conditions.json")


def _wrong_n(folder: Path, honest: Path) -> None:
    run_kit(str(folder / "run_selection.py"), "--n", "8", "--outdir", str(folder / "evidence" / "deterministic_2"))


def _random_without_sabotage(folder: Path, honest: Path) -> None:
    run_kit(str(folder / "run_selection.py"), "--n", "4", "--outdir", str(folder / "evidence" / "random_3"))


def _edited_random_row(folder: Path, honest: Path) -> None:
    path = folder / "evidence" / "random_1" / "results.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    row = next(r for r in rows if r["reward"] == 0.0)
    row["reward"], row["outcome"] = 1.0, "correct"
    path.write_text("\n".join(map(json.dumps, rows)) + "\n", encoding="utf-8")


def _malformed_other_run(folder: Path, honest: Path) -> None:
    """A row of random_2 that is no row at all: random_2 is read only to replay random_1's siblings (was exit 3)."""
    path = folder / "evidence" / "random_2" / "results.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(["[1]", *lines[1:]]) + "\n", encoding="utf-8")


def _hand_typed_summaries(folder: Path, honest: Path) -> None:
    """c2's build and frozen runs replaced by one-line summary.json files typed to pass: no manifest, nothing re-derived."""
    typed = {"build": {"end": {"expected_reward": 0.95}},
             "frozen": {"end": {"expected_reward": 0.5, "policy": {"step1": {"right": 0.5}, "step2": {"right": {"up": 0.123}}}}}}
    for run, summary in typed.items():
        shutil.rmtree(folder / "evidence" / run)
        (folder / "evidence" / run).mkdir()
        (folder / "evidence" / run / "summary.json").write_text(json.dumps(summary), encoding="utf-8")


def _rejected_exploits(folder: Path, honest: Path) -> None:
    """a3's exploits 2 to 5 kept by class only, each one the kit's judge rejects; REFLECT names their classes."""
    path = folder / "evidence" / "exploits.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    for i in range(1, 5):
        rows[i] = {"class": rows[i]["class"], "expected_answer": 1, "completion": "x", "why_it_paid": "a", "patch": "b"}
    path.write_text(json.dumps(rows, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def full_and_untouched(full: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The honest submission and an untouched copy of the kit's exercises, graded on every exercise in one run.

    The untouched copy is what a student's fresh working copy holds: every exercise's stubs, the
    real kit's (the toy's working copy itself is graded in test_grading_cli.py)."""
    root = tmp_path_factory.mktemp("full_and_untouched")
    untouched = root / "untouched"
    shutil.copytree(REPO / "exercises", untouched / "exercises")
    _, report = grade([full, untouched], 2, root / "report", None)
    by_path = {Path(s["path"]).resolve(): s for s in report["submissions"]}
    return {"full": by_path[full.resolve()], "untouched": by_path[untouched.resolve()]}


@pytest.fixture(scope="module")
def graded(full: Path, full_and_untouched: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every variant graded in one run of the real grader per exercise (the honest work once, for
    every exercise, by :func:`full_and_untouched`): name → its exercise report.

    A variant changes evidence and REFLECT.md only, so only Sabotage and Reflect are graded
    (``--stage``): Build and Repair read none of what it changed, and their verdict on the same
    files is the honest work's (asserted here: every other student file is the honest one, byte
    for byte). Grading them again cost 10 s of the suite's CPU.
    """
    root = tmp_path_factory.mktemp("variants")
    plans = {
        "a1_locked_room": {"edited_summary": (_edit_summary, True), "weak_scorer": (_weak_modified, True),
                           "hand_written": (_hand_written, False), "loose_files": (_loose_files, False)},
        "b1_selection": {"wrong_n": (_wrong_n, True), "random_without_sabotage": (_random_without_sabotage, True),
                         "edited_random_row": (_edited_random_row, True), "malformed_other_run": (_malformed_other_run, True)},
        "c2_credit_tokens": {"hand_typed_summaries": (_hand_typed_summaries, True)},
        "a3_reward_hacking": {"rejected_exploits": (_rejected_exploits, True)},
    }
    out: dict[str, dict[str, Any]] = {}
    for ex_id, variants in plans.items():
        subs = [_variant(full, root, ex_id, name, change, reanswer) for name, (change, reanswer) in variants.items()]
        for name in set(variants) - {"hand_written"}:  # that one is the untouched kit's a1: no Build to keep
            assert _tested_files(root / name / "exercises" / ex_id, ex_id) == _tested_files(full / "exercises" / ex_id, ex_id), name
        _, report = grade(subs, 2, root / f"report_{ex_id}", [ex_id], stages=["sabotage", "reflect"])
        by_path = {Path(s["path"]).resolve(): s for s in report["submissions"]}
        out[f"{ex_id}:honest"] = next(e for e in full_and_untouched["full"]["exercises"] if e["id"] == ex_id)
        for name in variants:
            out[f"{ex_id}:{name}"] = variant = by_path[(root / name).resolve()]["exercises"][0]
            assert [s["stage"] for s in variant["stages"]] == ["sabotage", "reflect"]
    return out


def _tested_files(folder: Path, ex_id: str) -> dict[str, bytes]:
    """The student files Build and Repair read (all but evidence/ and REFLECT.md), by path."""
    listed = [f for f in EXERCISES[ex_id].student_files if not f.startswith("evidence") and f != "REFLECT.md"]
    assert EXERCISES[ex_id].module_file in listed
    return {f: (folder / f).read_bytes() for f in listed if (folder / f).is_file()}


# --- the cases -------------------------------------------------------------------------------------


@pytest.mark.parametrize("ex_id", ["a1_locked_room", "b1_selection"])
def test_honest_work_scores_full_marks(graded: dict[str, dict[str, Any]], ex_id: str) -> None:
    exercise = graded[f"{ex_id}:honest"]
    assert _lost(exercise) == set()
    assert exercise["score"] == exercise["max_score"]


CASES = {
    "a1_locked_room:edited_summary": (
        {"sabotage.clean_run", "sabotage.clean_conditions", "sabotage.only_the_dataset_changed", "sabotage.gate_rejects",
         "reflect.differing_field", "reflect.baseline_pass_rate", "reflect.clean_dataset_fingerprint"},
        {"sabotage.clean_run": "evidence/clean/summary.json: pass_rate is 0.6, but the kit's instrument, run again from the manifest, gives 0.54"},
    ),
    "a1_locked_room:weak_scorer": (
        {"sabotage.only_the_dataset_changed", "sabotage.same_instrument"},
        {"sabotage.same_instrument": "evidence/modified was scored with weak_contains@1.0.0; this step asks for strict_final_int@1.0.0",
         "sabotage.only_the_dataset_changed": "also differ in scorer_name: \"strict_final_int\" vs \"weak_contains\""},
    ),
    "b1_selection:wrong_n": (
        {"sabotage.deterministic_2_conditions", "sabotage.deterministic_runs_identical"},
        {"sabotage.deterministic_2_conditions": "evidence/deterministic_2 was made with --n 8; this step asks for 4",
         "sabotage.deterministic_runs_identical": "were made under different conditions: sampling_config.n_used is 4 in one and 8 in the other"},
    ),
    "b1_selection:random_without_sabotage": (
        {"sabotage.random_3_conditions", "sabotage.random_runs_differ"},
        {"sabotage.random_3_conditions": "evidence/random_3 was made with the selector custom:selection.pick_best; this step asks for "
                                         "custom:selection.pick_best_random_tiebreak"},
    ),
    "b1_selection:malformed_other_run": (
        {"sabotage.random_2_run", "sabotage.random_2_conditions", "sabotage.random_runs_differ", "reflect.random_2_results_sha256"},
        {"sabotage.random_runs_differ": "evidence/random_2/results.jsonl line 1 is not a row the instrument writes"},
    ),
    "c2_credit_tokens:hand_typed_summaries": (
        {"sabotage.build_run", "sabotage.build_used_your_update", "sabotage.build_credits_step1", "sabotage.build_learns",
         "sabotage.frozen_run", "sabotage.frozen_switch", "sabotage.frozen_step1_never_moved", "sabotage.frozen_stalls",
         "sabotage.same_update", "sabotage.same_seed", "sabotage.same_lr", "sabotage.same_steps", "sabotage.fixed_reproduces_build",
         "reflect.expected_reward_build", "reflect.expected_reward_frozen", "reflect.p_right_frozen", "reflect.p_up_after_right_frozen"},
        {"sabotage.build_learns": "evidence/build/ has no manifest.json: summary.json counts only inside a run directory",
         "reflect.p_right_frozen": "evidence/frozen/ has no manifest.json"},
    ),
    "a3_reward_hacking:rejected_exploits": (
        {"sabotage.three_classes", "sabotage.four_classes", "sabotage.five_classes",
         "reflect.exploit_2_class", "reflect.exploit_3_class", "reflect.exploit_4_class", "reflect.exploit_5_class"},
        {"reflect.exploit_2_class": "exploit 2 of evidence/exploits.json (later_check_number) is not one the kit's judge accepts"},
    ),
    "b1_selection:edited_random_row": (
        {"sabotage.random_1_run", "sabotage.random_1_conditions", "sabotage.random_runs_differ", "reflect.random_1_results_sha256"},
        {"sabotage.random_1_run": "evidence/random_1/results.jsonl line "},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mistake_loses_exactly_the_points_of_its_checks_and_says_why(graded: dict[str, dict[str, Any]], case: str) -> None:
    expected, said = CASES[case]
    ex_id = case.split(":")[0]
    exercise = graded[case]
    assert _lost(exercise) == expected
    points = _points(ex_id)
    for stage in ("sabotage", "reflect"):
        assert _stage_loss(exercise, stage) == pytest.approx(sum(points[c] for c in expected if c.startswith(stage + ".")))
    checks = _checks(exercise)
    for check, words in said.items():
        assert words in checks[f"{ex_id}.{check}"]["feedback"], checks[f"{ex_id}.{check}"]["feedback"]


def test_hand_written_runs_on_an_untouched_kit_earn_no_evidence_points(graded: dict[str, dict[str, Any]]) -> None:
    exercise = graded["a1_locked_room:hand_written"]
    sabotage = next(s for s in exercise["stages"] if s["stage"] == "sabotage")
    assert sabotage["score"] == 0
    checks = _checks(exercise)
    assert "manifest.json records input" in checks["a1_locked_room.sabotage.clean_run"]["feedback"]
    assert "hash to" in checks["a1_locked_room.sabotage.clean_run"]["feedback"]
    evidence_fields = {f"reflect.{f['key']}" for f in EXERCISES["a1_locked_room"].stages["reflect"].fields if f["kind"] != "answer_key"}
    assert evidence_fields <= _lost(exercise)


def test_answers_read_from_loose_files_count_for_nothing(graded: dict[str, dict[str, Any]]) -> None:
    exercise = graded["a1_locked_room:loose_files"]
    checks = _checks(exercise)
    baseline = checks["a1_locked_room.reflect.baseline_pass_rate"]
    assert baseline["status"] == "failed"
    assert "evidence/clean/ has no manifest.json: summary.json counts only inside a run directory" in baseline["feedback"]
    fields = EXERCISES["a1_locked_room"].stages["reflect"].fields
    assert {f"reflect.{f['key']}" for f in fields if f["kind"] != "answer_key"} <= _lost(exercise)


def test_full_marks_score_100_and_the_untouched_kit_0_on_every_exercise(full_and_untouched: dict[str, dict[str, Any]]) -> None:
    done, kit = full_and_untouched["full"], full_and_untouched["untouched"]
    assert {e["id"] for e in done["exercises"]} == {e["id"] for e in kit["exercises"]} == set(EXERCISES)
    for exercise in done["exercises"]:
        assert (exercise["id"], _lost(exercise)) == (exercise["id"], set())
        assert exercise["score"] == exercise["max_score"] > 0
    for exercise in kit["exercises"]:
        assert (exercise["id"], exercise["score"]) == (exercise["id"], 0)
    assert done["percent"] == 100 and kit["percent"] == 0
