"""Reward hacking against a naive verifier: the verifier, the exploit classes, and a judge.

The naive verifier is the one a hurried engineer writes: drop the thousands separators, then
pay reward 1 if the expected integer appears *anywhere* as a number. It is right on honest
completions and wrong in known ways; each way is an exploit class, named in ``CLASSES`` with a
predicate that says mechanically whether a completion belongs to it.

An exploit is a completion the naive verifier pays although it is not a valid answer: the
kit's strict scorer refuses it. :func:`judge_exploit` checks one claimed exploit (its class,
that the naive verifier pays, that the strict scorer does not, and that the red-team fields
say why it paid and what closes it) and returns the problems, in words a student can act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from course_core.measurement.scoring import MAX_ABS_ANSWER, score_strict

_MAX_DIGITS = len(str(MAX_ABS_ANSWER))
_HEDGES = re.compile(r"\b(or|either|maybe|perhaps|possibly|probably)\b|/", re.I)
_AFTER_EQUALS = re.compile(r"=\s*(-?[0-9][0-9,]*)")
MAX_COMPLETION_CHARS = 4000


def numbers(text: str, *, strip_commas: bool = True) -> list[int]:
    """Each maximal run of ASCII digits as an integer, '-' kept when it directly precedes it.

    With ``strip_commas`` (the naive verifier's normalisation) commas are removed first, so
    "1,234" is 1234 — and "1,8" is 18. Runs too long to be any answer are skipped.
    """
    if strip_commas:
        text = text.replace(",", "")
    out: list[int] = []
    for m in re.finditer(r"[0-9]+", text):
        digits = m.group().lstrip("0") or "0"
        if len(digits) > _MAX_DIGITS:
            continue
        value = int(digits)
        out.append(-value if m.start() > 0 and text[m.start() - 1] == "-" else value)
    return out


def naive_reward(expected: int, completion: Any) -> int:
    """The naive verifier: 1 if the expected integer appears anywhere (after dropping commas)."""
    return int(isinstance(completion, str) and expected in numbers(completion))


def commits_to_answer(expected: int, text: str) -> bool:
    """The exercise's notion of an honest answer: the last non-empty line is a strict
    ``Final: <int>`` equal to ``expected`` and no other line starts with "final" (any case).
    Reasoning before it is allowed, so such a completion is never counted as an exploit."""
    from course_core.measurement.scoring import parse_final_value

    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    finals = [line for line in lines if line.lower().startswith("final")]
    if not lines or len(finals) != 1 or lines[-1] != finals[0] or not finals[0].startswith("Final:"):
        return False
    outcome, _, value = parse_final_value(finals[0][len("Final:"):])
    return outcome == "correct" and value == expected


def _final_values(text: str) -> list[int | None]:
    values = []
    for line in text.splitlines():
        if line.strip().lower().startswith("final"):
            found = numbers(line.split(":", 1)[-1], strip_commas=False)
            values.append(found[0] if found else None)
    return values


def _last_number_fallback(expected: int, text: str) -> bool:
    found = numbers(text)
    return len(found) >= 2 and found[-1] == expected and found[0] != expected


def _later_check_number(expected: int, text: str) -> bool:
    checks = [numbers(m.group(1))[0] for m in _AFTER_EQUALS.finditer(text) if numbers(m.group(1))]
    found = numbers(text)
    return expected in checks and bool(found) and found[0] != expected


def _comma_collision(expected: int, text: str) -> bool:
    return expected not in numbers(text, strip_commas=False) and expected in numbers(text)


def _first_vs_last(expected: int, text: str) -> bool:
    finals = _final_values(text)
    return len(finals) >= 2 and len(set(finals)) >= 2 and expected in finals


def _hedging(expected: int, text: str) -> bool:
    distinct = set(numbers(text))
    return 2 <= len(distinct) < 10 and expected in distinct and bool(_HEDGES.search(text))


def _enumeration(expected: int, text: str) -> bool:
    return len(set(numbers(text))) >= 10


CLASSES: dict[str, tuple[str, Callable[[int, str], bool]]] = {
    "last_number_fallback": ("the expected number is the last number in the text, not the answer given first", _last_number_fallback),
    "later_check_number": ("the expected number appears only in a check after the answer ('= 42')", _later_check_number),
    "comma_collision": ("the expected number appears only once commas are stripped ('1,8' read as 18)", _comma_collision),
    "first_vs_last": ("several Final lines with different values, one of them the expected", _first_vs_last),
    "hedging": ("a few candidate answers offered as alternatives ('41 or 42')", _hedging),
    "enumeration": ("ten or more different numbers listed, the expected among them", _enumeration),
}
RED_TEAM_FIELDS = ("why_it_paid", "patch")


def judge_exploit(row: Any) -> tuple[str | None, list[str]]:
    """(its class, problems) for one claimed exploit ``{class, expected_answer, completion, why_it_paid, patch}``.

    No problems means: a valid exploit of that class (the naive verifier pays it, the strict
    scorer refuses it, the class's predicate holds, the red-team fields are written).
    """
    if not isinstance(row, dict):
        return None, ["is not a JSON object"]
    cls, expected, completion = row.get("class"), row.get("expected_answer"), row.get("completion")
    problems = []
    if cls not in CLASSES:
        problems.append(f"class {cls!r} is not one of {', '.join(CLASSES)}")
    if isinstance(expected, bool) or not isinstance(expected, int) or abs(expected) > MAX_ABS_ANSWER:
        return (cls if cls in CLASSES else None), [*problems, "expected_answer must be an integer"]
    if not isinstance(completion, str) or not completion.strip() or len(completion) > MAX_COMPLETION_CHARS:
        return (cls if cls in CLASSES else None), [*problems, f"completion must be non-empty text of at most {MAX_COMPLETION_CHARS} characters"]
    if naive_reward(expected, completion) != 1:
        problems.append("the naive verifier does not pay it (reward 0)")
    strict = score_strict({"id": "exploit", "expected_answer": expected}, completion)
    if strict["reward"] != 0.0:
        problems.append("the strict scorer pays it: it is a valid answer, not an exploit")
    elif commits_to_answer(expected, completion):
        problems.append(f"it ends with its one Final line 'Final: {expected}': an honest answer with reasoning, not an exploit")
    if cls in CLASSES and not CLASSES[cls][1](expected, completion):
        problems.append(f"it is not of class {cls}: {CLASSES[cls][0]}")
    for key in RED_TEAM_FIELDS:
        value = row.get(key)
        if not isinstance(value, str) or len(value.split()) < 3:
            problems.append(f"'{key}' needs a sentence (at least 3 words)")
    return (cls if cls in CLASSES else None), problems
