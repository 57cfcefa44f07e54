"""p1_promotion.build — hidden tests: the committee on real runs written by the kit's instruments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from course_core.learning.bandit import BanditConfig
from course_core.learning.bandit_run import run_bandit
from course_core.measurement.evaluate import run_eval
from course_core.paths import KIT_ROOT
from course_core.selection.best_of_n import run_selection

DATASET = KIT_ROOT / "data" / "datasets" / "math_dev.jsonl"
FROZEN = KIT_ROOT / "data" / "rollouts" / "frozen_rollouts_dev.jsonl"
PACK = KIT_ROOT / "data" / "rollouts" / "selection_pack_dev.jsonl"


def _policy_file(folder: Path, name: str, fix: int = 0, spoil: int = 0, sidecar: dict | None = None) -> Path:
    """The frozen rollouts of another "policy": ``fix`` wrong answers made right, ``spoil`` right ones made wrong."""
    answers = {json.loads(line)["id"]: json.loads(line)["expected_answer"] for line in DATASET.read_text(encoding="utf-8").splitlines()}
    rows = [json.loads(line) for line in FROZEN.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        right = row["completion"] == f"Final: {answers[row['id']]}"
        if not right and fix > 0:
            row["completion"], fix = f"Final: {answers[row['id']]}", fix - 1
        elif right and spoil > 0:
            row["completion"], spoil = f"Final: {answers[row['id']] + 1}", spoil - 1
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    if sidecar is not None:
        path.with_name(f"{name}.sampling.json").write_text(json.dumps(sidecar), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("p1_runs")
    v1 = json.loads((KIT_ROOT / "data" / "rollouts" / "frozen_rollouts_dev.sampling.json").read_text(encoding="utf-8"))
    v2 = {**v1, "policy": "sim-policy-v2"}
    files = {
        "v2_big": _policy_file(root, "v2_big", fix=30, sidecar=v2),
        "v2_small": _policy_file(root, "v2_small", fix=6, sidecar=v2),
        "v2_worse": _policy_file(root, "v2_worse", spoil=30, sidecar=v2),
        "v2_hot": _policy_file(root, "v2_hot", fix=30, sidecar={**v2, "temperature": 1.0}),
        "unknown_named": _policy_file(root, "unknown_named", fix=30, sidecar={**v1, "policy": "unknown"}),
        "unrecorded_v1": _policy_file(root, "unrecorded_v1"),
        "unrecorded": _policy_file(root, "unrecorded", fix=30),
    }
    out = {"v1": run_eval(DATASET, FROZEN, root / "v1", command=["test"]).outdir,
           "v1_weak": run_eval(DATASET, FROZEN, root / "v1_weak", scorer_name="weak_contains", command=["test"]).outdir,
           "v2_big_weak": run_eval(DATASET, files["v2_big"], root / "v2_big_weak", scorer_name="weak_contains", command=["test"]).outdir}
    for name, path in files.items():
        out[name] = run_eval(DATASET, path, root / name, command=["test"]).outdir
    for name, n, selector in (("n1", 1, "oracle"), ("n4", 4, "oracle"), ("n4_majority", 4, "majority")):
        out[name] = run_selection(DATASET, PACK, root / name, n, selector=selector, command=["test"]).outdir
    for name, config in {
        "lr0": BanditConfig(lr=0.0, baseline=True), "lr05": BanditConfig(lr=0.5, baseline=True),
        "lr05_seed1": BanditConfig(lr=0.5, baseline=True, seed=1), "lr05_steps60": BanditConfig(lr=0.5, baseline=True, steps=60),
        "lr_minus1": BanditConfig(lr=-1.0, baseline=True), "lr_minus05": BanditConfig(lr=-0.5, baseline=True),
        "lr2": BanditConfig(lr=2.0, baseline=True),
    }.items():
        out[name] = run_bandit(config, root / name, args={"lr": config.lr}, command=["test"], plot=False).outdir
    yield out
    shutil.rmtree(root, ignore_errors=True)


def read(runs: dict[str, Path], name: str, file: str) -> dict:
    return json.loads((runs[name] / file).read_text(encoding="utf-8"))


def decide(student, runs: dict[str, Path], baseline: str, candidate: str, **kwargs) -> dict:
    summaries = {"baseline": read(runs, baseline, "summary.json"), "candidate": read(runs, candidate, "summary.json")}
    return student.promotion_decision(read(runs, baseline, "manifest.json"), read(runs, candidate, "manifest.json"), summaries, **kwargs)


def core(out: dict) -> tuple:
    return out["decision"], out["loop"], out["variable"]


# --- Loop A: the instrument, the data, the conditions ----------------------------------------


@pytest.mark.points(3)
def test_trap1_a_lenient_scorer_is_refused(student, real_runs):
    out = decide(student, real_runs, "v1", "v1_weak")
    assert core(out) == ("REJECT", "A", "scorer_name"), "two scorers, both version 1.0.0: the name and spec differ"
    assert [out["baseline_value"], out["candidate_value"]] == ["strict_final_int", "weak_contains"] and out["comparable"] is False


@pytest.mark.points(3)
def test_a_better_policy_scored_leniently_is_still_refused(student, real_runs):
    assert core(decide(student, real_runs, "v1", "v2_big_weak")) == ("REJECT", "A", "scorer_name"), "a new policy and a new scorer at once: not comparable"


@pytest.mark.points(2)
def test_a_changed_temperature_is_a_changed_condition(student, real_runs):
    out = decide(student, real_runs, "v1", "v2_hot")
    assert core(out) == ("REJECT", "A", "sampling_config.temperature"), "the policy and the temperature changed together"
    assert (out["baseline_value"], out["candidate_value"]) == (0.8, 1.0)


@pytest.mark.points(2)
def test_an_eval_and_a_selection_run_are_different_instruments(student, real_runs):
    assert core(decide(student, real_runs, "v1", "n1")) == ("REJECT", "A", "kind")


# --- Loop B: selection ------------------------------------------------------------------------


@pytest.mark.points(3)
def test_trap2_best_of_4_is_selection_not_learning(student, real_runs):
    out = decide(student, real_runs, "n1", "n4")
    assert core(out) == ("REJECT", "B", "sampling_config.n_used"), "the pass rate rose 0.475 -> 0.800 by choosing among more samples"
    assert (out["baseline_value"], out["candidate_value"], out["comparable"]) == (1, 4, False)


@pytest.mark.points(2)
def test_another_selector_is_selection_too(student, real_runs):
    assert core(decide(student, real_runs, "n4", "n4_majority")) == ("REJECT", "B", "sampling_config.selector")


# --- Loop C: a policy under test, and the delta rule -----------------------------------------


@pytest.mark.points(3)
def test_a_real_policy_gain_is_promoted(student, real_runs):
    out = decide(student, real_runs, "v1", "v2_big")
    assert core(out) == ("PROMOTE", "C", "policy"), "sim-policy-v2 solves 30 more items, under the same conditions"
    policies = [read(real_runs, name, "manifest.json")["policy"] for name in ("v1", "v2_big")]
    assert [policies[0]["id"], policies[1]["id"]] == ["sim-policy-v1", "sim-policy-v2"], "the kit records the policy apart from sampling_config"
    assert [out["baseline_value"], out["candidate_value"], out["comparable"]] == [*policies, True], "the whole policy record, each side"


@pytest.mark.points(3)
def test_a_gain_inside_the_intervals_is_not_promoted(student, real_runs):
    out = decide(student, real_runs, "v1", "v2_small")
    assert (out["decision"], out["loop"], out["comparable"]) == ("REJECT", "C", True), "+0.05 on 120 items: the 95% intervals overlap"


@pytest.mark.points(2)
def test_min_delta_is_the_bar(student, real_runs):
    out = decide(student, real_runs, "v1", "v2_big", min_delta=0.3)
    assert (out["decision"], out["loop"], out["comparable"]) == ("REJECT", "C", True), "a +0.25 gain does not reach min_delta 0.3"


@pytest.mark.points(3)
def test_a_worse_policy_is_not_promoted(student, real_runs):
    out = decide(student, real_runs, "v1", "v2_worse")
    assert (out["decision"], out["loop"]) == ("REJECT", "C"), "30 fewer items solved is a regression, however clear"


@pytest.mark.points(2)
def test_an_unrecorded_policy_cannot_be_credited(student, real_runs):
    out = decide(student, real_runs, "unrecorded_v1", "unrecorded")
    assert (out["decision"], out["loop"], out["comparable"]) == ("REJECT", None, False), "no sidecars: both manifests say policy {'id': 'unknown'}"
    out = decide(student, real_runs, "v1", "unknown_named")
    assert (out["decision"], out["loop"], out["comparable"]) == ("REJECT", None, False), "the candidate's sidecar names its policy 'unknown'"


# --- Loop C on the bandit --------------------------------------------------------------------


@pytest.mark.points(3)
def test_trap3_a_bandit_that_learned_is_promoted(student, real_runs):
    out = decide(student, real_runs, "lr0", "lr05")
    assert core(out) == ("PROMOTE", "C", "sampling_config.lr"), "P(best arm) 0.333 -> 0.834 with lr 0.5; the control stays at 0.333"
    assert (out["baseline_value"], out["candidate_value"], out["comparable"]) == (0.0, 0.5, True)


@pytest.mark.points(2)
def test_a_bandit_with_another_seed_changed_a_condition(student, real_runs):
    assert core(decide(student, real_runs, "lr0", "lr05_seed1")) == ("REJECT", "A", "sampling_config.seed"), "lr and the seed changed: the seed is luck, not a training variable"


@pytest.mark.points(2)
def test_two_training_changes_at_once_are_not_attributable(student, real_runs):
    out = decide(student, real_runs, "lr0", "lr05_steps60")
    assert (out["decision"], out["loop"], out["variable"], out["comparable"]) == ("REJECT", "C", None, False), "lr and steps changed together"


@pytest.mark.points(2)
def test_unlearning_less_than_the_baseline_is_not_learning(student, real_runs):
    out = decide(student, real_runs, "lr_minus1", "lr_minus05", min_delta=0.02)
    assert (out["decision"], out["loop"]) == ("REJECT", "C"), "P(best arm) fell in the candidate's own training (0.333 -> 0.112)"


@pytest.mark.points(2)
def test_a_bandit_that_learned_less_than_the_baseline_is_not_promoted(student, real_runs):
    out = decide(student, real_runs, "lr2", "lr05")
    assert (out["decision"], out["loop"]) == ("REJECT", "C"), "the candidate ends at 0.834, the baseline at 0.949"
