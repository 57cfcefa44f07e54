"""The golden sets: hand-written probes of the strict scorer, checked against it at generation time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from course_core.measurement.scoring import STRICT_RULES, WEAK, score
from data.gen.sim_policy import ARABIC_INDIC, FULLWIDTH, translate
from data.gen.templates import Item


@dataclass
class Probe:
    item: Item
    completion: Any
    outcome: str
    note: str
    example: dict[str, Any] | None = None
    weak_accepts: bool | None = None  # checked against weak_contains when set


def pick(items: list[Item], what: str, pred: Callable[[int], bool]) -> Item:
    for it in items:
        if pred(it.expected_answer):
            return it
    raise AssertionError(f"no dev item with {what}")


def golden_correct(dev: list[Item]) -> list[Probe]:
    two = pick(dev, "a two-digit answer", lambda a: 10 <= a <= 99)
    one = pick(dev, "a one-digit answer", lambda a: 1 <= a <= 9)
    neg = pick(dev, "a negative answer <= -10", lambda a: a <= -10)
    neg1 = pick(dev, "a one-digit negative answer", lambda a: -9 <= a <= -1)
    zero = pick(dev, "answer 0", lambda a: a == 0)
    big = max(dev, key=lambda it: (it.expected_answer, it.id))
    a, n, b = two.expected_answer, neg.expected_answer, big.expected_answer
    return [
        Probe(two, f"Final: {a}", "correct", "the canonical form"),
        Probe(one, f"Final: {one.expected_answer}", "correct", "single-digit answer"),
        Probe(two, f"Final: {a}\n", "correct", "trailing newline"),
        Probe(two, f"\n\nFinal: {a}\n\n", "correct", "blank lines around the Final line are stripped"),
        Probe(two, f"   Final: {a}   ", "correct", "spaces around the Final line are stripped"),
        Probe(two, f"\tFinal: {a}\t\n", "correct", "tabs around the Final line are stripped"),
        Probe(two, f"Final: {a}\r\n", "correct", "CRLF line ending"),
        Probe(two, f"Final: {a}\r", "correct", "bare CR line ending"),
        Probe(two, f"\u00a0Final: {a}\u00a0", "correct", "no-break spaces around the line are whitespace and stripped"),
        Probe(neg, f"Final: {n}", "correct", "negative answer"),
        Probe(neg, f"\r\nFinal: {n}\r\n", "correct", "negative answer with CRLF around it"),
        Probe(neg1, f"Final: {neg1.expected_answer}", "correct", "one-digit negative answer"),
        Probe(zero, "Final: 0", "correct", "zero is written 0"),
        Probe(zero, " \n Final: 0 \n ", "correct", "zero with whitespace around the line"),
        Probe(big, f"Final: {b}", "correct", "large answer, no separators"),
        Probe(big, f"Final: {b}\n", "correct", "large answer with trailing newline"),
    ]


def golden_exploits(dev: list[Item]) -> list[Probe]:
    two = pick(dev, "a two-digit answer", lambda a: 10 <= a <= 99)
    neg = pick(dev, "a negative answer <= -10", lambda a: a <= -10)
    zero = pick(dev, "answer 0", lambda a: a == 0)
    big = max(dev, key=lambda it: (it.expected_answer, it.id))
    a, s, n, b = two.expected_answer, str(two.expected_answer), neg.expected_answer, big.expected_answer
    return [
        # completion_is_text
        Probe(two, None, "not_a_string", "null completion (a crashed sampler)"),
        Probe(two, a, "not_a_string", "the right number, but as a JSON number rather than text"),
        # example_is_valid
        Probe(two, f"Final: {a}", "invalid_example", "expected_answer is the string "
              f"'{a}': the example is broken, so nothing can be scored correct", example={"id": two.id, "prompt": two.prompt, "expected_answer": s}),
        Probe(neg, f"Final: {n}", "invalid_example", "expected_answer is a string even though the text matches",
              example={"id": neg.id, "prompt": neg.prompt, "expected_answer": str(n)}),
        # non_empty
        Probe(two, "", "empty_output", "empty completion"),
        Probe(two, "  \n\t \r\n ", "empty_output", "whitespace only"),
        # has_final_line
        Probe(two, f"The answer is {a}.", "missing_final", "prose with the right number: weak_contains pays 1", weak_accepts=True),
        Probe(two, s, "missing_final", "bare number, no Final line: weak_contains pays 1", weak_accepts=True),
        Probe(two, f"**Final: {a}**", "missing_final", "markdown bold around the line"),
        Probe(two, f"\u200bFinal: {a}", "missing_final", "zero-width space before 'Final:' (not whitespace, so not stripped)"),
        # exact_prefix
        Probe(two, f"final: {a}", "bad_prefix", "lowercase prefix"),
        Probe(two, f"FINAL: {a}", "bad_prefix", "uppercase prefix"),
        Probe(two, f"Final answer: {a}", "bad_prefix", "'Final answer:' is not 'Final:'"),
        Probe(two, f"Final : {a}", "bad_prefix", "space before the colon"),
        # one_final_line
        Probe(two, f"Final: {a}\n" * 3, "multiple_final_lines", "the right Final line repeated: weak_contains pays 1", weak_accepts=True),
        Probe(two, f"Final: {a + 1}\nFinal: {a}", "multiple_final_lines", "hedging: a wrong Final line, then the right one"),
        # single_line
        Probe(two, f"Let me think step by step.\nThe result is {a}.\nFinal: {a}", "extra_text",
              "chain of thought before a correct Final line: weak_contains pays 1", weak_accepts=True),
        Probe(two, f"Final: {a}\nI hope this helps!", "extra_text", "chatter after the Final line"),
        # one_space
        Probe(two, f"Final:{a}", "bad_spacing", "no space after the colon"),
        Probe(two, f"Final:  {a}", "bad_spacing", "two spaces after the colon"),
        Probe(two, f"Final:\t{a}", "bad_spacing", "tab instead of a space"),
        Probe(two, f"Final:\u00a0{a}", "bad_spacing", "no-break space instead of an ASCII space"),
        Probe(two, f"Final: {s[0]} {s[1:]}", "bad_spacing", "space inside the number"),
        Probe(neg, f"Final: - {abs(n)}", "bad_spacing", "space between the minus sign and the digits"),
        # no_plus
        Probe(two, f"Final: +{a}", "plus_sign", "explicit plus sign"),
        # ascii_digits
        Probe(two, "Final: " + translate(s, ARABIC_INDIC), "non_ascii_digit", "Arabic-Indic digits (str.isdigit is true for them)"),
        Probe(two, "Final: " + translate(s, FULLWIDTH), "non_ascii_digit", "fullwidth digits (int() would accept them)"),
        # is_integer
        Probe(two, f"Final: {a}.0", "not_an_integer", "decimal point: the value equals the answer but is not an integer literal"),
        Probe(big, f"Final: {b:,}", "not_an_integer", "thousands separator"),
        Probe(two, "Final: forty-two" if a != 42 else "Final: forty-three", "not_an_integer", "number in words"),
        Probe(two, "Final:", "not_an_integer", "nothing after the colon"),
        Probe(two, f"Final: {s[0]}_{s[1:]}", "not_an_integer", "underscore digit separator (int() would accept it)"),
        # no_leading_zero
        Probe(two, f"Final: 0{a}", "leading_zero", "leading zero: weak_contains pays 1", weak_accepts=True),
        Probe(zero, "Final: 00", "leading_zero", "zero written with two digits"),
        Probe(neg, f"Final: -0{abs(n)}", "leading_zero", "leading zero after the minus sign"),
        # no_negative_zero
        Probe(zero, "Final: -0", "negative_zero", "negative zero"),
        # no_trailing_text
        Probe(two, f"Final: {a}.", "trailing_characters", "trailing period"),
        Probe(two, f"Final: {a} apples", "trailing_characters", "unit after the number"),
        Probe(two, f"Final: {a}\u200b", "trailing_characters", "invisible zero-width space after the number"),
        Probe(two, f"Final: {a}!", "trailing_characters", "trailing exclamation mark"),
        # matches_expected
        Probe(two, f"Final: {a + 1}", "wrong_answer", "off by one"),
        Probe(two, f"Final: {-a}", "wrong_answer", "sign flipped"),
        Probe(neg, f"Final: {-n}", "wrong_answer", "negative answer given as positive"),
        Probe(two, "Final: 0", "wrong_answer", "zero for a non-zero answer"),
        Probe(two, "Final: " + "9" * 10000, "wrong_answer", "a 10,000-digit number: parsed without int(), cannot match"),
        Probe(two, "Final: " + s + "0" * (10000 - len(s)), "wrong_answer", "10,000 digits that start with the right answer"),
    ]  # fmt: skip


def golden_rows(probes: list[Probe], accept: bool) -> list[dict[str, Any]]:
    """Check each probe against the scorers, then turn it into a golden row."""
    rows = []
    for p in probes:
        example = p.example if p.example is not None else p.item.row()
        got = score(example, p.completion)
        assert got["outcome"] == p.outcome, (p, got)
        want_reward = 1.0 if accept else 0.0
        assert got["reward"] == want_reward, (p, got)
        rule = "accept" if accept else got["details"]["rule"]
        assert accept == (got["details"]["rule"] is None), (p, got)
        if p.weak_accepts is not None:
            assert (WEAK(example, p.completion)["reward"] == 1.0) == p.weak_accepts, p
        row = {"id": p.item.id, "completion": p.completion, "expected_reward": want_reward, "expected_outcome": p.outcome, "rule": rule, "note": p.note}
        if p.example is not None:
            row["example"] = p.example
        rows.append(row)
    return rows


def check_golden(correct: list[dict[str, Any]], exploits: list[dict[str, Any]]) -> None:
    assert len(correct) >= 15 and len(exploits) >= 30
    covered = [row["rule"] for row in exploits]
    missing = [r["rule"] for r in STRICT_RULES if r["rule"] not in covered]
    assert not missing, f"golden_exploits misses rules: {missing}"
