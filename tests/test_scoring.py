"""The strict scorer: every rule, totality, determinism, and bounded work on hostile input."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from course_core.errors import UserError
from course_core.measurement.scoring import (
    DEFAULT_SCORER,
    OUTCOMES,
    SCORERS,
    STRICT_RULES,
    _scan,
    _scan_lines,
    _scan_one_line,
    _worked_final,
    get_scorer,
    score,
    score_strict,
    score_strict_all,
    score_weak,
)

EX = {"id": "x", "prompt": "p", "expected_answer": 42}
NEG = {"id": "n", "prompt": "p", "expected_answer": -7}
ZERO = {"id": "z", "prompt": "p", "expected_answer": 0}


@pytest.mark.parametrize(
    "example, completion, outcome",
    [
        (EX, "Final: 42", "correct"),
        (EX, "  \n Final: 42 \r\n", "correct"),
        (NEG, "Final: -7", "correct"),
        (ZERO, "Final: 0", "correct"),
        (EX, "Final: 41", "wrong_answer"),
        (EX, "Final: 43", "wrong_answer"),
        (EX, "", "empty_output"),
        (EX, " \n\t ", "empty_output"),
        (EX, "The answer is 42", "missing_final"),
        (EX, "final: 42", "bad_prefix"),
        (EX, "FINAL: 42", "bad_prefix"),
        (EX, "Final: 42\nFinal: 42", "multiple_final_lines"),
        (EX, "6 * 7 = 42\nFinal: 42", "extra_text"),
        (EX, "Final:42", "bad_spacing"),
        (EX, "Final:  42", "bad_spacing"),
        (EX, "Final:\t42", "bad_spacing"),
        (EX, "Final: 4 2", "bad_spacing"),
        (NEG, "Final: - 7", "bad_spacing"),
        (EX, "Final: +42", "plus_sign"),
        (EX, "Final: ٤٢", "non_ascii_digit"),
        (EX, "Final: ４２", "non_ascii_digit"),
        (EX, "Final: 42.0", "not_an_integer"),
        (EX, "Final: 1,000", "not_an_integer"),
        (EX, "Final: forty-two", "not_an_integer"),
        (EX, "Final:", "not_an_integer"),
        (EX, "Final: 042", "leading_zero"),
        (ZERO, "Final: -0", "negative_zero"),
        (ZERO, "Final: 00", "leading_zero"),
        (EX, "Final: 42.", "trailing_characters"),
        (EX, "Final: 42 apples", "trailing_characters"),
        (EX, "Final: 42\u200b", "trailing_characters"),
        (EX, None, "not_a_string"),
        (EX, 42, "not_a_string"),
        ({"expected_answer": "42"}, "Final: 42", "invalid_example"),
        ({"expected_answer": 42.0}, "Final: 42", "invalid_example"),
        ({"expected_answer": True}, "Final: 1", "invalid_example"),
        (None, "Final: 42", "invalid_example"),
    ],
)
def test_outcome_codes(example, completion, outcome):
    result = score_strict(example, completion)
    assert result["outcome"] == outcome, result
    assert result["reward"] == (1.0 if outcome == "correct" else 0.0)
    assert result["outcome"] in OUTCOMES
    assert result["details"]["reason"]


def test_every_rule_has_a_distinct_outcome_code():
    outcomes = [r["outcome"] for r in STRICT_RULES]
    assert len(outcomes) == len(set(outcomes))
    assert "correct" in OUTCOMES and "correct" not in outcomes


def test_right_answer_in_wrong_format_is_parsed_but_refused():
    result = score(EX, "Work: 6 * 7\nFinal: 42")
    assert result["outcome"] == "extra_text"
    assert result["details"]["parsed"] == 42
    assert result["details"]["answer_matches"] is True
    assert result["reward"] == 0.0


def test_weak_scorer_accepts_what_strict_refuses():
    for completion in ["The answer is 42.", "Final: +42", "I think 42\nFinal: 41"]:
        assert score_weak(EX, completion)["reward"] == 1.0
        assert score_strict(EX, completion)["reward"] == 0.0
    assert score_weak(EX, "Final: 420")["reward"] == 0.0  # whole numbers only
    assert score_weak(NEG, "Final: 7")["reward"] == 0.0  # sign matters
    assert score_weak(NEG, "Final: -7")["reward"] == 1.0


def test_registry_versions_and_fingerprints():
    strict, weak = SCORERS["strict_final_int"], SCORERS["weak_contains"]
    assert DEFAULT_SCORER == "strict_final_int"
    assert strict.spec_fingerprint.startswith("sha256:") and len(strict.spec_fingerprint) == 71
    assert strict.spec_fingerprint != weak.spec_fingerprint
    assert strict.spec_fingerprint == get_scorer("strict_final_int").spec_fingerprint


def test_unknown_scorer_suggests_a_close_name():
    with pytest.raises(UserError, match="did you mean 'weak_contains'"):
        get_scorer("weak_contain")


@pytest.mark.parametrize(
    "completion",
    [
        "x" * 1_000_000,
        "Final: " + "9" * 10_000,
        "Final: 1\n" * 100_000,
        "line\n" * 100_000 + "Final: 42",
        "Final: " + "4" * 500_000 + "x",
        "\u0663" * 200_000,
        " " * 1_000_000,
    ],
)
def test_hostile_inputs_are_total_and_bounded(completion):
    result = score(EX, completion)
    assert result["reward"] == 0.0
    assert len(str(result["details"])) < 1000  # details echo a clipped excerpt, never the input


def test_ten_thousand_digit_answer_is_wrong_not_a_crash():
    result = score(EX, "Final: " + "1" * 10_000)
    assert result["outcome"] == "wrong_answer"
    assert result["details"]["parsed"] is None


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text())))
def test_never_raises_on_any_input(completion):
    result = score(EX, completion)
    assert set(result) == {"reward", "outcome", "details"}
    assert result["reward"] in (0.0, 1.0)
    assert result["outcome"] in OUTCOMES


def test_deterministic_across_processes_and_hash_seeds():
    """The same verdicts, details included, in another interpreter with another PYTHONHASHSEED (no set order, no state)."""
    cases = [(EX, c) for c in ("Final: 42", "Final: 042", "Final: +42", "final: 42", "Final:  42", "Final: 42\nFinal: 42",
                               "The answer is 42.", "Final: ４２", "Final: 4 2", "", None, 42)] + [(ZERO, "Final: -0"), (NEG, "Final: -7")]
    here = json.dumps([score(ex, c) for ex, c in cases])
    code = ("import json, sys; from course_core.measurement.scoring import score; "
            "print(json.dumps([score(ex, c) for ex, c in json.load(sys.stdin)]))")
    there = subprocess.run([sys.executable, "-c", code], input=json.dumps(cases), capture_output=True, text=True, check=True,
                           cwd=REPO, env={**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)})
    assert there.stdout.strip() == here


def test_scoring_does_not_change_its_inputs():
    example = {"id": "x", "prompt": "p", "expected_answer": 42, "extra": [1]}
    before = json.dumps(example)
    score(example, "Final: 42")
    score_weak(example, "42")
    assert json.dumps(example) == before


def _near_spec(answer: int) -> Iterator[str]:
    """Every completion built from the pieces of ``Final: <answer>``, each piece right or broken in a known way."""
    number = str(answer)
    yield from map("".join, itertools.product(
        ["", " ", "\n", "\r\n", "\t", "\u00a0", "x "],
        ["Final:", "final:", "Final :", "FINAL:", "Final;", "Answer:"],
        [" ", "", "  ", "\t"],
        [number, "+" + number, "0" + number, number + ".0", number.replace("-", "\u2212"), str(answer + 1), number + "0"],
        ["", ".", " apples", "\nFinal: " + number],
        ["", " ", "\n", "\r\n", "\u00a0"],
    ))


@pytest.mark.parametrize("answer", [42, -7, 0, 123456])
def test_reward_one_exactly_when_the_spec_holds(answer):
    """Reward 1 if and only if the stripped text is exactly 'Final: ' + the canonical integer.

    Every combination of right and broken pieces is scored, so both sides of the "if and only if"
    are exercised (and counted: neither may be empty).
    """
    verdicts = {True: 0, False: 0}
    for completion in _near_spec(answer):
        paid = score({"expected_answer": answer}, completion)["reward"] == 1.0
        assert paid == (completion.strip() == f"Final: {answer}"), repr(completion)
        verdicts[paid] += 1
    assert verdicts[True] > 0 and verdicts[False] > 0


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["", " ", "\n", "\r\n", "\t \n"]))
def test_canonical_answers_always_pass(answer, pad):
    assert score({"expected_answer": answer}, f"{pad}Final: {answer}{pad}")["outcome"] == "correct"


@pytest.mark.parametrize("answer", [42, -7, 0, 123456, 2**53 - 1])
def test_the_canonical_fast_lane_gives_the_full_scans_verdict(answer):
    """score_strict decides a canonical 'Final: <int>' without scanning lines; the verdict must be the general scan's, key order included."""
    near = list(_near_spec(answer)) + [f"Final: {x}" for x in ("0", "-0", "00", "-01", "1" * 16, "1" * 17, "-" + "9" * 16, "٣", "²", "-", "")]
    for completion in near:
        text = completion.strip()
        if text:
            fast, full = score_strict({"expected_answer": answer}, completion), _scan_lines(text, answer)
            assert (fast, list(fast["details"])) == (full, list(full["details"])), repr(completion)


