"""The scorer is an instrument: deterministic, total, explainable, versioned.

``score(example, completion) -> {"reward": float, "outcome": str, "details": {...}}``

The default instrument, ``strict_final_int``, accepts exactly one line ``Final: <int>`` (after
stripping whitespace around the whole completion): ASCII digits, an optional leading ``-``, no
``+``, no leading zeros, no ``-0``, one space after the colon and none inside the number.
Every way to miss that has its own stable outcome code (``OUTCOMES``), and its rule id.

Parsing is plain string scanning, linear in the completion's length: no regular expressions,
no ``int()`` on unbounded digit strings (Python refuses those past 4300 digits).

``weak_contains`` is a deliberately weak instrument, for sabotage demonstrations only: it pays
reward 1 whenever the expected integer appears anywhere as a number.

Any change of behaviour must bump the scorer's version: the version and the fingerprint of its
spec go into every manifest, and the gate refuses to compare runs whose instruments differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from course_core.artifacts.fingerprint import sha256_json

Score = dict[str, Any]

# Expected answers must fit here (JSON-safe integers); longer parsed numbers cannot match.
MAX_ABS_ANSWER = 2**53 - 1
_MAX_ANSWER_DIGITS = len(str(MAX_ABS_ANSWER))
_SHOW = 80  # characters of user text echoed in details
# The instruction every dataset prompt ends with: what the strict scorer will accept.
FORMAT_INSTRUCTION = "Output exactly one line: Final: <int>"


def _clip(text: str) -> str:
    return text if len(text) <= _SHOW else text[:_SHOW] + f"… ({len(text)} chars)"


# --------------------------------------------------------------------------------------------
# The strict spec: each rule, its outcome code, and what it means. Machine-readable: its
# fingerprint goes into the manifest.

STRICT_RULES: list[dict[str, str]] = [
    {"rule": "completion_is_text", "outcome": "not_a_string", "says": "the completion is a string"},
    {"rule": "example_is_valid", "outcome": "invalid_example", "says": "the example has an integer expected_answer"},
    {"rule": "non_empty", "outcome": "empty_output", "says": "the completion is not empty or whitespace only"},
    {"rule": "has_final_line", "outcome": "missing_final", "says": "a line starts with 'Final:'"},
    {"rule": "exact_prefix", "outcome": "bad_prefix", "says": "the prefix is exactly 'Final:' (case and spelling)"},
    {"rule": "one_final_line", "outcome": "multiple_final_lines", "says": "exactly one line starts with 'Final:'"},
    {"rule": "single_line", "outcome": "extra_text", "says": "the completion is that one line and nothing else"},
    {"rule": "one_space", "outcome": "bad_spacing", "says": "exactly one ASCII space after the colon, none inside the number"},
    {"rule": "no_plus", "outcome": "plus_sign", "says": "no leading '+'"},
    {"rule": "ascii_digits", "outcome": "non_ascii_digit", "says": "digits are ASCII 0-9"},
    {"rule": "is_integer", "outcome": "not_an_integer", "says": "the value is an integer (no decimals, separators or words)"},
    {"rule": "no_leading_zero", "outcome": "leading_zero", "says": "no leading zeros"},
    {"rule": "no_negative_zero", "outcome": "negative_zero", "says": "zero is written '0', never '-0'"},
    {"rule": "no_trailing_text", "outcome": "trailing_characters", "says": "nothing follows the number on its line"},
    {"rule": "matches_expected", "outcome": "wrong_answer", "says": "the integer equals expected_answer"},
]

OUTCOMES: dict[str, str] = {"correct": "well-formed and equal to expected_answer"}
OUTCOMES.update({r["outcome"]: r["says"] for r in STRICT_RULES})
_RULE_OF = {r["outcome"]: r["rule"] for r in STRICT_RULES}

# Outcomes where the completion was well-formed; everything else is a format failure.
FORMAT_OK = frozenset({"correct", "wrong_answer"})


def _result(outcome: str, reason: str, **details: Any) -> Score:
    return {"reward": 1.0 if outcome == "correct" else 0.0, "outcome": outcome,
            "details": {"rule": _RULE_OF.get(outcome), "reason": reason, **details}}


def expected_of(example: Any) -> int | None:
    """The example's expected answer if it is a usable integer, else None."""
    if type(example) is not dict and not isinstance(example, Mapping):  # the exact test first: ABC checks are slow
        return None
    value = example.get("expected_answer")
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_ABS_ANSWER:
        return None
    return value


