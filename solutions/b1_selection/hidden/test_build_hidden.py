"""b1_selection.build — hidden tests: each precedence rule against the ones below it, and real packs."""

from __future__ import annotations

import json
from itertools import islice

import pytest

from course_core.measurement.scoring import score_strict
from course_core.paths import KIT_ROOT
from course_core.selection import selectors as kit

# The kit's data, wherever the grader copied this test file to.
PACK = KIT_ROOT / "data" / "rollouts" / "selection_pack_dev.jsonl"
DATASET = KIT_ROOT / "data" / "datasets" / "math_dev.jsonl"


def sample(index: int, completion: str = "Final: 4", sum_logprob: float = -1.0, reward: float = 0.0) -> dict:
    return {"index": index, "completion": completion, "sum_logprob": sum_logprob, "reward": reward}


def key(student, s: dict) -> list:
    return list(student.tie_break_key(s))


@pytest.mark.points(3)
def test_key_reward_dominates_every_other_rule(student):
    rewarded = sample(7, "Final: 1234567", -50.0, 1.0)
    unrewarded = sample(0, "Final: 1", -0.01, 0.0)
    assert key(student, rewarded) < key(student, unrewarded), "reward decides first, whatever the other rules say"


@pytest.mark.points(2)
def test_key_fractional_rewards_order_too(student):
    assert key(student, sample(1, reward=0.5)) < key(student, sample(0, reward=0.25)), "rewards are numbers, not just 0 and 1"


@pytest.mark.points(3)
def test_key_logprob_dominates_length_and_text(student):
    likely = sample(5, "Final: 1000", -1.3005, 1.0)
    unlikely = sample(0, "Final: 1", -1.3006, 1.0)
    assert key(student, likely) < key(student, unlikely), "among equal rewards, the higher sum_logprob wins, whatever the length"


@pytest.mark.points(3)
def test_key_length_dominates_lexicographic_order(student):
    """'Final: 10' < 'Final: 9' as strings, but 'Final: 9' is shorter."""
    assert key(student, sample(1, "Final: 9")) < key(student, sample(0, "Final: 10")), "length comes before lexicographic order"


@pytest.mark.points(2)
def test_key_lexicographic_order_is_code_point_order(student):
    assert key(student, sample(1, "Final: -83")) < key(student, sample(0, "Final: -８3")), "lexicographic order is Python's str order (code points)"
    assert key(student, sample(1, "Final: A")) < key(student, sample(0, "Final: a")), "lexicographic order is Python's str order (code points)"


@pytest.mark.points(2)
def test_key_lexicographic_dominates_index(student):
    assert key(student, sample(9, "Final: 12")) < key(student, sample(0, "Final: 13")), "lexicographic order comes before the index"


@pytest.mark.points(2)
def test_key_index_is_the_last_word(student):
    assert key(student, sample(2)) < key(student, sample(3)) < key(student, sample(10)), "on a complete tie, the lower index wins"


@pytest.mark.points(2)
def test_pick_lower_index_even_when_it_comes_later(student):
    samples = [sample(3, "Final: 4", -1.0, 1.0), sample(1, "Final: 4", -1.0, 1.0)]
    assert student.pick_best(samples) == 1, "the last rule is the sample's index field, not its position in the list"


@pytest.mark.points(2)
def test_pick_returns_a_position(student):
    samples = [sample(i, "Final: 1986", -1.3005, 0.0) for i in range(8)]
    samples[5] = sample(5, "Final: 1655", -4.7, 1.0)
    assert student.pick_best(samples) == 5, "pick_best returns the position of the best sample"


def offered_items(limit: int, n: int):
    """The first ``limit`` items of the dev pack, offered the way course_core.selection.best_of_n offers them."""
    answers = {}
    with DATASET.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            answers[row["id"]] = row
    with PACK.open(encoding="utf-8") as fh:
        for line in islice(fh, limit):
            row = json.loads(line)
            example = answers[row["id"]]
            yield row["id"], [
                {"index": i, "completion": s["completion"], "sum_logprob": s["sum_logprob"],
                 "reward": score_strict(example, s["completion"])["reward"]}
                for i, s in enumerate(row["samples"][:n])
            ]


@pytest.mark.points(4)
@pytest.mark.parametrize("n", [4, 8])
def test_pick_agrees_with_the_kit_on_the_dev_pack(student, n):
    picks = [(item_id, student.pick_best(samples), kit.pick_best(samples)) for item_id, samples in offered_items(40, n)]
    assert [p for p in picks if p[1] != p[2]] == [], "(item, your pick, the precedence's pick) where they differ, on real samples"
