"""A selection row as select_item builds it from a kit scorer: answer_fits is its schema's verdict, result_line is dumps_line."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_core.artifacts.jsonl import dumps_line
from course_core.artifacts.schemas import validator
from course_core.measurement.scoring import SCORERS
from course_core.selection.best_of_n import select_item
from course_core.selection.result_line import answer_fits, result_line
from course_core.selection.selectors import SELECTORS, custom_selector

ANSWER = 2**53 - 1
numbers = st.integers(-(10**17), 10**17) | st.sampled_from([0, ANSWER, -ANSWER, ANSWER + 1, -ANSWER - 1, 9999999999999999])
chars = st.characters(exclude_categories=())  # quotes, backslashes, controls, lone surrogates: all of them
texts = st.text(chars, max_size=24)
completions = st.one_of(
    numbers.map(lambda n: f"Final: {n}"),
    st.tuples(texts, numbers).map(lambda t: f"{t[0]}\nFinal: {t[1]}"),
    st.tuples(st.sampled_from(["Final: +", "Final: 0", " Final:  ", "final: ", "Final: -0"]), numbers).map(lambda t: f"{t[0]}{t[1]}"),
    texts,
)
samples = st.lists(
    st.fixed_dictionaries({"completion": completions, "sum_logprob": st.floats(max_value=0, allow_nan=False) | st.integers(max_value=0)}),
    max_size=8,
)
examples = st.fixed_dictionaries({"id": st.text(chars, min_size=1, max_size=12),
                                  "prompt": st.just("p"), "expected_answer": st.integers(-ANSWER, ANSWER)})
selectors = st.sampled_from([*SELECTORS.values(), custom_selector(lambda offered: len(offered) - 1)])


@pytest.mark.slow  # 400 generated items, 1.5 s
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(example=examples, used=samples, selector=selectors, scorer=st.sampled_from(list(SCORERS.values())))
def test_a_built_row_is_valid_exactly_when_its_answer_fits_and_its_line_is_dumps_line(example, used, selector, scorer):
    row = select_item(example, used, selector, scorer)
    assert answer_fits(row) == validator("selection_result_row").is_valid(row), row
    assert result_line(row) == dumps_line(row)


def test_an_out_of_range_answer_is_what_answer_fits_refuses():
    row = select_item({"id": "a", "prompt": "p", "expected_answer": 5}, [{"completion": "Final: 9999999999999999", "sum_logprob": -1}],
                      SELECTORS["oracle"], SCORERS["strict_final_int"])
    assert row["parsed_answer"] is None and "9999999999999999" in row["reason"]  # the row holds JSON-safe integers only
    assert answer_fits(row)
    broken = {**row, "parsed_answer": 9999999999999999}
    assert not answer_fits(broken) and not validator("selection_result_row").is_valid(broken)


def test_a_reward_json_refuses_is_refused_as_json_refuses_it():
    row = select_item({"id": "a", "prompt": "p", "expected_answer": 5}, [{"completion": "Final: 5", "sum_logprob": -1}],
                      SELECTORS["oracle"], SCORERS["strict_final_int"])
    for bad in (float("nan"), float("inf")):
        broken = {**row, "sample_rewards": [bad]}
        with pytest.raises(ValueError) as ours:
            result_line(broken)
        with pytest.raises(ValueError) as theirs:
            dumps_line(broken)
        assert str(ours.value) == str(theirs.value)
