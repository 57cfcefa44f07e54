"""Loop B library: the pass@k estimator, the selection rules, and the run they produce."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_core.artifacts.rundir import load_run
from course_core.errors import UserError
from course_core.measurement.stats import pass_at_k
from course_core.selection.best_of_n import run_selection
from course_core.selection.selectors import (
    get_selector,
    parsed_answer,
    pick_best,
    pick_logprob,
    pick_majority,
    tie_break_key,
)
from tests.conftest import write_jsonl


def s(index: int, completion: str = "Final: 1", sum_logprob: float = -1.0, reward: float = 0.0) -> dict:
    return {"index": index, "completion": completion, "sum_logprob": sum_logprob, "reward": reward}


# -- pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k) ----------------------------------------


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (4, 1, 2, 0.5),  # 1 - C(3,2)/C(4,2) = 1 - 3/6
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (8, 0, 4, 0.0),
        (4, 3, 2, 1.0),  # n - c = 1 < k: every pair holds a correct sample
        (4, 2, 1, 0.5),  # k = 1 is the plain per-sample rate
        (8, 8, 8, 1.0),
    ],
)
def test_pass_at_k_matches_hand_computed_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


# -- the oracle's key: each level decides only when the ones before it tie ----------------------


def test_higher_reward_wins_over_everything_else() -> None:
    samples = [s(0, "Final: 7", -0.1, 0.0), s(1, "Final: 12345", -9.0, 1.0)]
    assert pick_best(samples) == 1


def test_equal_reward_goes_to_higher_sum_logprob() -> None:
    samples = [s(0, "Final: 1", -2.0, 1.0), s(1, "Final: 10000", -1.0, 1.0)]
    assert pick_best(samples) == 1


def test_equal_logprob_goes_to_shorter_completion() -> None:
    samples = [s(0, "Final: 100", -1.0, 1.0), s(1, "Final: 10", -1.0, 1.0)]
    assert pick_best(samples) == 1


def test_equal_length_goes_to_lexicographically_first() -> None:
    samples = [s(0, "Final: 9", -1.0, 1.0), s(1, "Final: 1", -1.0, 1.0)]
    assert pick_best(samples) == 1


def test_identical_samples_go_to_lower_index() -> None:
    samples = [s(0), s(1), s(2)]
    assert pick_best(samples) == 0
    assert pick_best(list(reversed(samples))) == 2  # the one whose index field is 0


def test_tie_break_key_orders_by_each_level_in_turn() -> None:
    keys = [
        tie_break_key(s(3, "Final: 2", -1.0, 1.0)),
        tie_break_key(s(2, "Final: 1", -1.0, 1.0)),
        tie_break_key(s(1, "Final: 10", -1.0, 1.0)),
        tie_break_key(s(0, "Final: 1", -3.0, 1.0)),
        tie_break_key(s(4, "Final: 1", -0.5, 0.0)),
    ]
    assert sorted(keys)[0] == keys[1]
    assert sorted(keys) == [keys[1], keys[0], keys[2], keys[3], keys[4]]


def test_pick_best_is_independent_of_input_order() -> None:
    samples = [s(i, f"Final: {i % 3}", -float(i % 2), float(i % 4 == 0)) for i in range(8)]
    reordered = samples[3:] + list(reversed(samples[:3]))
    assert samples[pick_best(samples)]["index"] == reordered[pick_best(reordered)]["index"] == 0


# -- deployable selectors ------------------------------------------------------------------------


def test_logprob_ignores_reward() -> None:
    samples = [s(0, "Final: 1", -0.2, 0.0), s(1, "Final: 2", -0.9, 1.0)]
    assert pick_logprob(samples) == 0


def test_majority_votes_on_parsed_answers_and_ignores_reward() -> None:
    samples = [
        s(0, "Final: 5", -0.1, 1.0),
        s(1, "Final: 7", -2.0, 0.0),
        s(2, "Final: 7", -1.5, 0.0),
        s(3, "Final: 7.", -0.01, 0.0),  # malformed: no vote
    ]
    assert pick_majority(samples) == 2  # answer 7 wins 2-1; of its two samples, higher logprob


def test_majority_tie_between_answers_goes_to_best_logprob() -> None:
    samples = [s(0, "Final: 3", -2.0), s(1, "Final: 4", -1.0), s(2, "Final: 3", -3.0), s(3, "Final: 4", -4.0)]
    assert pick_majority(samples) == 1


def test_majority_falls_back_to_logprob_when_nothing_parses() -> None:
    samples = [s(0, "final: 3", -2.0), s(1, "The answer is 4", -1.0), s(2, "", -3.0)]
    assert pick_majority(samples) == pick_logprob(samples) == 1


def test_parsed_answer_uses_the_strict_format_without_a_reference() -> None:
    assert parsed_answer("  Final: -42\n") == -42
    assert parsed_answer("Final: 042") is None
    assert parsed_answer("Work...\nFinal: 3") is None
    assert parsed_answer(None) is None


def test_unknown_selector_suggests_the_closest_name() -> None:
    with pytest.raises(UserError) as exc:
        get_selector("majorty")
    assert "did you mean 'majority'" in str(exc.value)
    assert get_selector("oracle").deployable is False
    assert get_selector("majority").deployable and get_selector("logprob").deployable


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