def parse_final_value(value: str) -> tuple[str, str, int | None]:
    """Parse the text after ``Final:``. Returns (outcome, reason, parsed integer or None).

    The outcome is ``"correct"`` when the value is a well-formed integer (the caller then
    compares it with the expected answer).
    """
    if value == "":
        return "not_an_integer", "nothing after 'Final:'", None
    if value[0] != " ":
        return "bad_spacing", "the colon must be followed by exactly one space", None
    body = value[1:]
    if body == "" or body[0].isspace():
        return "bad_spacing", "more than one space (or other whitespace) after the colon", None
    negative = False
    if body[0] == "+":
        return "plus_sign", "a leading '+' is not allowed", None
    if body[0] == "-":
        negative = True
        body = body[1:]
        if body == "":
            return "not_an_integer", "a '-' with no digits", None
        if body[0].isspace():
            return "bad_spacing", "space between the sign and the digits", None
    end = len(body) if body.isdigit() else 0  # the whole rest is digits: no need to walk it
    while end < len(body) and body[end].isdigit():
        end += 1
    digits, rest = body[:end], body[end:]
    if not digits:
        return "not_an_integer", f"not an integer: {_clip(body)!r}", None
    if not digits.isascii():
        return "non_ascii_digit", "digits must be ASCII 0-9", None
    if rest:
        if rest[0] in ".,_" and len(rest) > 1 and rest[1].isdigit():
            return "not_an_integer", f"decimal point or digit separator {rest[0]!r} in the number", None
        if rest[0].isspace() and rest.strip()[:1].isdigit():
            return "bad_spacing", "space inside the number", None
        return "trailing_characters", f"text after the number: {_clip(rest)!r}", None
    if len(digits) > 1 and digits[0] == "0":
        return "leading_zero", "leading zeros are not allowed", None
    if negative and digits == "0":
        return "negative_zero", "zero must be written '0', not '-0'", None
    if len(digits) > _MAX_ANSWER_DIGITS:
        return "correct", f"a {len(digits)}-digit integer", None
    parsed = int(digits)
    return "correct", "well-formed", -parsed if negative else parsed


def _split_lines(text: str) -> list[str]:
    if "\r" not in text:
        return text.split("\n")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def score_strict(example: Any, completion: Any) -> Score:
    """The default instrument: exactly one line ``Final: <int>``, equal to expected_answer."""
    if not isinstance(completion, str):
        return _result("not_a_string", f"completion is {type(completion).__name__}, not a string", parsed=None)
    expected = expected_of(example)
    if expected is None:
        return _result("invalid_example", "the example has no integer expected_answer", parsed=None)
    text = completion.strip()
    if not text:
        return _result("empty_output", "the completion is empty or whitespace only", parsed=None)
    return _judged(text, expected)


def _judged(text: str, expected: int) -> Score:
    """The verdict on a stripped, non-empty completion: a canonical ``Final: <int>`` decided without
    splitting lines (the verdict is _scan's, built in place: tests/test_scoring.py checks the two
    agree), anything else scanned in full."""
    parsed = _canonical_final(text)
    if parsed is None:
        return _scan(text, expected)
    if parsed == expected:
        reward, outcome, reason = 1.0, "correct", f"parsed {parsed}, equals expected"
    else:
        reward, outcome, reason = 0.0, "wrong_answer", f"parsed {parsed}, expected {expected}"
    details = {"rule": _RULE_OF.get(outcome), "reason": reason, "parsed": parsed, "lines": 1, "final_line": text}
    return {"reward": reward, "outcome": outcome, "details": details}


def score_strict_all(example: Any, completions: Iterable[Any]) -> list[Score]:
    """:func:`score_strict` on each completion for one example: the same verdicts, with the example
    read once and a completion repeated scored once (its verdict is the one it would get again).

    Each distinct text is judged as :func:`score_strict` judges it (tests/test_scoring.py checks the two agree).
    """
    expected = expected_of(example)
    verdicts: list[Score] = []
    verdict_of: dict[str, Score] = {}
    for completion in completions:
        if expected is None or type(completion) is not str:  # not text, or no usable answer: score_strict says which
            verdicts.append(score_strict(example, completion))
            continue
        verdict = verdict_of.get(completion)
        if verdict is None:
            text = completion.strip()
            verdict = verdict_of[completion] = _judged(text, expected) if text else score_strict(example, completion)
        verdicts.append(verdict)
    return verdicts


def _canonical_final(text: str) -> int | None:
    """The integer if ``text`` is exactly ``Final: <canonical int of at most 16 digits>``, else None.

    Such a text is one line (no CR or LF is a digit) short enough never to be clipped, and every
    rule but ``matches_expected`` holds for it, so :func:`_scan` would reach the same verdict.
    """
    if not text.startswith("Final: "):
        return None
    number = text[7:]
    digits = number[1:] if number[:1] == "-" else number
    if not (0 < len(digits) <= _MAX_ANSWER_DIGITS and digits.isascii() and digits.isdigit()):
        return None
    if digits[0] == "0" and number != "0":  # leading zero, or -0
        return None
    return int(number)


