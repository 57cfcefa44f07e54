"""The best-of-N run: on a small hand-made pack, and as the instructor guide (Segment 2) types it, errors included."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from course_core.artifacts.rundir import load_run
from course_core.errors import UserError
from course_core.measurement.scoring import STRICT
from course_core.measurement.stats import pass_at_k
from course_core.selection.best_of_n import _CHUNK, Tally, run_selection
from course_core.selection.selectors import SELECTORS
from tests.conftest import REPO, run_cli, write_jsonl

DATASET = "data/datasets/math_dev.jsonl"
SAMPLES = "data/rollouts/selection_pack_dev.jsonl"


def select(outdir: Path, *extra: str, env: dict[str, str] | None = None):
    return run_cli("course.selection_demo", "--dataset", DATASET, "--samples", SAMPLES, *extra, "--outdir", str(outdir), env=env)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The guide's three runs (N=1, N=4, N=4 again under another hash seed), plus N=8."""
    root = tmp_path_factory.mktemp("sel")
    made = {}
    for name, n, seed in [("n1", "1", "0"), ("n4", "4", "0"), ("n4_repeat", "4", "1"), ("n8", "8", "0")]:
        proc = select(root / name, "--n", n, env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        made[name] = root / name
    return made


def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())


def test_pass_rate_rises_from_n1_to_n4_while_the_distribution_stays(runs: dict[str, Path]) -> None:
    one, four = summary(runs["n1"]), summary(runs["n4"])
    assert four["pass_rate"] > one["pass_rate"]
    assert one["pass_rate"] == one["pass_at_1"] == four["pass_at_1"]
    assert four["pass_at_1"] < four["pass_rate"]
    low, high = four["mean_sample_pass_rate_ci95"]["low"], four["mean_sample_pass_rate_ci95"]["high"]
    assert low <= one["mean_sample_pass_rate"] <= high  # more compute, same distribution
    assert four["samples_scored"] == 4 * four["n"] == 4 * one["samples_scored"]
    md = (runs["n4"] / "summary.md").read_text()
    assert f"rose from N=1 ({one['pass_rate']:.2f}) to N=4 ({four['pass_rate']:.2f})" in md


def test_pass_at_1_le_pass_at_4_le_pass_at_8_on_the_real_data(runs: dict[str, Path]) -> None:
    rates = [summary(runs[name])["pass_rate"] for name in ("n1", "n4", "n8")]
    assert rates == sorted(rates)
    unbiased = summary(runs["n8"])["pass_at_k_unbiased"]
    assert [unbiased[str(k)] for k in range(1, 9)] == sorted(unbiased[str(k)] for k in range(1, 9))


def test_repeat_is_byte_identical_whatever_the_hash_seed(runs: dict[str, Path]) -> None:
    assert (runs["n4"] / "results.jsonl").read_bytes() == (runs["n4_repeat"] / "results.jsonl").read_bytes()


def test_cli_prints_the_story_and_the_paths(tmp_path: Path) -> None:
    proc = select(tmp_path / "maj", "--n", "4", "--selector", "majority")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "pass@1 " in out and "→ pass@4 " in out and "distribution unchanged" in out
    assert "samples scored: 480" in out and "deployable" in out
    assert str(tmp_path / "maj" / "results.jsonl") in out


