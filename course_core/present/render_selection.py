"""Loop B in a terminal (rich): what best-of-N bought, what stayed put, what it cost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from course_core.present.cli import written

if TYPE_CHECKING:
    from course_core.artifacts.rundir import WrittenRun


def selection_summary(con: Any, run: WrittenRun) -> None:
    """Loop B in four lines: what best-of-N bought, what stayed put, what it cost, who could deploy it."""
    summary = run.summary
    n = summary["samples_per_item"]
    first, best = summary["pass_at_1"], summary["pass_at_n"]
    colour = "green" if best > first else "yellow" if best < first else "bold"
    ci = summary["mean_sample_pass_rate_ci95"]
    con.print(
        f"[bold]pass@1 {first:.3f} → pass@{n} [{colour}]{best:.3f}[/{colour}][/bold]  "
        f"({summary['passed']}/{summary['n']} items, selector {summary['selector']})"
    )
    con.print(f"per-sample pass rate {summary['mean_sample_pass_rate']:.3f} (CI {ci['low']:.2f}–{ci['high']:.2f}): distribution unchanged")
    con.print(f"samples scored: {summary['samples_scored']} ({n} per item × {summary['n']} items): compute bought the gain")
    if summary["deployable"]:
        con.print(f"selector {summary['selector']}: deployable, it needs {summary['selector_needs']}")
    else:
        con.print(f"selector {summary['selector']}: [yellow]an oracle, not deployable[/yellow]; it needs {summary['selector_needs']}")
    if summary["short_items"]:
        con.print(f"[yellow]{summary['short_items']} item(s) had fewer than {n} samples[/yellow] (--allow-short)")
    written(con, run)