def _scan(text: str, expected: int) -> Score:
    """The full check of a stripped, non-empty completion: every line scanned, each rule in turn."""
    if "\n" in text or "\r" in text:
        return _worked_final(text, expected) or _scan_lines(text, expected)
    return _scan_one_line(text, expected)


def _worked_final(text: str, expected: int) -> Score | None:
    """:func:`_scan_lines`'s verdict, built in place, on work followed by a canonical ``Final: <int>``
    line (the commonest way to miss: lines of working, then the answer); None for any other text.

    When "Final:" occurs once, at the start of the last of several lines, that line is the one
    Final line, and its value reads as :func:`_canonical_final` reads it: _scan_lines would
    find the extra lines and reach this verdict (tests/test_scoring.py checks the two agree).
    """
    cut = text.rfind("\n")
    if cut < 0 or "\r" in text or text.count("Final:") != 1:
        return None
    last = text[cut + 1:]
    parsed = _canonical_final(last)
    if parsed is None:
        return None
    return _extra_text(text.count("\n") + 1, _clip(last), parsed, parsed == expected)


def _extra_text(lines: int, final_line: str, parsed: int | None, matches: bool) -> Score:
    """The verdict on a Final line with other lines beside it: what :func:`_result` builds, built in
    place (the commonest way to miss)."""
    details = {"rule": "single_line", "reason": f"{lines - 1} line(s) besides the Final line", "parsed": parsed,
               "answer_matches": matches, "lines": lines, "final_line": final_line}
    return {"reward": 0.0, "outcome": "extra_text", "details": details}


def _scan_one_line(text: str, expected: int) -> Score:
    """:func:`_scan_lines` for a text of one line, with its verdicts built in place (same keys, same order)."""
    if not text.startswith("Final:"):
        if text[:5].lower() == "final":
            outcome, reason = "bad_prefix", f"prefix is not exactly 'Final:': {_clip(text)!r}"
        else:
            outcome, reason = "missing_final", "no line starts with 'Final:'"
        return {"reward": 0.0, "outcome": outcome, "details": {"rule": _RULE_OF[outcome], "reason": reason, "parsed": None, "lines": 1}}
    outcome, reason, parsed = parse_final_value(text[6:])
    if outcome != "correct":
        parsed = None
    elif parsed != expected:
        outcome, reason = "wrong_answer", f"parsed {reason if parsed is None else parsed}, expected {expected}"
    else:
        return {"reward": 1.0, "outcome": "correct", "details": {"rule": None, "reason": f"parsed {parsed}, equals expected",
                                                                  "parsed": parsed, "lines": 1, "final_line": _clip(text)}}
    return {"reward": 0.0, "outcome": outcome, "details": {"rule": _RULE_OF[outcome], "reason": reason, "parsed": parsed,
                                                          "lines": 1, "final_line": _clip(text)}}


def _scan_lines(text: str, expected: int) -> Score:
    """The general check, for any number of lines."""
    lines = _split_lines(text)
    if len(lines) == 1:  # the text is stripped: its one line needs no lstrip
        finals = [0] if text.startswith("Final:") else []
    else:
        finals = [i for i, line in enumerate(lines) if line.lstrip().startswith("Final:")]
    base: dict[str, Any] = {"lines": len(lines)}
    if not finals:
        if len(lines) == 1:
            near = text if text[:5].lower() == "final" else None
        else:
            near = next((ln for ln in lines if ln.lstrip()[:5].lower() == "final"), None)
        if near is not None and len(lines) == 1:
            return _result("bad_prefix", f"prefix is not exactly 'Final:': {_clip(near)!r}", parsed=None, **base)
        if near is not None:
            return _result("bad_prefix", f"no exact 'Final:' line; nearest: {_clip(near)!r}", parsed=None, **base)
        return _result("missing_final", "no line starts with 'Final:'", parsed=None, **base)
    if len(finals) > 1:
        return _result("multiple_final_lines", f"{len(finals)} lines start with 'Final:'", parsed=None, **base)
    final_line = lines[finals[0]]
    base["final_line"] = _clip(final_line)
    value_outcome, value_reason, parsed = parse_final_value(final_line.lstrip()[len("Final:"):])
    matches = value_outcome == "correct" and parsed == expected
    if len(lines) > 1:
        return _extra_text(len(lines), base["final_line"], parsed, matches)
    if value_outcome != "correct":
        return _result(value_outcome, value_reason, parsed=None, **base)
    if not matches:
        return _result("wrong_answer", f"parsed {value_reason if parsed is None else parsed}, expected {expected}", parsed=parsed, **base)
    return _result("correct", f"parsed {parsed}, equals expected", parsed=parsed, **base)


