"""Evidence checks that state a run's conditions, tie it to the submitted code, and read its per-step log."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, kit_run
from course_core.errors import UserError
from course_core.grading.evidence import evaluate
from course_core.grading.exercise import load_exercise
from course_core.grading.reflect import check_field, parse, parse_signs
from course_core.grading.staging import stage

TOY = load_exercise(REPO / "tests" / "fixtures" / "ex_toy")
KIT_UPDATE = REPO / "tests" / "fixtures" / "policies" / "kit_update.py"


@pytest.fixture
def sub(tmp_path: Path) -> Path:
    """A submission whose toy.py is a --policy module, with evidence/run made by it (lr 0.5, baseline, seed 0)."""
    if not KIT_UPDATE.is_file():
        pytest.skip("tests/fixtures/policies/ is instructor-only (a whole c1_reinforce answer) and not in this copy")
    sub = tmp_path / "exercises" / "ex_toy"
    (sub / "evidence").mkdir(parents=True)
    shutil.copy(KIT_UPDATE, sub / "toy.py")
    kit_run("course.bandit_train", "--policy", sub / "toy.py", "--steps", "30", "--seed", "0", "--lr", "0.5", "--baseline", "--slow",
            "--outdir", sub / "evidence" / "run")
    return sub


def _check(sub: Path, tmp_path: Path, **spec) -> tuple[bool, str]:
    verdict = evaluate(stage(sub, TOY, tmp_path / "staged"), {"id": "x", "points": 1, **spec})
    return verdict.passed, verdict.detail


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_conditions_pass_and_the_first_that_differs_is_named(sub: Path, tmp_path: Path) -> None:
    good = {"sampling_config.lr": 0.5, "sampling_config.baseline": True, "sampling_config.steps": 30, "args.slow": True,
            "sampling_config.arms": [0.2, 0.5, 0.8]}
    assert _check(sub, tmp_path, check="manifest_conditions", run="evidence/run", conditions=good) == (True, "")
    ok, detail = _check(sub, tmp_path / "2", check="manifest_conditions", run="evidence/run", conditions=good | {"sampling_config.lr": 2.0})
    assert not ok and detail == "evidence/run was made with sampling_config.lr = 0.5; this step asks for 2.0"
    ok, detail = _check(sub, tmp_path / "3", check="manifest_conditions", run="evidence/run", conditions={"sampling_config.baseline": 1})
    assert not ok and "baseline = true" in detail  # a boolean is not the number 1
    ok, detail = _check(sub, tmp_path / "4", check="manifest_conditions", run="evidence/run", conditions={"sampling_config.nope": 1})
    assert not ok and detail == "evidence/run records no sampling_config.nope; this step asks for sampling_config.nope = 1"


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_the_run_was_made_by_the_submitted_module(sub: Path, tmp_path: Path) -> None:
    spec = {"check": "manifest_sha256_of", "runs": ["evidence/run"], "field": "policy_module.sha256", "of": "toy.py"}
    assert _check(sub, tmp_path, **spec) == (True, "")
    ok, detail = _check(sub, tmp_path / "3", **spec | {"field": "sampling_config.nope"})
    assert not ok and "was not made with your toy.py" in detail
    with (sub / "toy.py").open("a", encoding="utf-8") as fh:
        fh.write("# edited after the run\n")
    ok, detail = _check(sub, tmp_path / "2", **spec)  # the replay refuses first: it can only run the file submitted
    assert not ok and "made with a different exercises/ex_toy/toy.py than the one you submit" in detail and "re-run it" in detail


def _signs_from_log(sub: Path, of: str) -> list[str]:
    rows = [json.loads(line) for line in (sub / "evidence" / "run" / "log.jsonl").read_text().splitlines()][10:20]
    if of == "advantage":
        values = [r["advantage"] for r in rows]
    else:
        values = [r["probs_after"][r["action"]] - r["probs_before"][r["action"]] for r in rows]
    return ["+" if v > 0 else "-" if v < 0 else "0" for v in values]


@pytest.mark.slow  # re-derives its runs (a replay process)
@pytest.mark.parametrize("of", ["advantage", "sampled_probability"])
def test_log_signs_are_read_from_the_students_own_log(sub: Path, tmp_path: Path, of: str) -> None:
    truth = _signs_from_log(sub, of)
    spec = {"key": "k", "points": 1, "kind": "log_signs", "log_signs": {"file": "evidence/run/log.jsonl", "steps": [11, 20], "of": of}}
    staged = stage(sub, TOY, tmp_path / "staged")
    assert check_field(staged, parse(f"```answers\nk: {' '.join(truth)}\n```\n"), spec, None).status == "passed"
    flipped = truth[:]
    flipped[3] = "-" if truth[3] == "+" else "+"
    verdict = check_field(staged, parse(f"```answers\nk: {', '.join(flipped)}\n```\n"), spec, None)
    assert verdict.status == "failed" and "1 of 10 signs differ" in verdict.feedback and "(steps 14)" in verdict.feedback
    short = check_field(staged, parse("```answers\nk: + -\n```\n"), spec, None)
    assert short.status == "failed" and "needs 10 signs" in short.feedback


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_log_signs_refuse_a_hand_edited_log(sub: Path, tmp_path: Path) -> None:
    log = sub / "evidence" / "run" / "log.jsonl"
    log.write_text(log.read_text().replace('"advantage": ', '"advantage": "x', 1))
    spec = {"key": "k", "points": 1, "kind": "log_signs", "log_signs": {"file": "evidence/run/log.jsonl", "steps": [1, 2], "of": "advantage"}}
    verdict = check_field(stage(sub, TOY, tmp_path / "staged"), parse("```answers\nk: + 0\n```\n"), spec, None)
    assert verdict.status == "failed" and "cannot be checked" in verdict.feedback


def test_sign_tokens() -> None:
    assert parse_signs("+ - 0, up down same ↑ ↓ = −") == [1, -1, 0, 1, -1, 0, 1, -1, 0, -1]
    assert parse_signs("+ maybe") is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('log_signs = { file = "evidence/r/log.jsonl", steps = [5, 2], of = "advantage" }', "1 <= first <= last"),
        ('log_signs = { file = "evidence/r/log.jsonl", steps = [1, 2], of = "reward" }', "expected one of advantage, sampled_probability"),
    ],
)
def test_a_wrong_log_signs_table_is_refused_when_the_exercise_loads(tmp_path: Path, table: str, message: str) -> None:
    folder = tmp_path / "ex_toy"
    shutil.copytree(REPO / "tests" / "fixtures" / "ex_toy", folder)
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text() + f'\n[[stages.reflect.fields]]\nkey = "signs"\npoints = 0\n{table}\n', encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_exercise(folder)
    assert message in str(err.value)


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_a_bandit_run_is_valid_with_its_log_and_not_with_a_truncated_one(sub: Path, tmp_path: Path) -> None:
    assert _check(sub, tmp_path, check="run_valid", run="evidence/run", kind="bandit") == (True, "")
    log = sub / "evidence" / "run" / "log.jsonl"
    log.write_text("".join(log.read_text().splitlines(keepends=True)[:-1]))
    ok, detail = _check(sub, tmp_path / "2", check="run_valid", run="evidence/run", kind="bandit")
    assert not ok and detail == "evidence/run/log.jsonl has 29 rows but summary.json says steps = 30"


def test_an_unknown_condition_name_is_refused_when_the_exercise_loads(tmp_path: Path) -> None:
    folder = tmp_path / "ex_toy"
    shutil.copytree(REPO / "tests" / "fixtures" / "ex_toy", folder)
    toml = folder / "exercise.toml"
    check = '[[stages.sabotage.checks]]\nid = "c"\npoints = 0\ncheck = "manifest_conditions"\nrun = "evidence/r"\n'
    text = toml.read_text()
    at = text.index("[stages.reflect]")
    toml.write_text(text[:at] + check + 'conditions = { scorrer = "strict_final_int@1.0.0" }\n\n' + text[at:], encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_exercise(folder)
    assert "unknown condition 'scorrer'" in str(err.value) and "did you mean 'scorer'" in str(err.value)
    toml.write_text(text[:at] + check + 'conditions = { "sampling_config.anything" = 1 }\n\n' + text[at:], encoding="utf-8")
    assert load_exercise(folder).stages["sabotage"].checks[-1]["conditions"] == {"sampling_config.anything": 1}
