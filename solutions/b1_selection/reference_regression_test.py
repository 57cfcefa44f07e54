"""b1_selection — an exemplary tests/test_regression.py (instructor-only).

What a strong student submission looks like: a determinism test, and one test per rule of the
precedence built so that getting that rule wrong changes the pick. The kit's meta-tests check
that it passes on the reference solution and fails on every chaff (public and hidden).
"""

from __future__ import annotations


def sample(index: int, completion: str = "Final: 4", sum_logprob: float = -1.0, reward: float = 0.0) -> dict:
    return {"index": index, "completion": completion, "sum_logprob": sum_logprob, "reward": reward}


def test_same_samples_same_pick_every_time(student):
    samples = [sample(i, "Final: 7", -2.0, 1.0) for i in range(8)]
    assert {student.pick_best(samples) for _ in range(25)} == {0}


def test_equal_samples_in_another_order_same_sample_chosen(student):
    samples = [sample(i, "Final: 7", -2.0, 1.0) for i in range(4)]
    for order in (samples, samples[::-1], samples[2:] + samples[:2]):
        assert order[student.pick_best(order)]["index"] == 0


def test_reward_beats_likelihood(student):
    assert student.pick_best([sample(0, "Final: 5", -0.1, 0.0), sample(1, "Final: 4", -5.0, 1.0)]) == 1


def test_higher_logprob_wins(student):
    assert student.pick_best([sample(0, "Final: 4", -3.0, 1.0), sample(1, "Final: 4", -0.5, 1.0)]) == 1


def test_shorter_wins(student):
    assert student.pick_best([sample(0, "Final: 44", -1.0, 1.0), sample(1, "Final: 4", -1.0, 1.0)]) == 1


def test_lexicographic_before_index(student):
    assert student.pick_best([sample(0, "Final: 13"), sample(1, "Final: 12")]) == 1


def test_lower_index_on_a_complete_tie(student):
    assert student.pick_best([sample(0), sample(1)]) == 0


def test_key_agrees_with_the_pick(student):
    samples = [sample(0, "Final: 10", -2.0, 1.0), sample(1, "Final: 9", -2.0, 1.0), sample(2, "Final: 8", -0.5, 0.0)]
    keys = [list(student.tie_break_key(s)) for s in samples]
    assert keys.index(min(keys)) == student.pick_best(samples) == 1