# --------------------------------------------------------------------------------------------
# The weak instrument (sabotage demos only).

WEAK_RULES: list[dict[str, str]] = [
    {"rule": "completion_is_text", "outcome": "not_a_string", "says": "the completion is a string"},
    {"rule": "example_is_valid", "outcome": "invalid_example", "says": "the example has an integer expected_answer"},
    {"rule": "non_empty", "outcome": "empty_output", "says": "the completion is not empty"},
    {"rule": "contains_expected", "outcome": "absent", "says": "the expected integer appears anywhere as a number"},
]


def _numbers_in(text: str) -> Any:
    """Yield each maximal run of ASCII digits, with a '-' kept when it directly precedes it."""
    i, n = 0, len(text)
    while i < n:
        if "0" <= text[i] <= "9":
            j = i
            while j < n and "0" <= text[j] <= "9":
                j += 1
            yield ("-" if i > 0 and text[i - 1] == "-" else "") + text[i:j]
            i = j
        else:
            i += 1


def score_weak(example: Any, completion: Any) -> Score:
    """Reward 1 if the expected integer appears anywhere as a number. Easy to exploit on purpose."""
    if not isinstance(completion, str):
        return {"reward": 0.0, "outcome": "not_a_string", "details": {"rule": "completion_is_text", "reason": "not a string", "parsed": None}}
    expected = expected_of(example)
    if expected is None:
        return {"reward": 0.0, "outcome": "invalid_example", "details": {"rule": "example_is_valid", "reason": "no integer expected_answer", "parsed": None}}
    if not completion.strip():
        return {"reward": 0.0, "outcome": "empty_output", "details": {"rule": "non_empty", "reason": "empty", "parsed": None}}
    target = str(expected)
    for number in _numbers_in(completion):
        if number.lstrip("-").lstrip("0") == target.lstrip("-").lstrip("0") and number.startswith("-") == target.startswith("-"):
            return {"reward": 1.0, "outcome": "contains_expected", "details": {"rule": None, "reason": f"found {target} somewhere in the text", "parsed": expected}}
    return {"reward": 0.0, "outcome": "absent", "details": {"rule": "contains_expected", "reason": f"{target} does not appear", "parsed": None}}


# --------------------------------------------------------------------------------------------
# The registry.


@dataclass(frozen=True)
class Scorer:
    """A named, versioned instrument and its machine-readable spec."""

    name: str
    version: str
    description: str
    rules: list[dict[str, str]]
    fn: Callable[[Any, Any], Score] = field(repr=False)
    module: dict[str, str] | None = None  # {"path", "sha256"} when loaded from a user's file
    fn_all: Callable[[Any, list[Any]], list[Score]] | None = field(default=None, repr=False)  # fn on many completions at once

    @property
    def spec(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "description": self.description, "rules": self.rules}

    @property
    def spec_fingerprint(self) -> str:
        return sha256_json(self.spec)

    def __call__(self, example: Any, completion: Any) -> Score:
        return self.fn(example, completion)

    def score_all(self, example: Any, completions: list[str]) -> list[Score]:
        """The verdict on each of ``completions`` for one example: what calling the scorer on each gives.

        A completion repeated is scored once: the scorer is deterministic, so the verdict is the
        one it would give again.
        """
        if self.fn_all is not None:
            return self.fn_all(example, completions)
        verdict_of: dict[str, Score] = {}
        for c in completions:
            if c not in verdict_of:
                verdict_of[c] = self.fn(example, c)
        return [verdict_of[c] for c in completions]


STRICT = Scorer(
    name="strict_final_int", version="1.0.0", rules=STRICT_RULES, fn=score_strict, fn_all=score_strict_all,
    description="exactly one line 'Final: <int>' after stripping surrounding whitespace; ASCII digits, optional '-', no '+', no leading zeros, no '-0'",
)
WEAK = Scorer(
    name="weak_contains", version="1.0.0", rules=WEAK_RULES, fn=score_weak,
    description="SABOTAGE ONLY: reward 1 if the expected integer appears anywhere in the completion",
)
SCORERS: dict[str, Scorer] = {s.name: s for s in (STRICT, WEAK)}
DEFAULT_SCORER = "strict_final_int"


def get_scorer(name: str = DEFAULT_SCORER) -> Scorer:
    """Look a scorer up by name; unknown names raise UserError listing the known ones."""
    from course_core.errors import UserError, did_you_mean

    if name not in SCORERS:
        hint = did_you_mean(name, SCORERS, f"known scorers: {', '.join(SCORERS)}")
        raise UserError(f"unknown scorer '{name}'", field="--scorer", hint=hint)
    return SCORERS[name]


def score(example: Any, completion: Any) -> Score:
    """Score with the default (strict) instrument."""
    return score_strict(example, completion)
