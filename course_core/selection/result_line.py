"""A selection results row as :func:`~course_core.selection.best_of_n.select_item` builds it from a kit
scorer's verdict: what is certain about it, and its line of results.jsonl.

Such a row has its schema's shape by construction, but for one value (see :func:`answer_fits`),
and every value has a known type, so its JSON line is put together from json's own string
encoder and the types' own text, in the row's key order: the bytes
:func:`~course_core.artifacts.jsonl.dumps_line` gives (tests/test_result_line.py checks both on
generated items).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from course_core.artifacts.jsonl import dumps_line
from course_core.measurement.scoring import MAX_ABS_ANSWER

_INT, _FLOAT = int.__repr__, float.__repr__  # what json writes for an int or a finite float


class _Texts(dict[Any, str]):
    """Texts worked out once per key (up to a bound, past which they are worked out each time)."""

    def __init__(self, text: Callable[[Any], str]) -> None:
        super().__init__()
        self.text = text

    def __missing__(self, key: Any) -> str:
        text = self.text(key)
        if len(self) < 4096:
            self[key] = text
        return text


# The few texts most rows share: a scorer's fixed words (outcomes and rules) as JSON strings;
# a list of outcomes; a list of rewards, keyed by the floats' bytes (0.0 and -0.0 are equal
# keys, and json writes them apart).
_WORD = _Texts(encode_basestring).__getitem__
_OUTCOMES = _Texts(lambda outcomes: ", ".join(map(_WORD, outcomes))).__getitem__
_REWARDS = _Texts(lambda floats: ", ".join(map(_FLOAT, array("d", floats)))).__getitem__


def answer_fits(row: dict[str, Any]) -> bool:
    """Whether the row is valid: its parsed answer is None or an int within the schema's range.

    The rest has its schema's shape by construction: id, expected answer and completion come
    from input rows already validated; outcome, rule and reason from the kit scorers' fixed
    wording; the numbers from float() and len(). Only the parsed answer is the scorer's reading
    of a completion, and 16 digits can exceed the schema's 2**53 - 1.
    """
    parsed = row["parsed_answer"]
    return parsed is None or (type(parsed) is int and -MAX_ABS_ANSWER <= parsed <= MAX_ABS_ANSWER)


def result_line(row: dict[str, Any]) -> str:
    """The row's line of results.jsonl, as :func:`~course_core.artifacts.jsonl.dumps_line` writes it."""
    rewards = row["sample_rewards"]
    if not math.isfinite(sum(rewards, row["reward"])):  # json refuses NaN and infinities: let it say so
        return dumps_line(row)
    parsed, rule, completion, chosen = row["parsed_answer"], row["rule"], row["completion"], row["selected_index"]
    return (
        f'{{"id": {encode_basestring(row["id"])}, "expected_answer": {_INT(row["expected_answer"])}, '
        f'"parsed_answer": {"null" if parsed is None else _INT(parsed)}, "outcome": {_WORD(row["outcome"])}, '
        f'"rule": {"null" if rule is None else _WORD(rule)}, "reason": {encode_basestring(row["reason"])}, '
        f'"reward": {_FLOAT(row["reward"])}, "completion": {"null" if completion is None else encode_basestring(completion)}, '
        f'"selected_index": {"null" if chosen is None else _INT(chosen)}, "sample_rewards": [{_REWARDS(array("d", rewards).tobytes())}], '
        f'"sample_outcomes": [{_OUTCOMES(tuple(row["sample_outcomes"]))}], "n_samples_used": {_INT(row["n_samples_used"])}}}\n'
    )