@settings(max_examples=500, deadline=None)
@given(number=st.text(alphabet="-+0123456789 \n\r\t.٣²x", max_size=20), answer=st.integers(-(10**6), 10**6))
def test_fast_lane_agrees_with_the_full_scan_on_generated_numbers(number, answer):
    text = f"Final: {number}".strip()
    fast, full = score_strict({"expected_answer": answer}, text), _scan_lines(text, answer)
    assert (fast, list(fast["details"])) == (full, list(full["details"]))


@settings(max_examples=500, deadline=None)
@given(prefix=st.sampled_from(["Final:", "Final: ", "final: ", "FINAL:", "Finale ", "The answer is ", "Final :", ""]),
       rest=st.text(alphabet="-+0123456789 \t.,_٣²xF" + "é", max_size=24), answer=st.integers(-(10**6), 10**6))
def test_the_one_line_lane_gives_the_general_scans_verdict(prefix, rest, answer):
    """_scan decides a one-line text in place; the verdict must be the general scan's, key order included."""
    text = (prefix + rest).strip()
    if text:
        one, full = _scan_one_line(text, answer), _scan_lines(text, answer)
        assert (one, list(one["details"])) == (full, list(full["details"])), repr(text)
    long = "Final: " + "1" * 200
    assert _scan_one_line(long, 1) == _scan_lines(long, 1)


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(st.text(alphabet="-+0123456789 \t.Fx", max_size=8) | st.sampled_from(["Final:", "Final: ", " Final: 7", "final: 3"]),
                      min_size=1, max_size=4),
       breaks=st.sampled_from(["\n", "\r\n", "\r", "\n\n"]), answer=st.integers(-(10**6), 10**6))
