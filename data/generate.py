"""Build every file under data/ from fixed seeds: byte-identical on every run.

    python data/generate.py            (re)write the data files and print a summary
    python data/generate.py --check    regenerate in memory; exit 1 listing files that differ

Everything here is synthetic. The datasets are drawn from small templates (arithmetic and short
word problems with integer answers). The rollouts come from "sim-policy-v1", a simulated
policy: each item has a fixed difficulty profile (chance of reaching the right number, chance
of breaking the answer format), and each sample draws a number (right, or a realistic mistake)
and a way of writing it (clean ``Final: <int>``, or one of the format failures real models
show). The golden sets are hand-written probes of the strict scorer, checked against
``course_core.measurement.scoring.score`` here, at generation time, so they cannot drift from it.

Determinism: only stdlib, ``random.Random`` instances seeded with strings (hashed with
SHA-512 by the random module, so PYTHONHASHSEED does not matter), no iteration over sets,
fixed key order, ``\\n`` line endings, UTF-8.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent
ROOT = DATA.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course_core.measurement.scoring import SCORERS, STRICT_RULES, score  # noqa: E402

GENERATED_BY = "python data/generate.py"
POLICY = "sim-policy-v1"
FORMAT_LINE = "Output exactly one line: Final: <int>"

DEV_SEED = 1001
HOLDOUT_SEED = 2002
FROZEN_BASE_SEED = 3000  # the first seed >= this whose draw meets FROZEN checks is used
SELECTION_BASE_SEED = 4000  # likewise for the selection pack
SAMPLING = {"temperature": 0.8, "top_p": 0.95, "max_tokens": 128}
SELECTION_N = 8

STRICT = SCORERS["strict_final_int"]
WEAK = SCORERS["weak_contains"]


# ============================================================================================
# Small helpers


def rng_for(*parts: object) -> random.Random:
    """A fresh generator seeded by a string: independent of PYTHONHASHSEED and of call order."""
    return random.Random(":".join(str(p) for p in parts))


def unit_hash(*parts: object) -> float:
    """A stable number in [0, 1) for the given parts (used for deterministic 'noise')."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return int(digest[:13], 16) / 16**13


