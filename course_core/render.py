"""How runs and decisions look in a terminal (rich), kept apart from the logic that makes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def eval_summary(con: Any, summary: dict[str, Any], outdir: Path, replaced: bool) -> None:
    from rich.table import Table

    ci = summary["pass_rate_ci95"]
    con.print(
        f"[bold]pass rate {summary['passed']}/{summary['n']} = {summary['pass_rate']:.3f}[/bold]  "
        f"(95% CI {ci['low']:.3f}–{ci['high']:.3f}, scorer {summary['scorer']})"
    )
    table = Table(title="outcomes", show_edge=False, pad_edge=False)
    table.add_column("outcome")
    table.add_column("count", justify="right")
    for outcome, count in summary["outcome_counts"].items():
        style = "green" if outcome in ("correct", "contains_expected") else None
        table.add_row(outcome, str(count), style=style)
    con.print(table)
    if summary["missing_completions"]:
        ids = ", ".join(summary.get("missing_ids", [])[:5])
        con.print(f"[yellow]{summary['missing_completions']} example(s) had no completion[/yellow] (scored 0): {ids}")
    written(con, outdir, ["manifest.json", "results.jsonl", "summary.json", "summary.md"], replaced)


def written(con: Any, outdir: Path, files: list[str], replaced: bool = False) -> None:
    """The closing lines of every run: where its artifacts are."""
    if replaced:
        con.print(f"[yellow]replaced the earlier run in {outdir}[/yellow]")
    con.print(f"wrote {outdir}/")
    for name in files:
        con.print(f"  {outdir / name}")


def _value(v: Any) -> str:
    import json

    return v if isinstance(v, str) else json.dumps(v, sort_keys=True)


def gate_report(con: Any, report: dict[str, Any]) -> None:
    from rich.panel import Panel
    from rich.table import Table

    accept = report["decision"] == "ACCEPT"
    lr = report["locked_room"]
    title = report["decision"] + ("" if lr["ok"] else " — Locked Room violation")
    body = "\n".join(report["reasons"])
    con.print(Panel(body, title=f"[bold]{title}[/bold]", border_style="green" if accept else "red", expand=False))
    b, c = report["baseline"], report["candidate"]
    if not lr["ok"]:
        table = Table(title="conditions that differ", show_lines=True)
        table.add_column("field", style="bold")
        table.add_column("baseline", overflow="fold")
        table.add_column("candidate", overflow="fold")
        for v in lr["violations"]:
            table.add_row(v["field"], _value(v["baseline"]), _value(v["candidate"]))
        con.print(table)
        con.print(
            f"pass rates (not comparable): baseline {b['pass_rate']:.3f} (n={b['n']}), "
            f"candidate {c['pass_rate']:.3f} (n={c['n']})"
        )
        con.print("The metric changed, but so did the measurement conditions: nothing can be concluded about the policy.")
        return
    p = report["paired"]
    ci = p["ci95"]
    con.print(f"baseline  {b['pass_rate']:.3f}  ({b['run']})")
    con.print(f"candidate {c['pass_rate']:.3f}  ({c['run']})")
    con.print(f"delta {report['delta']:+.4f}  (min_delta {report['min_delta']:+.4f})")
    con.print(
        f"paired on {p['n']} examples: mean diff {p['mean_difference']:+.4f}, SE {p['se']:.4f}, "
        f"95% CI [{ci['low']:+.4f}, {ci['high']:+.4f}]; discordant {p['discordant_baseline_only']} baseline-only / "
        f"{p['discordant_candidate_only']} candidate-only, McNemar exact p = {p['mcnemar_p']:.4g}"
    )
