"""b1_selection.build — visible tests for selection.py.

Run them from the repository root:  python -m pytest exercises/b1_selection/tests -q
Every call goes through the ``student`` fixture with JSON values only; keys come back as
lists, so they are compared as lists.
"""

from __future__ import annotations

import pytest


def sample(index: int, completion: str = "Final: 4", sum_logprob: float = -1.0, reward: float = 0.0) -> dict:
    return {"index": index, "completion": completion, "sum_logprob": sum_logprob, "reward": reward}


def key(student, s: dict) -> list:
    return list(student.tie_break_key(s))


# --- Task 1: tie_break_key -------------------------------------------------------------------


@pytest.mark.points(3)
def test_key_higher_reward_wins(student):
    assert key(student, sample(1, reward=1.0)) < key(student, sample(0, reward=0.0))


@pytest.mark.points(3)
def test_key_higher_logprob_breaks_a_reward_tie(student):
    assert key(student, sample(1, sum_logprob=-0.5)) < key(student, sample(0, sum_logprob=-2.0))


@pytest.mark.points(3)
def test_key_shorter_completion_breaks_a_logprob_tie(student):
    assert key(student, sample(1, completion="Final: 4")) < key(student, sample(0, completion="Final: 44"))


@pytest.mark.points(3)
def test_key_lexicographic_order_breaks_a_length_tie(student):
    assert key(student, sample(1, completion="Final: 12")) < key(student, sample(0, completion="Final: 13"))


@pytest.mark.points(3)
def test_key_lower_index_breaks_a_complete_tie(student):
    assert key(student, sample(0)) < key(student, sample(1))


@pytest.mark.points(2)
def test_key_is_a_function_of_the_sample(student):
    """Same fields, same key: whatever the order of the fields, and whatever was keyed before (no state, no randomness)."""
    s = sample(3, "Final: 7", -2.5, 1.0)
    first = key(student, s)
    key(student, sample(0, "Final: 8", -0.5, 0.0))  # another sample in between
    assert key(student, dict(reversed(list(s.items())))) == first
    assert key(student, sample(3, "Final: 7", -2.5, 1.0)) == first


# --- Task 2: pick_best -----------------------------------------------------------------------


@pytest.mark.points(2)
def test_pick_single_sample(student):
    assert student.pick_best([sample(0)]) == 0


@pytest.mark.points(3)
def test_pick_the_rewarded_sample(student):
    samples = [sample(0, "Final: 5", -0.1, 0.0), sample(1, "Final: 4", -3.0, 1.0), sample(2, "Final: 6", -0.2, 0.0)]
    assert student.pick_best(samples) == 1


@pytest.mark.points(3)
def test_pick_most_likely_among_the_rewarded(student):
    samples = [sample(0, "Final: 4", -3.0, 1.0), sample(1, "Final: 4 ", -9.0, 0.0), sample(2, "Final: 4", -1.3, 1.0)]
    assert student.pick_best(samples) == 2


@pytest.mark.points(3)
def test_pick_first_of_identical_samples(student):
    assert student.pick_best([sample(i, "Final: 1986", -1.3005, 0.0) for i in range(4)]) == 0


@pytest.mark.points(3)
def test_pick_agrees_with_the_key(student):
    samples = [
        sample(0, "Final: 10", -2.0, 1.0),
        sample(1, "Final: 9", -2.0, 1.0),
        sample(2, "Final: 9", -4.0, 1.0),
        sample(3, "Final: 8", -0.5, 0.0),
    ]
    keys = [key(student, s) for s in samples]
    assert student.pick_best(samples) == keys.index(min(keys)) == 1


@pytest.mark.points(3)
def test_pick_is_deterministic(student):
    samples = [sample(i, "Final: 44", -0.7489, 1.0) for i in range(8)]
    assert {student.pick_best(samples) for _ in range(10)} == {0}
