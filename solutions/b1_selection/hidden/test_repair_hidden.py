"""b1_selection.repair — hidden tests: the pick is a function of the samples, and of nothing else."""

from __future__ import annotations

import pytest


def sample(index: int, completion: str = "Final: 4", sum_logprob: float = -1.0, reward: float = 0.0) -> dict:
    return {"index": index, "completion": completion, "sum_logprob": sum_logprob, "reward": reward}


def chosen_index(student, samples: list[dict]) -> int:
    return samples[student.pick_best(samples)]["index"]


@pytest.mark.points(4)
def test_repair_same_samples_same_pick_every_time(student):
    samples = [sample(i, "Final: 44", -0.7489, 1.0) for i in range(8)]
    assert {student.pick_best(samples) for _ in range(30)} == {0}, "identical samples, 30 calls: always the first one"


@pytest.mark.points(3)
def test_repair_rewarded_ties_are_not_a_coin_toss(student):
    samples = [sample(0, "Final: 7 ", -9.0, 0.0)] + [sample(i, "Final: 7", -2.0, 1.0) for i in range(1, 6)]
    assert {student.pick_best(samples) for _ in range(30)} == {1}, "equally good samples are not a coin toss: the precedence decides"


@pytest.mark.points(3)
def test_repair_pick_follows_the_sample_not_its_position(student):
    samples = [sample(i, "Final: 7", -2.0, 1.0) for i in range(5)] + [sample(5, "Final: 7", -2.0, 0.0)]
    orders = [samples, samples[::-1], samples[2:] + samples[:2], samples[1::2] + samples[::2]]
    assert {chosen_index(student, order) for order in orders} == {0}, "the same samples in another order: the same sample is chosen"


@pytest.mark.points(3)
def test_repair_unrewarded_items_still_pick_deterministically(student):
    """All samples wrong: the pick is still the same sample every time (what results.jsonl records)."""
    samples = [sample(0, "Final: 5", -4.7491), sample(1, "Final: 1986", -1.3005), sample(2, "Final: 1986", -1.3005)]
    assert {student.pick_best(samples) for _ in range(30)} == {1}, "when every sample is wrong, the pick still follows the precedence"


@pytest.mark.points(2)
def test_repair_likelihood_is_higher_is_better(student):
    samples = [sample(0, "Final: 3", -6.5, 1.0), sample(1, "Final: 3", -0.25, 1.0), sample(2, "Final: 3", -3.0, 1.0)]
    assert student.pick_best(samples) == 1, "sum_logprob: higher (closer to zero) is more likely"


@pytest.mark.points(2)
def test_repair_shorter_is_better(student):
    samples = [sample(0, "Let's see.\nFinal: 3", -1.0, 1.0), sample(1, "Final: 3", -1.0, 1.0)]
    assert student.pick_best(samples) == 1, "the shorter completion wins a logprob tie"


@pytest.mark.points(2)
def test_repair_reward_first(student):
    samples = [sample(0, "Final: 2", -0.1, 0.0), sample(1, "Final: 3", -8.0, 1.0)]
    assert student.pick_best(samples) == 1, "reward comes first"


@pytest.mark.points(2)
def test_repair_lexicographic_before_index(student):
    samples = [sample(0, "Final: 13", -1.0, 0.0), sample(1, "Final: 12", -1.0, 0.0)]
    assert student.pick_best(samples) == 1, "lexicographic order comes before the index"


@pytest.mark.points(2)
def test_repair_lower_index_on_complete_ties(student):
    samples = [sample(0, "Final: 9", -1.0, 0.0), sample(1, "Final: 9", -1.0, 0.0)]
    assert student.pick_best(samples) == 0, "on a complete tie, the lower index wins"
