"""The datasets: small templates (arithmetic and short word problems with integer answers), drawn into splits."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from data.gen.determinism import FORMAT_LINE, rng_for


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

# How many items of each template each split holds, as (dev, holdout): 120 and 60 items.
PLAN = {
    "add": (4, 2), "sub": (4, 2), "mul": (6, 2), "big_mul": (4, 2), "precedence": (4, 2), "chain": (3, 2),
    "zero_cancel": (2, 1), "paren_sum_times": (4, 2), "paren_times_diff": (5, 2), "paren_two": (4, 2),
    "paren_nested": (3, 2), "div": (4, 2), "div_sum": (4, 2), "div_minus": (3, 2), "div_product": (3, 1),
    "neg_sub": (3, 2), "neg_add": (3, 1), "neg_mul": (3, 1), "neg_both": (2, 1), "neg_times_neg": (2, 1),
    "temperature_drop": (3, 2), "temperature_zero": (1, 1), "elevator": (2, 1), "elevator_zero": (1, 1),
    "debt": (2, 1), "shopping_total": (4, 2), "shopping_change": (4, 2), "ages": (4, 2), "train": (3, 1),
    "sharing": (3, 1), "sharing_zero": (2, 1), "perimeter": (3, 2), "train_two_legs": (3, 2),
    "inventory": (3, 2), "ages_sum": (3, 1), "savings": (3, 2), "buses": (3, 1), "temperature_multi": (3, 1),
}  # fmt: skip
DEV_PLAN = {name: dev for name, (dev, _) in PLAN.items()}
HOLDOUT_PLAN = {name: holdout for name, (_, holdout) in PLAN.items()}


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
