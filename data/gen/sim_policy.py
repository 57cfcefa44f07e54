"""sim-policy-v1, the simulated policy: per item a difficulty profile; per sample a number and a way of writing it."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from data.gen.determinism import POLICY, rng_for, unit_hash
from data.gen.templates import Item

CATEGORY_DIFFICULTY = {
    "arithmetic": 0.10, "parentheses": 0.22, "division": 0.15, "negative": 0.25, "word_problem": 0.18, "multi_step": 0.35,
}  # fmt: skip
WORDY = ("word_problem", "multi_step")


@dataclass(frozen=True)
class Profile:
    """What the policy is like on one item: fixed per item, the same for every sampling seed."""

    p_right: float  # chance the sampled reasoning lands on the right number (0: never solved)
    p_format_fail: float  # chance the answer is not written as one clean 'Final: <int>' line
    nll_per_token: float  # average negative log-likelihood per token of a clean answer


def profile_of(item: Item) -> Profile:
    """Harder categories, more steps and longer answers lower the chance of the right number.

    Some items are beyond the policy altogether (more often the hard ones): it never reaches
    the right number there, and mostly repeats the item's trap instead.
    """
    r = rng_for(POLICY, "profile", item.id)
    digits = len(str(abs(item.expected_answer)))
    difficulty = (
        CATEGORY_DIFFICULTY[item.category]
        + 0.07 * (len(item.steps) - 1)
        + 0.06 * max(0, digits - 2)
        + r.gauss(0.0, 0.3)
    )
    p_right = min(0.97, max(0.10, 1.2 - 1.3 * difficulty))
    if r.random() < 0.06 + 0.3 * max(0.0, difficulty - 0.4):
        p_right = 0.0
    p_format_fail = 0.12 + (0.10 if item.category in WORDY else 0.0) + r.uniform(0.0, 0.12)
    nll = 0.05 + 0.25 * max(0.0, difficulty) + r.uniform(0.0, 0.05)
    return Profile(round(p_right, 6), round(p_format_fail, 6), round(nll, 6))


def wrong_value(item: Item, prof: Profile, r: random.Random) -> int:
    """A realistic mistake: the item's trap, an off-by-one, a slip, a sign error, a skipped step."""
    ans = item.expected_answer
    if item.trap is not None and r.random() < trap_chance(item, prof):
        return item.trap
    kinds = {"off_by_one": 35, "slip": 25, "carry": 15, "skipped_step": 15}
    if ans < 0 or item.category in ("negative", "parentheses"):
        kinds["sign"] = 10  # sign slips happen where signs are in play
    names = list(kinds)
    for _ in range(20):
        kind = r.choices(names, weights=[kinds[k] for k in names])[0]
        if kind == "off_by_one":
            v = ans + r.choice([-1, 1])
        elif kind == "slip":
            v = ans + r.choice([-1, 1]) * r.randint(2, 9)
        elif kind == "carry":
            v = ans + r.choice([-1, 1]) * r.choice([10, 100])
        elif kind == "sign":
            v = -ans
        else:  # skipped_step: stop one step early
            v = item.steps[-2][1] if len(item.steps) > 1 else ans + 1
        if v != ans:
            return v
    return ans + 1


FULLWIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
ARABIC_INDIC = {str(d): chr(0x0660 + d) for d in range(10)}
CHATTER = ["I hope this helps!", "Let me know if you need anything else.", "(checked twice)", "That is the answer."]
OPENERS = ["Let's work it out step by step.", "Step by step:", "Working:", "First, the numbers."]


def translate(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in text)


def render_cot(item: Item, v: int, r: random.Random) -> str:
    lines = [r.choice(OPENERS)]
    for expr, val in item.steps[:-1]:
        lines.append(f"{expr} = {val}")
    lines.append(f"{item.steps[-1][0]} = {v}")
    if r.random() < 0.5:
        lines.append(f"So the answer is {v}.")
    return "\n".join(lines) + f"\nFinal: {v}"


def render_self_correction(item: Item, v: int, r: random.Random) -> str:
    """Two Final lines: the policy 'rechecks' and changes its mind (to v)."""
    first = item.expected_answer if v != item.expected_answer else wrong_value(item, profile_of(item), r)
    return f"Final: {first}\nWait, let me recheck.\nFinal: {v}"


def render_units(item: Item, v: int, r: random.Random) -> str:
    return f"Final: {v}°C" if item.unit == "°C" else f"Final: {v} {item.unit}"


def render_clean(v: int, r: random.Random) -> str:
    """A correct-format line; sometimes with harmless surrounding whitespace."""
    return r.choices([f"Final: {v}", f"Final: {v}\n", f" Final: {v}", f"Final: {v} "], weights=[86, 8, 3, 3])[0]


# Format failures: name -> (weight, applies to the number v?, render). Weights are relative,
# among the modes that apply; the expected strict outcome is in data/README.md.
Mode = tuple[float, Callable[[Item, int], bool], Callable[[Item, int, random.Random], str]]
ALWAYS: Callable[[Item, int], bool] = lambda it, v: True  # noqa: E731

