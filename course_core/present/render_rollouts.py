"""Rollouts in a terminal (rich): a progress bar while sampling, what was sampled, what an import kept and skipped.

rich is imported inside each function, so importing this module stays cheap."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from course_core.artifacts.manifest import policy_label
from course_core.present.cli import written

if TYPE_CHECKING:
    from course_core.artifacts.rundir import WrittenRun
    from course_core.rollouts.importers import ImportResult


@contextmanager
def sampling_progress(con: Any) -> Iterator[Callable[[int, int], None]]:
    """Yield ``on_progress(done, total)``: a rich progress bar on a terminal, nothing otherwise."""
    if not con.is_terminal:
        yield lambda _done, _total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(TextColumn("sampling"), BarColumn(), MofNCompleteColumn(), TextColumn("items"),
                   TimeElapsedColumn(), TimeRemainingColumn(), console=con, transient=False)
    with bar:
        task = bar.add_task("", total=None)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield on_progress


def rollout_summary(con: Any, run: WrittenRun) -> None:
    """What was sampled, from what, and the command that measures it (``run.summary`` is the sidecar)."""
    from rich.markup import escape

    side = run.summary
    stats, policy = side["stats"], side["policy"]
    where = f"at {policy['base_url']}" if policy.get("base_url") else f"({policy.get('source')}, no server)"
    con.print(f"[bold]sampled {stats['items']} items × {side['n']} = {stats['samples']} samples[/bold] from "
              f"{escape(policy_label(policy))} {escape(where)}")
    con.print(f"{side['api']}, temperature {side['temperature']:g}, top_p {side['top_p']:g}, max_tokens {side['max_tokens']}, "
              f"seed {side['seed']}; finish reasons " + ", ".join(f"{k} {v}" for k, v in stats["finish_reasons"].items()))
    if stats["resumed_samples"]:
        con.print(f"resumed: {stats['resumed_samples']} samples came from the interrupted run")
    if stats.get("n_honoured") is False:
        con.print(f"[yellow]the server did not honour n={side['n']}[/yellow]: the samples were topped up with repeated requests")
    if stats["samples_without_logprobs"]:
        con.print(f"[yellow]{stats['samples_without_logprobs']} sample(s) came without logprobs[/yellow] (no sum_logprob)")
    written(con, run)
    rollouts, dataset = run.outdir / run.artifacts[0], side["dataset"]["path"]
    if side["format"] == "completions":
        con.print(f"next: python -m course.eval --dataset {dataset} --completions {rollouts} "
                  f"--outdir runs/eval_{run.outdir.name}", soft_wrap=True)  # unwrapped: copied and pasted
    else:
        con.print(f"next: python -m course.selection_demo --dataset {dataset} --samples {rollouts} --n {side['n']} "
                  f"--outdir runs/selection_{run.outdir.name}", soft_wrap=True)


def import_summary(con: Any, result: ImportResult, shown: int = 20) -> None:
    """Rows imported, rows skipped (file:line, why), where the dataset went."""
    from rich.markup import escape

    skipped = sum(result.skip_counts.values())
    con.print(f"[bold]imported {result.imported} of {result.read} rows[/bold]" + (f"; skipped {skipped}:" if skipped else ""))
    for row in result.skipped[:shown]:
        con.print(f"  {escape(str(result.source))}:{row['line']}: {escape(row['reason'])}", soft_wrap=True)  # one greppable line
    if skipped > shown:
        con.print(f"  … and {skipped - shown} more (every one is listed in {result.record})")
    if skipped:
        con.print("skipped by reason: " + ", ".join(f"{k} {v}" for k, v in result.skip_counts.items()))
    if result.unchanged:
        con.print(f"{result.out} is unchanged")
    elif result.replaced:
        con.print(f"[yellow]replaced the earlier import in {result.out}[/yellow]")
    con.print(f"wrote {result.out}")
    con.print(f"  {result.record}")