def jsonl_bytes(rows: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


def json_bytes(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def rate(hits: int, n: int) -> float:
    return hits / n if n else 0.0


# ============================================================================================
# Datasets: templates


@dataclass
class Problem:
    """One generated problem, with the worked steps the simulated policy may 'think aloud'."""

    question: str
    answer: int
    steps: list[tuple[str, int]]  # (expression, value); the last value is the answer
    trap: int | None = None  # a tempting wrong answer (precedence, sign, forgotten step)
    unit: str | None = None  # what the number counts, for "Final: 12 km"-style failures


@dataclass
class Item:
    id: str
    prompt: str
    expected_answer: int
    category: str
    template: str
    steps: list[tuple[str, int]] = field(repr=False)
    trap: int | None = None
    unit: str | None = None

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "prompt": self.prompt, "expected_answer": self.expected_answer, "category": self.category}


NAMES = ["Maya", "Tom", "Ana", "Ravi", "Lena", "Omar", "Kofi", "Sara", "Jun", "Ines", "Pablo", "Noor"]
GOODS = [("notebooks", "a pen"), ("pencils", "an eraser"), ("apples", "a bag"), ("cards", "a box"), ("socks", "a hat")]
TOWNS = ["Northfield", "the mountains", "the coast", "Lakeside", "the capital"]


def t_add(r: random.Random) -> Problem:
    a, b = r.randint(12, 899), r.randint(12, 899)
    return Problem(f"What is {a} + {b}?", a + b, [(f"{a} + {b}", a + b)])


def t_sub(r: random.Random) -> Problem:
    a = r.randint(100, 999)
    b = r.randint(11, a - 1)
    return Problem(f"Compute {a} - {b}.", a - b, [(f"{a} - {b}", a - b)], trap=b - a)


def t_mul(r: random.Random) -> Problem:
    a, b = r.randint(3, 29), r.randint(3, 29)
    return Problem(f"Calculate {a} * {b}.", a * b, [(f"{a} * {b}", a * b)])


def t_big_mul(r: random.Random) -> Problem:
    a = r.randint(101, 319)
    b = r.randint(101, min(309, 99999 // a))
    ans = a * b
    hi, lo = b // 10 * 10, b % 10
    return Problem(f"Calculate {a} * {b}.", ans, [(f"{a} * {hi}", a * hi), (f"{a} * {lo}", a * lo), (f"{a * hi} + {a * lo}", ans)], trap=a * hi + lo)


def t_precedence(r: random.Random) -> Problem:
    a, b, c = r.randint(2, 40), r.randint(2, 12), r.randint(2, 12)
    return Problem(f"What is {a} + {b} * {c}?", a + b * c, [(f"{b} * {c}", b * c), (f"{a} + {b * c}", a + b * c)], trap=(a + b) * c)


def t_chain(r: random.Random) -> Problem:
    a, b, c, d = r.randint(50, 300), r.randint(5, 60), r.randint(5, 60), r.randint(5, 60)
    s1, s2 = a - b, a - b + c
    return Problem(f"Compute {a} - {b} + {c} - {d}.", s2 - d, [(f"{a} - {b}", s1), (f"{s1} + {c}", s2), (f"{s2} - {d}", s2 - d)], trap=a - b - c - d)


def t_zero_cancel(r: random.Random) -> Problem:
    a, b = r.randint(3, 25), r.randint(3, 25)
    c = a * b
    return Problem(f"What is {a} * {b} - {c}?", 0, [(f"{a} * {b}", c), (f"{c} - {c}", 0)], trap=a * (b - c))


def t_paren_sum_times(r: random.Random) -> Problem:
    a, b, c = r.randint(2, 60), r.randint(2, 60), r.randint(2, 15)
    return Problem(f"Compute ({a} + {b}) * {c}.", (a + b) * c, [(f"{a} + {b}", a + b), (f"{a + b} * {c}", (a + b) * c)], trap=a + b * c)


def t_paren_times_diff(r: random.Random) -> Problem:
    a, b, c = r.randint(2, 15), r.randint(2, 40), r.randint(2, 40)
    return Problem(f"What is {a} * ({b} - {c})?", a * (b - c), [(f"{b} - {c}", b - c), (f"{a} * {b - c}", a * (b - c))], trap=a * b - c)


def t_paren_two(r: random.Random) -> Problem:
    a, b, c, d = r.randint(10, 50), r.randint(2, 30), r.randint(2, 9), r.randint(2, 9)
    x, y = a - b, c + d
    return Problem(f"Compute ({a} - {b}) * ({c} + {d}).", x * y, [(f"{a} - {b}", x), (f"{c} + {d}", y), (f"{x} * {y}", x * y)], trap=a - b * c + d)


def t_paren_nested(r: random.Random) -> Problem:
    a, b, c = r.randint(20, 200), r.randint(10, 90), r.randint(2, 60)
    return Problem(f"What is {a} - ({b} - {c})?", a - (b - c), [(f"{b} - {c}", b - c), (f"{a} - {b - c}", a - (b - c))], trap=a - b - c)


def t_div(r: random.Random) -> Problem:
    q, b = r.randint(3, 60), r.randint(2, 19)
    p = q * b
    return Problem(f"Compute {p} / {b}. (It divides exactly.)", q, [(f"{p} / {b}", q)], trap=q + 1)


def t_div_sum(r: random.Random) -> Problem:
    c, q = r.randint(2, 12), r.randint(3, 40)
    total = c * q
    x = r.randint(1, total - 1)
    y = total - x
    return Problem(f"What is ({x} + {y}) / {c}?", q, [(f"{x} + {y}", total), (f"{total} / {c}", q)], trap=x + y // c if y % c == 0 else None)


def t_div_minus(r: random.Random) -> Problem:
    q, b = r.randint(2, 30), r.randint(2, 12)
    d = r.randint(1, 60)
    return Problem(f"Compute {q * b} / {b} - {d}.", q - d, [(f"{q * b} / {b}", q), (f"{q} - {d}", q - d)], trap=d - q if q != d else None)


def t_div_product(r: random.Random) -> Problem:
    b, c, q = r.randint(2, 9), r.randint(2, 9), r.randint(2, 25)
    p = b * c * q
    return Problem(f"What is {p} / ({b} * {c})?", q, [(f"{b} * {c}", b * c), (f"{p} / {b * c}", q)], trap=p // b * c)


def t_neg_sub(r: random.Random) -> Problem:
    a = r.randint(5, 200)
    b = r.randint(a + 1, a + 300)
    return Problem(f"Compute {a} - {b}.", a - b, [(f"{a} - {b}", a - b)], trap=b - a)


def t_neg_add(r: random.Random) -> Problem:
    a = r.randint(20, 300)
    b = r.randint(1, a - 1)
    return Problem(f"What is -{a} + {b}?", b - a, [(f"-{a} + {b}", b - a)], trap=a - b)


def t_neg_mul(r: random.Random) -> Problem:
    a, b = r.randint(2, 30), r.randint(2, 30)
    return Problem(f"Calculate {a} * (-{b}).", -a * b, [(f"{a} * (-{b})", -a * b)], trap=a * b)


def t_neg_both(r: random.Random) -> Problem:
    a, b = r.randint(5, 150), r.randint(5, 150)
    return Problem(f"Compute -{a} - {b}.", -a - b, [(f"-{a} - {b}", -a - b)], trap=b - a if b != a else -a - b + 1)


def t_neg_times_neg(r: random.Random) -> Problem:
    a, b = r.randint(2, 25), r.randint(2, 25)
    return Problem(f"What is (-{a}) * (-{b})?", a * b, [(f"(-{a}) * (-{b})", a * b)], trap=-a * b)


def t_temperature_drop(r: random.Random) -> Problem:
    t = r.randint(1, 15)
    d = r.randint(t + 1, t + 20)
    town = r.choice(TOWNS)
    q = f"At 6 pm the temperature in {town} was {t}°C. Overnight it fell by {d} degrees. What was the temperature in the morning, in °C?"
    return Problem(q, t - d, [(f"{t} - {d}", t - d)], trap=d - t, unit="°C")


def t_temperature_zero(r: random.Random) -> Problem:
    t = r.randint(2, 18)
    q = f"The temperature was -{t}°C at dawn. By noon it had risen by {t} degrees. What was the temperature at noon, in °C?"
    return Problem(q, 0, [(f"-{t} + {t}", 0)], trap=2 * t, unit="°C")


def floors(n: int) -> str:
    return f"{n} floor" if n == 1 else f"{n} floors"


def t_elevator(r: random.Random, zero: bool = False) -> Problem:
    f = r.randint(1, 8)
    d = r.randint(f + 3, f + 12)
    u = d - f if zero else r.randint(1, d - f - 1)
    ans = f - d + u
    q = (
        f"A lift starts on floor {f}. It goes down {floors(d)} and then up {floors(u)}. The ground floor is floor 0 "
        f"and floors below it are numbered -1, -2, and so on. Which floor is the lift on now?"
    )
    return Problem(q, ans, [(f"{f} - {d}", f - d), (f"{f - d} + {u}", ans)], trap=f + d - u)


def t_elevator_zero(r: random.Random) -> Problem:
    return t_elevator(r, zero=True)


def t_debt(r: random.Random) -> Problem:
    name = r.choice(NAMES)
    n, b = r.randint(2, 6), r.randint(15, 90)
    s = r.randint(10, n * b - 1)
    q = (
        f"{name}'s bank account holds ${s}. {name} pays {n} bills of ${b} each. What is the balance now, in dollars? "
        f"(A negative balance means money is owed.)"
    )
    return Problem(q, s - n * b, [(f"{n} * {b}", n * b), (f"{s} - {n * b}", s - n * b)], trap=s - b, unit="dollars")


def t_shopping_total(r: random.Random) -> Problem:
    name, (goods, extra) = r.choice(NAMES), r.choice(GOODS)
    n, p, x = r.randint(2, 12), r.randint(2, 15), r.randint(1, 9)
    q = f"{name} buys {n} {goods} at ${p} each and {extra} for ${x}. How many dollars does {name} spend in total?"
    return Problem(q, n * p + x, [(f"{n} * {p}", n * p), (f"{n * p} + {x}", n * p + x)], trap=n * p, unit="dollars")


def t_shopping_change(r: random.Random) -> Problem:
    name, (goods, _) = r.choice(NAMES), r.choice(GOODS)
    n, p = r.randint(2, 9), r.randint(2, 11)
    bill = next(v for v in (20, 50, 100, 200) if v > n * p)
    q = f"{name} buys {n} {goods} at ${p} each and pays with a ${bill} bill. How many dollars of change does {name} get?"
    return Problem(q, bill - n * p, [(f"{n} * {p}", n * p), (f"{bill} - {n * p}", bill - n * p)], trap=n * p, unit="dollars")


def t_ages(r: random.Random) -> Problem:
    a, b = r.sample(NAMES, 2)
    x, d, k = r.randint(14, 60), r.randint(2, 12), r.randint(2, 20)
    q = f"{a} is {x} years old. {b} is {d} years younger than {a}. How old will {b} be in {k} years?"
    return Problem(q, x - d + k, [(f"{x} - {d}", x - d), (f"{x - d} + {k}", x - d + k)], trap=x - d, unit="years")


def t_train(r: random.Random) -> Problem:
    v, t = r.randint(6, 24) * 5, r.randint(2, 9)
    q = f"A train travels at {v} km/h for {t} hours. How many kilometres does it cover?"
    return Problem(q, v * t, [(f"{v} * {t}", v * t)], trap=v + t, unit="km")


def t_sharing(r: random.Random) -> Problem:
    k, each = r.randint(3, 12), r.randint(2, 15)
    q = f"{k * each} stickers are shared equally among {k} children. How many stickers does each child get?"
    return Problem(q, each, [(f"{k * each} / {k}", each)], trap=each + 1, unit="stickers")


def t_sharing_zero(r: random.Random) -> Problem:
    k, each = r.randint(3, 9), r.randint(2, 8)
    q = f"{k * each} cookies are shared equally among {k} friends. Each friend then eats {each} cookies. How many cookies does each friend have left?"
    return Problem(q, 0, [(f"{k * each} / {k}", each), (f"{each} - {each}", 0)], trap=each, unit="cookies")


def t_perimeter(r: random.Random) -> Problem:
    w, ln = r.randint(3, 40), r.randint(3, 40)
    q = f"A garden is {w} m wide and {ln} m long. What is its perimeter, in metres?"
    return Problem(q, 2 * (w + ln), [(f"{w} + {ln}", w + ln), (f"2 * {w + ln}", 2 * (w + ln))], trap=w * ln if w * ln != 2 * (w + ln) else w + ln)


def t_train_two_legs(r: random.Random) -> Problem:
    v, t, w, s = r.randint(8, 30) * 5, r.randint(2, 6), r.randint(8, 30) * 5, r.randint(1, 5)
    q = f"A train travels at {v} km/h for {t} hours, then at {w} km/h for {s} hours. How many kilometres does it travel in total?"
    steps = [(f"{v} * {t}", v * t), (f"{w} * {s}", w * s), (f"{v * t} + {w * s}", v * t + w * s)]
    return Problem(q, v * t + w * s, steps, trap=(v + w) * (t + s), unit="km")


def t_inventory(r: random.Random) -> Problem:
    s, a, b = r.randint(80, 300), r.randint(10, 60), r.randint(10, 60)
    c, d = r.randint(2, 8), r.randint(6, 24)
    left = s - a - b
    q = (
        f"A shop has {s} apples. It sells {a} in the morning and {b} in the afternoon, then receives {c} boxes "
        f"of {d} apples each. How many apples does it have now?"
    )
    steps = [(f"{s} - {a}", s - a), (f"{s - a} - {b}", left), (f"{c} * {d}", c * d), (f"{left} + {c * d}", left + c * d)]
    return Problem(q, left + c * d, steps, trap=left + c, unit="apples")


def t_ages_sum(r: random.Random) -> Problem:
    a, b = r.sample(NAMES, 2)
    x, d, m = r.randint(4, 15), r.randint(2, 9), r.randint(3, 5)
    q = f"{a} is {x} years old. {b} is {d} years older than {a}. Their mother is {m} times {a}'s age. What is the sum of the three ages?"
    steps = [(f"{x} + {d}", x + d), (f"{m} * {x}", m * x), (f"{x} + {x + d} + {m * x}", x + x + d + m * x)]
    return Problem(q, 2 * x + d + m * x, steps, trap=x + d + m * x, unit="years")


def t_savings(r: random.Random) -> Problem:
    name = r.choice(NAMES)
    x, w, y, z = r.randint(5, 30), r.randint(3, 12), r.randint(40, 250), r.randint(10, 60)
    saved = x * w
    q = (
        f"{name} saves ${x} a week for {w} weeks, then buys a bike for ${y} and a helmet for ${z}. "
        f"How many dollars are left? (A negative number means {name} is short of money.)"
    )
    steps = [(f"{x} * {w}", saved), (f"{saved} - {y}", saved - y), (f"{saved - y} - {z}", saved - y - z)]
    return Problem(q, saved - y - z, steps, trap=saved - y, unit="dollars")


def t_buses(r: random.Random) -> Problem:
    c, n_bus, p = r.randint(20, 50), r.randint(2, 7), r.randint(150, 600)
    q = f"{c * n_bus} students go on a trip. Each bus seats exactly {c} students and costs ${p}. How many dollars do the buses cost in total?"
    steps = [(f"{c * n_bus} / {c}", n_bus), (f"{n_bus} * {p}", n_bus * p)]
    return Problem(q, n_bus * p, steps, trap=(n_bus + 1) * p, unit="dollars")


def t_temperature_multi(r: random.Random) -> Problem:
    t, a, b, c = r.randint(2, 14), r.randint(3, 12), r.randint(3, 15), r.randint(1, 9)
    q = (
        f"At noon it is {t}°C. The temperature falls {a} degrees by evening and another {b} degrees overnight, "
        f"then rises {c} degrees by morning. What is the morning temperature, in °C?"
    )
    steps = [(f"{t} - {a}", t - a), (f"{t - a} - {b}", t - a - b), (f"{t - a - b} + {c}", t - a - b + c)]
    return Problem(q, t - a - b + c, steps, trap=t - a - b - c, unit="°C")


# (template name, function, category)
TEMPLATES: dict[str, tuple[Callable[[random.Random], Problem], str]] = {
    "add": (t_add, "arithmetic"),
    "sub": (t_sub, "arithmetic"),
    "mul": (t_mul, "arithmetic"),
    "big_mul": (t_big_mul, "arithmetic"),
    "precedence": (t_precedence, "arithmetic"),
    "chain": (t_chain, "arithmetic"),
    "zero_cancel": (t_zero_cancel, "arithmetic"),
    "paren_sum_times": (t_paren_sum_times, "parentheses"),
    "paren_times_diff": (t_paren_times_diff, "parentheses"),
    "paren_two": (t_paren_two, "parentheses"),
    "paren_nested": (t_paren_nested, "parentheses"),
    "div": (t_div, "division"),
    "div_sum": (t_div_sum, "division"),
    "div_minus": (t_div_minus, "division"),
    "div_product": (t_div_product, "division"),
    "neg_sub": (t_neg_sub, "negative"),
    "neg_add": (t_neg_add, "negative"),
    "neg_mul": (t_neg_mul, "negative"),
    "neg_both": (t_neg_both, "negative"),
    "neg_times_neg": (t_neg_times_neg, "negative"),
    "temperature_drop": (t_temperature_drop, "negative"),
    "temperature_zero": (t_temperature_zero, "negative"),
    "elevator": (t_elevator, "negative"),
    "elevator_zero": (t_elevator_zero, "negative"),
    "debt": (t_debt, "negative"),
    "shopping_total": (t_shopping_total, "word_problem"),
    "shopping_change": (t_shopping_change, "word_problem"),
    "ages": (t_ages, "word_problem"),
    "train": (t_train, "word_problem"),
    "sharing": (t_sharing, "word_problem"),
    "sharing_zero": (t_sharing_zero, "word_problem"),
    "perimeter": (t_perimeter, "word_problem"),
    "train_two_legs": (t_train_two_legs, "multi_step"),
    "inventory": (t_inventory, "multi_step"),
    "ages_sum": (t_ages_sum, "multi_step"),
    "savings": (t_savings, "multi_step"),
    "buses": (t_buses, "multi_step"),
    "temperature_multi": (t_temperature_multi, "multi_step"),
}

# How many items of each template each split holds (dev: 120, holdout: 60).
DEV_PLAN = {
    "add": 4, "sub": 4, "mul": 6, "big_mul": 4, "precedence": 4, "chain": 3, "zero_cancel": 2,
    "paren_sum_times": 4, "paren_times_diff": 5, "paren_two": 4, "paren_nested": 3,
    "div": 4, "div_sum": 4, "div_minus": 3, "div_product": 3,
    "neg_sub": 3, "neg_add": 3, "neg_mul": 3, "neg_both": 2, "neg_times_neg": 2,
    "temperature_drop": 3, "temperature_zero": 1, "elevator": 2, "elevator_zero": 1, "debt": 2,
    "shopping_total": 4, "shopping_change": 4, "ages": 4, "train": 3, "sharing": 3, "sharing_zero": 2, "perimeter": 3,
    "train_two_legs": 3, "inventory": 3, "ages_sum": 3, "savings": 3, "buses": 3, "temperature_multi": 3,
}  # fmt: skip
HOLDOUT_PLAN = {
    "add": 2, "sub": 2, "mul": 2, "big_mul": 2, "precedence": 2, "chain": 2, "zero_cancel": 1,
    "paren_sum_times": 2, "paren_times_diff": 2, "paren_two": 2, "paren_nested": 2,
    "div": 2, "div_sum": 2, "div_minus": 2, "div_product": 1,
    "neg_sub": 2, "neg_add": 1, "neg_mul": 1, "neg_both": 1, "neg_times_neg": 1,
    "temperature_drop": 2, "temperature_zero": 1, "elevator": 1, "elevator_zero": 1, "debt": 1,
    "shopping_total": 2, "shopping_change": 2, "ages": 2, "train": 1, "sharing": 1, "sharing_zero": 1, "perimeter": 2,
    "train_two_legs": 2, "inventory": 2, "ages_sum": 1, "savings": 2, "buses": 1, "temperature_multi": 1,
}  # fmt: skip


def build_split(prefix: str, plan: dict[str, int], seed: int, taken: dict[str, str]) -> list[Item]:
    """Draw the planned items in a seeded shuffled order; prompts never repeat across splits."""
    r = rng_for("dataset", prefix, seed)
    order = [name for name in plan for _ in range(plan[name])]
    r.shuffle(order)
    items: list[Item] = []
    for i, name in enumerate(order, start=1):
        fn, category = TEMPLATES[name]
        for _attempt in range(100):
            problem = fn(r)
            prompt = f"{problem.question}\n{FORMAT_LINE}"
            if prompt not in taken:
                break
        else:
            raise AssertionError(f"could not draw a fresh {name} problem")
        item_id = f"{prefix}-{i:04d}"
        taken[prompt] = item_id
        items.append(Item(item_id, prompt, problem.answer, category, name, problem.steps, problem.trap, problem.unit))
    check_split(prefix, items)
    return items


def check_split(prefix: str, items: list[Item]) -> None:
    for it in items:
        assert it.steps[-1][1] == it.expected_answer, it
        assert abs(it.expected_answer) < 100000, it
        assert it.prompt.endswith(FORMAT_LINE), it
    answers = [it.expected_answer for it in items]
    assert sum(1 for a in answers if a == 0) >= 3, f"{prefix}: too few zero answers"
    assert sum(1 for a in answers if a < 0) >= 10, f"{prefix}: too few negative answers"
    assert any(a >= 10000 for a in answers), f"{prefix}: no large answer"


# ============================================================================================
# The simulated policy (sim-policy-v1)

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


# ============================================================================================
# Rollouts


def strict_ok(item: Item, completion: Any) -> bool:
    return STRICT(item.row(), completion)["reward"] == 1.0


def weak_ok(item: Item, completion: Any) -> bool:
    return WEAK(item.row(), completion)["reward"] == 1.0


def draw_frozen(items: list[Item], seed: int) -> list[Sample]:
    return [sample(it, rng_for(POLICY, seed, it.id, 0)) for it in items]


def draw_selection(items: list[Item], seed: int) -> list[list[Sample]]:
    return [[sample(it, rng_for(POLICY, seed, it.id, k)) for k in range(SELECTION_N)] for it in items]


REQUIRED_OUTCOMES = ["correct"] + [r["outcome"] for r in STRICT_RULES if r["outcome"] not in ("not_a_string", "invalid_example")]


def frozen_stats(items: list[Item], draws: list[Sample]) -> dict[str, Any]:
    outcomes = [STRICT(it.row(), s.completion)["outcome"] for it, s in zip(items, draws)]
    counts = {o: outcomes.count(o) for o in REQUIRED_OUTCOMES}
    strict = sum(1 for o in outcomes if o == "correct")
    weak = sum(1 for it, s in zip(items, draws) if weak_ok(it, s.completion))
    return {"n": len(items), "strict": rate(strict, len(items)), "weak": rate(weak, len(items)), "outcomes": counts}


def frozen_problems(stats: dict[str, Any]) -> list[str]:
    problems = [f"outcome {o} absent" for o in REQUIRED_OUTCOMES if stats["outcomes"][o] == 0]
    if not 0.50 <= stats["strict"] <= 0.60:
        problems.append(f"strict pass rate {stats['strict']:.3f} outside [0.50, 0.60]")
    if stats["weak"] - stats["strict"] < 0.10:
        problems.append("weak scorer not clearly above strict")
    return problems


def selection_stats(items: list[Item], draws: list[list[Sample]]) -> dict[str, Any]:
    n = len(items)
    ok = [[strict_ok(it, s.completion) for s in row] for it, row in zip(items, draws)]
    tie_items = same_length_tie_items = dup_items = multi_correct = 0
    for row, flags in zip(draws, ok):
        texts = [s.completion for s in row]
        if len(dict.fromkeys(texts)) < len(texts):
            dup_items += 1
        correct = list(dict.fromkeys((s.sum_logprob, s.completion) for s, f in zip(row, flags) if f))
        multi_correct += sum(flags) >= 2
        lps = [lp for lp, _ in correct]
        tied = [c for lp, c in correct if lps.count(lp) >= 2]
        if tied:
            tie_items += 1
            lengths = [len(c) for c in tied]
            same_length_tie_items += any(lengths.count(x) >= 2 for x in lengths)
    return {
        "n": n,
        "pass@1": rate(sum(f[0] for f in ok), n),
        "pass@4": rate(sum(any(f[:4]) for f in ok), n),
        "pass@8": rate(sum(any(f) for f in ok), n),
        "mean": rate(sum(sum(f) for f in ok), n * SELECTION_N),
        "never_solved": sum(not any(f) for f in ok),
        "multi_correct_items": multi_correct,
        "equal_logprob_correct_items": tie_items,
        "equal_logprob_equal_length_items": same_length_tie_items,
        "duplicate_items": dup_items,
    }


def selection_problems(st: dict[str, Any]) -> list[str]:
    checks = [
        (st["pass@1"] < st["pass@4"] < st["pass@8"], "pass@1 < pass@4 < pass@8"),
        (0.42 <= st["pass@1"] <= 0.58, "pass@1 in [0.42, 0.58]"),
        (0.68 <= st["pass@4"] <= 0.82, "pass@4 in [0.68, 0.82]"),
        (st["pass@8"] - st["pass@4"] >= 0.04, "pass@8 at least 0.04 above pass@4"),
        (0.80 <= st["pass@8"] <= 0.90, "pass@8 in [0.80, 0.90]"),
        (0.44 <= st["mean"] <= 0.56, "mean per-sample pass in [0.44, 0.56]"),
        (st["never_solved"] >= 8, "at least 8 items never solved"),
        (st["multi_correct_items"] >= st["n"] // 2, "half the items have >= 2 correct samples"),
        (st["equal_logprob_correct_items"] >= 5, "distinct correct samples with equal sum_logprob on >= 5 items"),
        (st["equal_logprob_equal_length_items"] >= 2, "... and of equal length on >= 2 items"),
        (st["duplicate_items"] >= st["n"] // 4, "duplicate completions on >= 1/4 of items"),
    ]
    return [f"want {what}" for good, what in checks if not good]


def first_good_seed(base: int, draw: Callable[[int], Any], problems: Callable[[Any], list[str]], tries: int = 2000) -> tuple[int, Any]:
    """The first seed from ``base`` whose draw passes every check (documented in data/README.md)."""
    last: list[str] = []
    for seed in range(base, base + tries):
        result = draw(seed)
        last = problems(result)
        if not last:
            return seed, result
    raise AssertionError(f"no seed in [{base}, {base + tries}) passes; last problems: {last}")


def sidecar(seed: int, n: int) -> dict[str, Any]:
    return {"policy": POLICY, **SAMPLING, "seed": seed, "n": n, "synthetic": True, "generated_by": GENERATED_BY}


# ============================================================================================
# Golden sets: probes of the strict scorer


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


# ============================================================================================
# Putting it together


@dataclass
class Build:
    files: dict[str, bytes]  # path relative to data/ -> content
    summary: list[str]


def build() -> Build:
    taken: dict[str, str] = {}
    dev = build_split("dev", DEV_PLAN, DEV_SEED, taken)
    holdout = build_split("hold", HOLDOUT_PLAN, HOLDOUT_SEED, taken)
    assert len(dev) == 120 and len(holdout) == 60

    f_seed, frozen = first_good_seed(FROZEN_BASE_SEED, lambda s: draw_frozen(dev, s), lambda d: frozen_problems(frozen_stats(dev, d)))
    s_seed, pack = first_good_seed(SELECTION_BASE_SEED, lambda s: draw_selection(dev, s), lambda d: selection_problems(selection_stats(dev, d)))
    fst, sst = frozen_stats(dev, frozen), selection_stats(dev, pack)
    assert 0.45 <= fst["strict"] <= 0.65

    correct = golden_rows(golden_correct(dev), accept=True)
    exploits = golden_rows(golden_exploits(dev), accept=False)
    check_golden(correct, exploits)

    files = {
        "datasets/math_dev.jsonl": jsonl_bytes(it.row() for it in dev),
        "datasets/math_holdout.jsonl": jsonl_bytes(it.row() for it in holdout),
        "rollouts/frozen_rollouts_dev.jsonl": jsonl_bytes(
            {"id": it.id, "completion": s.completion, "sum_logprob": s.sum_logprob} for it, s in zip(dev, frozen)
        ),
        "rollouts/frozen_rollouts_dev.sampling.json": json_bytes(sidecar(f_seed, 1)),
        "rollouts/selection_pack_dev.jsonl": jsonl_bytes(
            {"id": it.id, "samples": [{"completion": s.completion, "sum_logprob": s.sum_logprob} for s in row]} for it, row in zip(dev, pack)
        ),
        "rollouts/selection_pack_dev.sampling.json": json_bytes(sidecar(s_seed, SELECTION_N)),
        "golden/golden_correct.jsonl": jsonl_bytes(correct),
        "golden/golden_exploits.jsonl": jsonl_bytes(exploits),
    }
    summary = summarize(dev, holdout, fst, sst, f_seed, s_seed, correct, exploits)
    return Build(files, summary)


def summarize(
    dev: list[Item],
    holdout: list[Item],
    fst: dict[str, Any],
    sst: dict[str, Any],
    f_seed: int,
    s_seed: int,
    correct: list[dict[str, Any]],
    exploits: list[dict[str, Any]],
) -> list[str]:
    def cats(items: list[Item]) -> str:
        names = list(dict.fromkeys(it.category for it in items))
        return ", ".join(f"{c} {sum(1 for it in items if it.category == c)}" for c in names)

    def signs(items: list[Item]) -> str:
        answers = [it.expected_answer for it in items]
        return f"{sum(a < 0 for a in answers)} negative, {sum(a == 0 for a in answers)} zero, max |answer| {max(abs(a) for a in answers)}"

    outcomes = ", ".join(f"{o} {c}" for o, c in fst["outcomes"].items())
    return [
        f"math_dev:      {len(dev)} items ({cats(dev)}); {signs(dev)}",
        f"math_holdout:  {len(holdout)} items ({cats(holdout)}); {signs(holdout)}",
        f"frozen (seed {f_seed}): strict pass {fst['strict']:.3f}, weak pass {fst['weak']:.3f}",
        f"  strict outcomes: {outcomes}",
        f"selection (seed {s_seed}, n={SELECTION_N}): pass@1 {sst['pass@1']:.3f}, pass@4 {sst['pass@4']:.3f}, "
        f"pass@8 {sst['pass@8']:.3f}, mean per-sample {sst['mean']:.3f}",
        f"  never solved {sst['never_solved']}, >=2 correct {sst['multi_correct_items']}, equal-logprob correct pairs on "
        f"{sst['equal_logprob_correct_items']} items ({sst['equal_logprob_equal_length_items']} also equal length), "
        f"duplicates on {sst['duplicate_items']} items",
        f"golden: {len(correct)} correct, {len(exploits)} exploits (all {len(STRICT_RULES)} strict rules covered)",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory; exit 1 if any file differs from disk")
    args = ap.parse_args(argv)
    if not __debug__:
        raise SystemExit("generate.py checks its output with assert statements: run it without -O")
    result = build()
    if args.check:
        stale = [rel for rel, content in result.files.items() if not (DATA / rel).is_file() or (DATA / rel).read_bytes() != content]
        for rel in stale:
            print(f"differs: data/{rel}")
        if stale:
            print(f"{len(stale)} of {len(result.files)} data files differ; run: {GENERATED_BY}")
            return 1
        print(f"all {len(result.files)} data files match {GENERATED_BY}")
        return 0
    for rel, content in result.files.items():
        path = DATA / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        print(f"wrote data/{rel} ({len(content)} bytes)")
    print("\n".join(result.summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