FORMAT_FAILURES: dict[str, Mode] = {
    "chain_of_thought": (20, ALWAYS, render_cot),
    "answer_is": (9, ALWAYS, lambda it, v, r: r.choice([f"The answer is {v}.", f"Answer: {v}", f"{v}", f"So the result is {v}."])),
    "markdown_bold": (2, ALWAYS, lambda it, v, r: f"**Final: {v}**"),
    "lowercase_final": (7, ALWAYS, lambda it, v, r: r.choice([f"final: {v}", f"FINAL: {v}"])),
    "final_answer_prefix": (4, ALWAYS, lambda it, v, r: f"Final answer: {v}"),
    "no_space": (6, ALWAYS, lambda it, v, r: f"Final:{v}"),
    "double_space": (3, ALWAYS, lambda it, v, r: f"Final:  {v}"),
    "plus_sign": (6, lambda it, v: v > 0, lambda it, v, r: f"Final: +{v}"),
    "leading_zero": (6, lambda it, v: v != 0, lambda it, v, r: f"Final: {'-' if v < 0 else ''}0{abs(v)}"),
    "negative_zero": (60, lambda it, v: v == 0, lambda it, v, r: "Final: -0"),
    "trailing_period": (8, ALWAYS, lambda it, v, r: f"Final: {v}."),
    "units": (4, lambda it, v: it.unit is not None, render_units),
    "currency": (4, lambda it, v: it.unit == "dollars" and v >= 0, lambda it, v, r: f"Final: ${v}"),
    "decimal": (4, ALWAYS, lambda it, v, r: f"Final: {v}.0"),
    "thousands_separator": (4, lambda it, v: abs(v) >= 1000, lambda it, v, r: f"Final: {v:,}"),
    "spaced_number": (1, lambda it, v: abs(v) >= 1000, lambda it, v, r: f"Final: {v:,}".replace(",", " ")),
    "self_correction": (5, ALWAYS, render_self_correction),
    "repeated_final": (3, ALWAYS, lambda it, v, r: f"Final: {v}\nFinal: {v}"),
    "chatter_after": (5, ALWAYS, lambda it, v, r: f"Final: {v}\n{r.choice(CHATTER)}"),
    "empty": (5, ALWAYS, lambda it, v, r: ""),
    "fullwidth_digits": (3, ALWAYS, lambda it, v, r: "Final: " + translate(str(v), FULLWIDTH)),
    "arabic_indic_digits": (2, ALWAYS, lambda it, v, r: "Final: " + translate(str(v), ARABIC_INDIC)),
}  # fmt: skip

TOKEN_RE = re.compile(r"\d{1,3}|[^\W\d_]+|\S")


def trap_chance(item: Item, prof: Profile) -> float:
    """How often a wrong answer is the item's trap (almost always, where the item is beyond reach)."""
    if item.trap is None or item.trap == item.expected_answer:
        return 0.0
    return 0.8 if prof.p_right == 0.0 else 0.4


def value_probability(item: Item, prof: Profile, v: int) -> float:
    """Roughly how likely the policy is to land on the number v."""
    if v == item.expected_answer:
        return max(prof.p_right, 0.001)
    t = trap_chance(item, prof)
    if v == item.trap:
        return (1.0 - prof.p_right) * t
    return (1.0 - prof.p_right) * (1.0 - t) * 0.12  # other slips spread over ~8 nearby numbers


def mode_probability(item: Item, prof: Profile, v: int, mode: str) -> float:
    """How likely the policy is to write v in this way."""
    if mode == "clean":
        return 1.0 - prof.p_format_fail
    names = eligible_modes(item, v)
    return prof.p_format_fail * FORMAT_FAILURES[mode][0] / sum(FORMAT_FAILURES[n][0] for n in names)


def sum_logprob(item: Item, prof: Profile, text: str, v: int, mode: str) -> float:
    """log P(number) + log P(way of writing it) - a per-token cost with stable per-text noise.

    So a number the policy often lands on (right, or a trap it keeps falling into) scores high,
    and longer completions score lower. A function of (item, number, mode, stripped text):
    identical completions, and clean ones that differ only in surrounding whitespace, tie.
    """
    key = text.strip()
    tokens = len(TOKEN_RE.findall(key)) + 1  # + end of sequence
    noise = 0.8 + 0.4 * unit_hash(POLICY, item.id, key)
    lp = math.log(value_probability(item, prof, v)) + math.log(mode_probability(item, prof, v, mode))
    lp -= prof.nll_per_token * tokens * noise
    return round(min(lp, -0.0001), 4)


@dataclass(frozen=True)
class Sample:
    completion: str
    sum_logprob: float
    mode: str
    right: bool


def eligible_modes(item: Item, v: int) -> list[str]:
    return [n for n in FORMAT_FAILURES if FORMAT_FAILURES[n][1](item, v)]


def sample(item: Item, r: random.Random) -> Sample:
    """One draw of sim-policy-v1 on an item."""
    prof = profile_of(item)
    right = r.random() < prof.p_right
    v = item.expected_answer if right else wrong_value(item, prof, r)
    if r.random() < prof.p_format_fail:
        names = eligible_modes(item, v)
        mode = r.choices(names, weights=[FORMAT_FAILURES[n][0] for n in names])[0]
        text = FORMAT_FAILURES[mode][2](item, v, r)
    else:
        mode, text = "clean", render_clean(v, r)
    return Sample(text, sum_logprob(item, prof, text, v, mode), mode, right)
