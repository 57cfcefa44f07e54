"""Loop B — selection without learning: the best-of-N run over frozen samples.

For each item, the first N samples are scored and one is picked by a rule from
:mod:`course_core.selection.selectors`. The pass rate of the picked sample rises with N, yet
the distribution the samples came from is the same at every N: the mean per-sample pass rate
(an estimate, so it wobbles) does not climb. The gain was bought with compute
(``samples_scored``), not learned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from functools import lru_cache, reduce
from operator import add
from pathlib import Path
from typing import Any

from course_core.artifacts.joined import JoinedInputs, Pair, Refused, join_inputs
from course_core.artifacts.jsonl import iter_jsonl, write_rows
from course_core.artifacts.manifest import load_rollout_conditions
from course_core.artifacts.rundir import WrittenRun, default_outdir, finish_scored_run, staged_run
from course_core.errors import UserError
from course_core.measurement.result_row import outcome_table, result_row, verdict_row
from course_core.measurement.scoring import DEFAULT_SCORER, SCORERS, Scorer, get_scorer
from course_core.measurement.stats import Z95, pass_at_k, wilson_interval
from course_core.selection.result_line import answer_fits, result_line
from course_core.selection.selectors import DEFAULT_SELECTOR, Pick, Selector, custom_selector, get_selector

# --------------------------------------------------------------------------------------------
# One item.


def _checked_choice(choice: Any, k: int, selector: Selector, example_id: str) -> int:
    if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < k:
        raise UserError(
            f"selector {selector.name} returned {choice!r} for item {example_id!r}; expected an int in 0..{k - 1}",
            hint="a pick function returns the position of the chosen sample in the list it was given",
        )
    return choice


def select_item(
    example: dict[str, Any], samples: list[dict[str, Any]], selector: Selector, scorer: Scorer
) -> dict[str, Any]:
    """Score every sample of one item, pick one, and return its results row (fixed key order)."""
    if not samples:
        row = result_row(example, None, scorer)
        row.update(selected_index=None, sample_rewards=[], sample_outcomes=[], n_samples_used=0)
        return row
    completions = [s["completion"] for s in samples]
    verdicts = scorer.score_all(example, completions)  # a completion repeated (45% of the shipped pack's samples) is scored once
    rewards = [float(v["reward"]) for v in verdicts]
    logprobs = [s["sum_logprob"] for s in samples]
    if selector.pick_columns is not None:  # the kit's own rule, run on the columns: the same choice, no dicts
        chosen = selector.pick_columns(rewards, logprobs, completions)
    else:
        offered = [
            {"index": i, "completion": c, "sum_logprob": lp, "reward": r}
            for i, (c, lp, r) in enumerate(zip(completions, logprobs, rewards))
        ]
        chosen = _checked_choice(selector.pick(offered), len(samples), selector, example["id"])
    row = verdict_row(example, completions[chosen], verdicts[chosen])
    row["selected_index"] = chosen
    row["sample_rewards"] = rewards
    row["sample_outcomes"] = [v["outcome"] for v in verdicts]
    row["n_samples_used"] = len(samples)
    return row


# --------------------------------------------------------------------------------------------
# Checking that every item has N samples.


def _items(pairs: Iterator[Pair], n: int) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], int]]:
    """(example, its first n samples, samples available) in dataset order."""
    for example, pack in pairs:
        available = pack["samples"] if pack is not None else []
        yield example, available[:n], len(available)


def _line_of(path: Path, example_id: str, role: str) -> int | None:
    for line, row in iter_jsonl(path, role):
        if row.get("id") == example_id:
            return line
    return None


def find_short(joined: JoinedInputs, n: int) -> tuple[int, tuple[str, int] | None]:
    """How many items have fewer than n samples, and the first of them (id, samples available)."""

    def count(pairs: Iterator[Pair]) -> tuple[int, tuple[str, int] | None]:
        short, first = 0, None
        for example, _, available in _items(pairs, n):
            if available < n:
                short += 1
                first = first or (example["id"], available)
        return short, first

    return joined.scan(count)


def short_item_error(first: tuple[str, int], short: int, n: int, dataset: Path, samples: Path) -> UserError:
    example_id, available = first
    others = f" ({short - 1} other item(s) are short too)" if short > 1 else ""
    hint = "use a smaller --n, or --allow-short to use the samples that are there"
    if available == 0:
        return UserError(
            f"item {example_id!r} has no samples in {samples}; --n {n} needs {n}{others}",
            path=dataset, line=_line_of(dataset, example_id, "dataset"), field="id", hint=hint,
        )
    return UserError(
        f"item {example_id!r} has {available} sample(s), fewer than --n {n}{others}",
        path=samples, line=_line_of(samples, example_id, "samples"), field="samples", hint=hint,
    )


# --------------------------------------------------------------------------------------------
# Aggregates.


_CHUNK = 1024  # items whose floats join the running sums in one pass
Kind = tuple[int, int, bool, bool, str]  # an item for a Tally: samples used, correct, selected passed, first passed, outcome


@lru_cache(maxsize=4096)
def _item_floats(n: int, used: int, correct: int) -> tuple[float, ...]:
    """What an item adds to each float sum of a :class:`Tally`: its sample pass rate, that squared, and
    pass@1 .. pass@n (0.0 past ``used``, which leaves a sum as it was). Few distinct items occur."""
    rate = correct / used if used else 0.0
    return (rate, rate * rate, *(pass_at_k(used, correct, k) for k in range(1, used + 1)), *(0.0,) * (n - used))


class Tally:
    """Running sums over items, so the run streams: memory holds counters and one chunk of items, not the rows.

    Each item is its :data:`Kind`: the counts are counts of kinds, and the float sums add each
    item's floats in item order, a chunk at a time (the same additions as one by one, so the
    same bits).
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.kinds: Counter[Kind] = Counter()
        self.sums = [0.0] * (n + 2)  # sample pass rate, its square, pass@1 .. pass@n
        self._chunk: list[Kind] = []

    def add(self, row: dict[str, Any]) -> None:
        rewards = row["sample_rewards"]
        self._chunk.append((len(rewards), len([r for r in rewards if r >= 1.0]), row["reward"] >= 1.0,
                            bool(rewards) and rewards[0] >= 1.0, row["outcome"]))
        if len(self._chunk) == _CHUNK:
            self._add_chunk()

    def _add_chunk(self) -> None:
        chunk, self._chunk = self._chunk, []
        if not chunk:
            return
        self.kinds.update(chunk)
        floats_of = {kind: _item_floats(self.n, kind[0], kind[1]) for kind in set(chunk)}
        columns = zip(*map(floats_of.__getitem__, chunk))
        self.sums = [reduce(add, column, total) for total, column in zip(self.sums, columns)]

    def _count(self, of: Callable[[Kind], int]) -> int:
        return sum(of(kind) * times for kind, times in self.kinds.items())

    def _rate_interval(self, items: int) -> dict[str, Any]:
        """Normal 95% interval of the mean per-item sample pass rate (items are the independent units)."""
        mean = self.sums[0] / items if items else 0.0
        var = max(0.0, (self.sums[1] - items * mean * mean) / (items - 1)) if items > 1 else 0.0
        half = Z95 * (var / items) ** 0.5 if items else 0.0
        return {"low": max(0.0, mean - half), "high": min(1.0, mean + half), "level": 0.95, "method": "normal, over items"}

    def summary(self, selector: Selector, scorer: Any) -> dict[str, Any]:
        self._add_chunk()
        items = self._count(lambda kind: 1)
        passed = self._count(lambda kind: kind[2])
        short = self._count(lambda kind: kind[0] < self.n)
        at_k_items = [self._count(lambda kind: kind[0] >= k) for k in range(self.n + 1)]
        outcomes: Counter[str] = Counter()
        for kind, times in self.kinds.items():
            outcomes[kind[4]] += times

        def rate(count: float) -> float:
            return count / items if items else 0.0

        at_k = {str(k): self.sums[k + 1] / at_k_items[k] for k in range(1, self.n + 1) if at_k_items[k]}
        summary: dict[str, Any] = {
            "kind": "selection",
            "selector": selector.name,
            "deployable": selector.deployable,
            "selector_needs": selector.needs,
            "samples_per_item": self.n,
            "n": items,
            "passed": passed,
            "pass_rate": rate(passed),
            "pass_rate_ci95": wilson_interval(passed, items),
            "pass_at_1": rate(self._count(lambda kind: kind[3])),
            "pass_at_n": rate(passed),
            "oracle_pass_at_n": rate(self._count(lambda kind: kind[1] > 0)),
            "mean_sample_pass_rate": rate(self.sums[0]),
            "mean_sample_pass_rate_ci95": self._rate_interval(items),
            "pass_at_k_unbiased": at_k,
            "samples_scored": self._count(lambda kind: kind[0]),
            "short_items": short,
            "outcome_counts": dict(sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0]))),
            "scorer": f"{scorer.name}@{scorer.version}",
        }
        if short:
            summary["pass_at_k_items"] = {str(k): at_k_items[k] for k in range(1, self.n + 1)}
        return summary


