"""Every data file, built in memory from fixed seeds, and a summary of what was built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from course_core.measurement.scoring import STRICT_RULES
from data.gen.determinism import DEV_SEED, FROZEN_BASE_SEED, HOLDOUT_SEED, SELECTION_BASE_SEED, SELECTION_N, json_bytes, jsonl_bytes
from data.gen.golden import check_golden, golden_correct, golden_exploits, golden_rows
from data.gen.rollouts import draw_frozen, draw_selection, frozen_problems, frozen_stats, selection_problems, selection_stats, sidecar
from data.gen.seed_search import first_good_seed
from data.gen.sums import sum_splits
from data.gen.templates import DEV_PLAN, HOLDOUT_PLAN, Item, build_split


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
    sums = sum_splits()
    files.update({f"datasets/{name}.jsonl": jsonl_bytes(rows) for name, rows in sums.items()})
    summary = summarize(dev, holdout, fst, sst, f_seed, s_seed, correct, exploits)
    summary.append(", ".join(f"{name}: {len(rows)} items" for name, rows in sums.items()) + " (for the local models: data/gen/sums.py)")
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
