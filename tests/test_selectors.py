"""Loop B's selection rules: the oracle's tie-break key level by level, the deployable selectors, lookup by name."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_core.errors import UserError
from course_core.selection.selectors import (
    get_selector,
    parsed_answer,
    pick_best,
    pick_logprob,
    pick_majority,
    tie_break_key,
)


def s(index: int, completion: str = "Final: 1", sum_logprob: float = -1.0, reward: float = 0.0) -> dict:
    return {"index": index, "completion": completion, "sum_logprob": sum_logprob, "reward": reward}


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


def test_the_oracle_key_is_reward_then_the_policy_key() -> None:
    from course_core.selection.selectors import _policy_key

    for sample in (s(3, "Final: 2", -1.0, 1.0), s(0, "", -0.0, 0.0), s(7, "é", -2.5, 0.5)):
        assert tie_break_key(sample) == (-sample["reward"], *_policy_key(sample))


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


# -- the kit's rules over columns (what a run calls) are the rules over offered dicts -----------

_offered = st.lists(
    st.tuples(st.sampled_from(["Final: 1", "Final: 2", "Final: 10", "", "é"]),
              st.sampled_from([-1.0, -1, -0.5, 0, -0.0, -(10**30), -1e30]), st.sampled_from([0.0, 1.0, 0.5])),
    min_size=1, max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(rows=_offered)
def test_pick_columns_choose_what_pick_chooses(rows) -> None:
    offered = [s(i, c, lp, r) for i, (c, lp, r) in enumerate(rows)]
    rewards, logprobs, completions = [r for _, _, r in rows], [lp for _, lp, _ in rows], [c for c, _, _ in rows]
    for name in ("oracle", "logprob"):
        selector = get_selector(name)
        assert selector.pick_columns(rewards, logprobs, completions) == selector.pick(offered), name
    keys = [tie_break_key(x) for x in offered]
    assert pick_best(offered) == keys.index(min(keys))  # the first of equal smallest keys
    assert get_selector("majority").pick_columns is None  # it reads the offered dicts


_odd = st.lists(
    st.tuples(st.sampled_from(["Final: 1", "Final: 10", ""]), st.sampled_from([-1.0, -0.5, 0.0, -0.0, -1e30]),
              st.sampled_from([0.0, -0.0, 1.0, 0.5, float("inf"), float("-inf")]) | st.builds(float, st.just("nan"))),
    min_size=1, max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(rows=_odd)
def test_the_oracle_is_the_whole_key_rule_with_odd_rewards_too(rows) -> None:
    """A unique top reward decides alone; with NaN, -0.0 or infinities among the rewards it must still be min() over the keys."""
    offered = [s(i, c, lp, r) for i, (c, lp, r) in enumerate(rows)]
    keys = [tie_break_key(x) for x in offered]
    rewards, logprobs, completions = [r for _, _, r in rows], [lp for _, lp, _ in rows], [c for c, _, _ in rows]
    assert pick_best(offered) == get_selector("oracle").pick_columns(rewards, logprobs, completions) == keys.index(min(keys))


def test_the_oracle_refuses_a_sum_logprob_float_cannot_hold_whichever_sample_wins() -> None:
    with pytest.raises(OverflowError):
        pick_best([s(0, reward=1.0, sum_logprob=-(10**400)), s(1, reward=0.0)])
    with pytest.raises(OverflowError):
        pick_best([s(0, reward=1.0), s(1, reward=0.0, sum_logprob=-(10**400))])