def test_the_worked_final_lane_gives_the_general_scans_verdict(lines, breaks, answer):
    """_scan decides work followed by a canonical Final line in place; the verdict must be the general scan's, key order included."""
    text = breaks.join(lines).strip()
    if text:
        fast, full = _scan(text, answer), _scan_lines(text, answer)
        assert (fast, list(fast["details"])) == (full, list(full["details"])), repr(text)
    assert _worked_final("6 * 7 = 42\n\nFinal: 42", 42) == _scan_lines("6 * 7 = 42\n\nFinal: 42", 42)  # the lane is taken
    assert _worked_final("Final: 1\nFinal: 42", 42) is None and _worked_final("x\r\nFinal: 42", 42) is None


@settings(max_examples=300, deadline=None)
@given(completions=st.lists(st.sampled_from(["Final: 42", "  Final: 41\n", "Work\nFinal: 42", "Final: +42", "", " ", None, 42])
                            | st.text(alphabet="Final: -+0123456789\n\r", max_size=14), max_size=10),
       example=st.sampled_from([EX, NEG, ZERO, {"expected_answer": "42"}, {"expected_answer": True}, None]))
def test_scoring_an_items_completions_at_once_gives_each_ones_verdict(completions, example):
    """score_strict_all (what a selection run scores an item with) must be score_strict on each, key order included."""
    together, apart = score_strict_all(example, completions), [score_strict(example, c) for c in completions]
    assert [(v, list(v["details"])) for v in together] == [(v, list(v["details"])) for v in apart]
    for scorer in SCORERS.values():  # and a scorer's score_all, with or without a function of its own for it
        assert scorer.score_all(example, completions) == [scorer(example, c) for c in completions]