def test_gate_rejects_runs_with_different_n(runs: dict[str, Path]) -> None:
    proc = run_cli("course.gate", "--baseline", str(runs["n1"]), "--candidate", str(runs["n4"]), "--min-delta", "0.00", "--json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["decision"] == "REJECT"
    assert [v["field"] for v in report["locked_room"]["violations"]] == ["sampling_config"]


def test_gate_accepts_a_repeated_run_at_zero_delta(runs: dict[str, Path]) -> None:
    proc = run_cli("course.gate", "--baseline", str(runs["n4"]), "--candidate", str(runs["n4_repeat"]), "--min-delta", "0.00", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["decision"] == "ACCEPT"


def test_n_beyond_the_pack_is_exit_2_naming_the_item_and_leaves_nothing(tmp_path: Path) -> None:
    proc = select(tmp_path / "too_many", "--n", "9")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{SAMPLES}:1" in proc.stderr and "'dev-0001'" in proc.stderr and "--allow-short" in proc.stderr
    assert not (tmp_path / "too_many").exists()
    assert list(tmp_path.iterdir()) == []


def test_allow_short_uses_what_is_there(tmp_path: Path) -> None:
    proc = select(tmp_path / "short", "--n", "9", "--allow-short")
    assert proc.returncode == 0, proc.stderr
    s = summary(tmp_path / "short")
    assert s["short_items"] == s["n"] and s["samples_scored"] == 8 * s["n"]
    first = json.loads((tmp_path / "short" / "results.jsonl").read_text().splitlines()[0])
    assert first["n_samples_used"] == 8


def test_unknown_selector_is_exit_2_with_a_suggestion(tmp_path: Path) -> None:
    proc = select(tmp_path / "bad", "--n", "4", "--selector", "orcale")
    assert proc.returncode == 2
    assert "unknown selector 'orcale'" in proc.stderr and "did you mean 'oracle'" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "bad").exists()


def test_n_zero_is_exit_2(tmp_path: Path) -> None:
    proc = select(tmp_path / "zero", "--n", "0")
    assert proc.returncode == 2 and "--n must be" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("n", ["100000000000000000000000000000", "10001"])
def test_n_beyond_any_pack_is_exit_2_before_anything_is_allocated(tmp_path: Path, n: str, capsys) -> None:
    from course.selection_demo import main
    from course_core.present.cli import run

    code = run(main, "course.selection_demo", ["--dataset", DATASET, "--samples", SAMPLES, "--n", n, "--allow-short",
                                                 "--outdir", str(tmp_path / "huge")])
    err = capsys.readouterr().err
    assert code == 2 and "--n must be a whole number between 1 and 10000" in err and n in err
    assert list(tmp_path.iterdir()) == []


# -- a whole run on a small pack -----------------------------------------------------------------

PACK = {
    # first sample wrong, a later one right: selection helps here
    "a": [("Final: 1", -1.0), ("Final: 2", -2.0), ("Final: 2", -2.5), ("Final: 2", -3.0)],
    # all right
    "b": [("Final: 4", -0.5), ("Final: 4", -0.5), ("Final: 4", -0.6), ("Final: 4", -0.7)],
    # never right
    "c": [("Final: 0", -1.0), ("Final: 0", -1.1), ("nope", -0.1), ("Final: 9", -2.0)],
}
EXPECTED = {"a": 2, "b": 4, "c": 6}


@pytest.fixture
def pack(tmp_path: Path) -> dict[str, Path]:
    dataset = write_jsonl(tmp_path / "ds.jsonl", [
        {"id": i, "prompt": "Output exactly one line: Final: <int>", "expected_answer": EXPECTED[i]} for i in PACK
    ])
    samples = write_jsonl(tmp_path / "pack.jsonl", [
        {"id": i, "samples": [{"completion": c, "sum_logprob": lp} for c, lp in rows]} for i, rows in PACK.items()
    ])
    return {"dataset": dataset, "samples": samples, "dir": tmp_path}


def test_run_selection_summary_figures(pack: dict[str, Path]) -> None:
    out = run_selection(pack["dataset"], pack["samples"], pack["dir"] / "run", 4, command=["test"])
    summary = out.summary
    assert summary["n"] == 3 and summary["samples_per_item"] == 4 and summary["samples_scored"] == 12
    assert summary["pass_at_1"] == pytest.approx(1 / 3)  # only b's first sample is right
    assert summary["pass_rate"] == summary["pass_at_n"] == pytest.approx(2 / 3)
    assert summary["oracle_pass_at_n"] == pytest.approx(2 / 3)
    assert summary["mean_sample_pass_rate"] == pytest.approx((3 / 4 + 1 + 0) / 3)
    assert summary["pass_at_k_unbiased"]["1"] == pytest.approx(summary["mean_sample_pass_rate"])
    assert summary["pass_at_k_unbiased"]["4"] == pytest.approx(2 / 3)
    assert summary["selector"] == "oracle" and summary["deployable"] is False
    rows = [json.loads(line) for line in (out.outdir / "results.jsonl").read_text().splitlines()]
    assert [r["selected_index"] for r in rows] == [1, 0, 2]  # c: all rewards 0, so the highest logprob
    assert rows[0]["completion"] == "Final: 2" and rows[0]["outcome"] == "correct"
    assert rows[0]["sample_rewards"] == [0.0, 1.0, 1.0, 1.0]
    assert list(rows[0])[:8] == ["id", "expected_answer", "parsed_answer", "outcome", "rule", "reason", "reward", "completion"]
    md = (out.outdir / "summary.md").read_text()
    assert "rose from N=1 (0.33) to N=4 (0.67)" in md and "mean per-sample pass rate 0.58" in md


def test_run_is_readable_by_load_run_and_records_the_locked_room(pack: dict[str, Path]) -> None:
    run_selection(pack["dataset"], pack["samples"], pack["dir"] / "run", 2, selector="logprob")
    run = load_run(pack["dir"] / "run")
    assert run.kind == "selection" and run.summary["deployable"] is True
    assert run.manifest["sampling_config"]["n_used"] == 2
    assert run.manifest["sampling_config"]["selector"] == "logprob"
    assert [i["role"] for i in run.manifest["inputs"]] == ["dataset", "samples"]
    assert len(list(run.results())) == 3


def test_same_inputs_give_identical_results_bytes(pack: dict[str, Path]) -> None:
    for name in ("one", "two"):
        run_selection(pack["dataset"], pack["samples"], pack["dir"] / name, 4, selector="majority")
    one = (pack["dir"] / "one" / "results.jsonl").read_bytes()
    assert one == (pack["dir"] / "two" / "results.jsonl").read_bytes()


def test_custom_pick_overrides_the_selector_and_is_recorded(pack: dict[str, Path]) -> None:
    def last(samples: list[dict]) -> int:
        return len(samples) - 1

    out = run_selection(pack["dataset"], pack["samples"], pack["dir"] / "run", 3, pick=last)
    assert out.summary["selector"] == f"custom:{__name__}.test_custom_pick_overrides_the_selector_and_is_recorded.<locals>.last"
    assert out.summary["deployable"] is False
    rows = [json.loads(line) for line in (out.outdir / "results.jsonl").read_text().splitlines()]
    assert {r["selected_index"] for r in rows} == {2}


def test_custom_pick_returning_nonsense_is_a_user_error_and_writes_nothing(pack: dict[str, Path]) -> None:
    with pytest.raises(UserError, match="expected an int in 0..3"):
        run_selection(pack["dataset"], pack["samples"], pack["dir"] / "run", 4, pick=lambda samples: 4)
    assert not (pack["dir"] / "run").exists()


def test_n_below_one_is_a_user_error(pack: dict[str, Path]) -> None:
    with pytest.raises(UserError, match="--n must be"):
        run_selection(pack["dataset"], pack["samples"], pack["dir"] / "run", 0)


def test_short_items_need_allow_short(pack: dict[str, Path]) -> None:
    with pytest.raises(UserError) as exc:
        run_selection(pack["dataset"], pack["samples"], pack["dir"] / "run", 5)
    err = exc.value
    assert "'a'" in err.message and "(2 other item(s) are short too)" in err.message
    assert err.line == 1 and err.path == str(pack["samples"]) and "--allow-short" in err.hint
    out = run_selection(pack["dataset"], pack["samples"], pack["dir"] / "run", 5, allow_short=True)
    assert out.summary["short_items"] == 3 and out.summary["samples_scored"] == 12
    assert set(out.summary["pass_at_k_unbiased"]) == {"1", "2", "3", "4"}
    assert out.summary["pass_at_k_items"]["5"] == 0


def test_item_without_samples_row(pack: dict[str, Path]) -> None:
    rows = [json.loads(line) for line in pack["samples"].read_text().splitlines()]
    write_jsonl(pack["samples"], rows[:2])
    with pytest.raises(UserError) as exc:
        run_selection(pack["dataset"], pack["samples"], pack["dir"] / "run", 1)
    assert "'c' has no samples" in exc.value.message and exc.value.line == 3
    out = run_selection(pack["dataset"], pack["samples"], pack["dir"] / "run", 1, allow_short=True)
    last = json.loads((out.outdir / "results.jsonl").read_text().splitlines()[-1])
    assert last["outcome"] == "missing_completion" and last["selected_index"] is None and last["n_samples_used"] == 0


@pytest.mark.parametrize("selector", ["oracle", "majority", "logprob"])
def test_results_are_the_same_bytes_whether_the_files_stream_or_go_to_disk(tmp_path: Path, selector: str) -> None:
    """The shipped pack is in the dataset's id order (streamed); reversed, it goes through the on-disk join."""
    lines = (REPO / SAMPLES).read_text().splitlines(keepends=True)
    reversed_pack = tmp_path / "reversed.jsonl"
    reversed_pack.write_text("".join(reversed(lines)))
    a = run_selection(REPO / DATASET, REPO / SAMPLES, tmp_path / "a", 4, selector=selector)
    b = run_selection(REPO / DATASET, reversed_pack, tmp_path / "b", 4, selector=selector)
    assert (a.outdir / "results.jsonl").read_bytes() == (b.outdir / "results.jsonl").read_bytes()
    assert a.summary == b.summary
    manifests = [json.loads((run.outdir / "manifest.json").read_text()) for run in (a, b)]
    assert manifests[0]["example_ids_fingerprint"] == manifests[1]["example_ids_fingerprint"]


def _one_by_one(rows: list[dict], n: int) -> dict:
    """The summary's counts and sums as a run once kept them: each item added in turn."""
    items = passed = first = any_passed = samples = short = 0
    rate_sum = rate_sq = 0.0
    at_k_sum, at_k_items, outcomes = [0.0] * (n + 1), [0] * (n + 1), Counter()
    for row in rows:
        rewards = row["sample_rewards"]
        used, correct = len(rewards), len([r for r in rewards if r >= 1.0])
        items += 1
        passed += row["reward"] >= 1.0
        first += bool(rewards) and rewards[0] >= 1.0
        any_passed += correct > 0
        samples += used
        short += used < n
        rate = correct / used if used else 0.0
        rate_sum += rate
        rate_sq += rate * rate
        for k in range(1, used + 1):
            at_k_sum[k] += pass_at_k(used, correct, k)
            at_k_items[k] += 1
        outcomes[row["outcome"]] += 1
    return {"n": items, "passed": passed, "pass_at_1": first / items, "oracle_pass_at_n": any_passed / items,
            "mean_sample_pass_rate": rate_sum / items, "samples_scored": samples, "short_items": short,
            "pass_at_k_unbiased": {str(k): at_k_sum[k] / at_k_items[k] for k in range(1, n + 1) if at_k_items[k]},
            "pass_at_k_items": {str(k): at_k_items[k] for k in range(1, n + 1)}, "outcome_counts": dict(outcomes),
            "sample_rate_sq": rate_sq}


def test_the_tally_sums_chunks_to_the_same_bits_as_one_item_at_a_time() -> None:
    """Counts of item kinds and float sums a chunk at a time must give the summary of adding items one by one."""
    rng, n = random.Random(7), 8
    rows = [{"sample_rewards": [rng.choice([0.0, 1.0, 1.0, 0.0, 0.0]) for _ in range(rng.choice([n, n, n, 5, 1, 0]))],
             "reward": rng.choice([0.0, 1.0]), "outcome": rng.choice(["correct", "wrong_answer", "extra_text"])}
            for _ in range(2 * _CHUNK + 17)]
    tally = Tally(n)
    for row in rows:
        tally.add(row)
    got, want = tally.summary(SELECTORS["oracle"], STRICT), _one_by_one(rows, n)
    assert tally.sums[1] == want.pop("sample_rate_sq")
    assert json.dumps({k: got[k] for k in want}, sort_keys=True) == json.dumps(want, sort_keys=True)