def _movement(summary: dict[str, Any]) -> str:
    n, first, best = summary["samples_per_item"], summary["pass_at_1"], summary["pass_at_n"]
    if n == 1:
        return f"with N=1 there is nothing to choose from: pass rate = pass@1 = {best:.2f}"
    verb = "rose" if best > first else "fell" if best < first else "did not move"
    return f"pass rate {verb} from N=1 ({first:.2f}) to N={n} ({best:.2f})"


def summary_markdown(summary: dict[str, Any], manifest: dict[str, Any]) -> str:
    """summary.md: what selection bought, in words, and what it did not change."""
    ci, rci = summary["pass_rate_ci95"], summary["mean_sample_pass_rate_ci95"]
    kind = "deployable" if summary["deployable"] else "an oracle (not deployable)"
    at_k = ", ".join(f"pass@{k} {v:.3f}" for k, v in summary["pass_at_k_unbiased"].items())
    lines = [
        f"# Selection run — best-of-{summary['samples_per_item']} by `{summary['selector']}`, {summary['scorer']}",
        "",
        f"- dataset: `{manifest['inputs'][0]['path']}` ({manifest['dataset_fingerprint'][:19]}…)",
        f"- samples: `{manifest['inputs'][1]['path']}` (first {summary['samples_per_item']} per item)",
        f"- selector: `{summary['selector']}` is {kind}; it needs {summary['selector_needs']}"
        + ("" if summary["deployable"] else ", so its pass rate is an upper bound, not something a deployed system could reach"),
        "",
        f"**{_movement(summary)}**; the distribution did not change: "
        f"mean per-sample pass rate {summary['mean_sample_pass_rate']:.2f} "
        f"(95% CI {rci['low']:.2f}–{rci['high']:.2f} over items; it is an estimate from "
        f"{summary['samples_scored']} samples, so it wobbles with N but does not climb).",
        "",
        f"Selected: {summary['passed']}/{summary['n']} = {summary['pass_rate']:.3f} "
        f"(95% Wilson interval {ci['low']:.3f}–{ci['high']:.3f}). "
        f"Any correct among the samples (the oracle ceiling): {summary['oracle_pass_at_n']:.3f}.",
        "",
        f"The gain was bought with compute: {summary['samples_scored']} samples scored for {summary['n']} items.",
        "",
        f"Unbiased pass@k (Chen et al. 2021), averaged over items: {at_k or 'none'}.",
        "",
    ]
    if summary["short_items"]:
        lines += [f"{summary['short_items']} item(s) had fewer than {summary['samples_per_item']} samples (--allow-short); "
                  "pass@k averages only over items with at least k samples.", ""]
    lines += outcome_table(summary["outcome_counts"], "selected outcome")
    lines += ["", "Nothing was learned: no parameter changed. Compare runs only with `python -m course.gate`;",
              "runs with a different N or selector are different Locked Rooms.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The run.


def _write_results(
    joined: JoinedInputs, path: Path, n: int, selector: Selector, scorer: Any, allow_short: bool, dataset: Path, samples: Path
) -> Tally:
    """results.jsonl, one selected sample per item; an item short of n samples stops the run first, unless allow_short."""
    kit_scorer = SCORERS.get(scorer.name) is scorer

    def write(pairs: Iterator[Pair]) -> Tally:
        tally = Tally(n)
        rows = (select_item(example, pack["samples"][:n] if pack is not None else [], selector, scorer) for example, pack in pairs)
        if kit_scorer:  # rows of a known shape: only their parsed answer is checked, and the line is put together
            write_rows(path, rows, "selection_result_row", observe=tally.add, vouched=answer_fits, encode=result_line)
        else:
            write_rows(path, rows, "selection_result_row", observe=tally.add)
        return tally

    def short_item(example: dict[str, Any], pack: dict[str, Any] | None) -> bool:
        return len(pack["samples"] if pack is not None else []) < n

    try:
        return joined.scan(write, refuse=None if allow_short else short_item)
    except Refused:
        short, first = find_short(joined, n)
        raise short_item_error(first, short, n, dataset, samples) from None


MAX_N = 10_000  # far beyond any pack the kit makes (8 samples per item); the run's sums hold N + 2 floats


def run_selection(
    dataset: str | Path,
    samples: str | Path,
    outdir: str | Path | None,
    n: int,
    selector: str = DEFAULT_SELECTOR,
    scorer_name: str = DEFAULT_SCORER,
    allow_short: bool = False,
    pick: Pick | None = None,
    command: list[str] | None = None,
) -> WrittenRun:
    """Best-of-n selection over a selection pack; writes the run directory atomically.

    ``pick`` (a function of the offered samples returning a position) overrides ``selector``;
    ``outdir`` None writes ``runs/selection_<UTC timestamp>``.
    """
    outdir = outdir or default_outdir("selection")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise UserError(f"--n must be a whole number between 1 and {MAX_N}, got {n!r}", field="--n",
                        hint="e.g. --n 4 selects the best of 4 samples per item (a selection pack holds a handful: the kit's, 8)")
    chosen = custom_selector(pick) if pick is not None else get_selector(selector)
    scorer = get_scorer(scorer_name)
    policy, recorded = load_rollout_conditions(samples)
    sampling = {**recorded, "n_used": n, "selector": chosen.name}
    with join_inputs(
        dataset, samples, rollout_role="samples", rollout_schema="selection_pack_row", rollout_what="selection-pack row"
    ) as joined:
        with staged_run(outdir, reads=(dataset, samples)) as staged:
            tally = _write_results(joined, staged.path / "results.jsonl", n, chosen, scorer, allow_short, Path(dataset), Path(samples))
            summary = tally.summary(chosen, scorer)
            args = {
                "dataset": str(dataset), "samples": str(samples), "n": n, "outdir": str(outdir),
                "selector": chosen.name, "scorer": scorer.name, "allow_short": allow_short,
            }
            written = finish_scored_run(staged, summary, summary_markdown, kind="selection", joined=joined,
                                        inputs=[("dataset", dataset), ("samples", samples)],
                                        args=args, policy=policy, sampling_config=sampling, scorer=scorer, command=command)
    return written
