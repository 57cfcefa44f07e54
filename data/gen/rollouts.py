"""The rollout files: frozen completions (one per item) and the selection pack (N per item), with their checks."""

from __future__ import annotations

from typing import Any

from course_core.measurement.scoring import STRICT, STRICT_RULES, WEAK
from data.gen.determinism import GENERATED_BY, POLICY, SAMPLING, SELECTION_N, rng_for
from data.gen.sim_policy import Sample, sample
from data.gen.templates import Item


def rate(hits: int, n: int) -> float:
    return hits / n if n else 0.0


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


def sidecar(seed: int, n: int) -> dict[str, Any]:
    return {"policy": POLICY, **SAMPLING, "seed": seed, "n": n, "synthetic": True, "generated_by": GENERATED_BY}
