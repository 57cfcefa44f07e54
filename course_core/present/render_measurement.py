"""Loop A in a terminal (rich): an eval run, a gate decision, a run's outcome groups, a scorer's golden check.

rich is imported inside each function, so importing this module stays cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from course_core.present.cli import written

if TYPE_CHECKING:
    from course_core.artifacts.rundir import WrittenRun


def eval_summary(con: Any, run: WrittenRun) -> None:
    summary = run.summary
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
    written(con, run)


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
        moved = "changed" if b["pass_rate"] != c["pass_rate"] else "did not change"
        con.print(f"The metric {moved}, but the measurement conditions changed: nothing can be concluded about the policy.")
        return
    p = report["paired"]
    ci = p["ci95"]
    con.print(f"baseline  {b['pass_rate']:.3f}  ({b['run']})")
    con.print(f"candidate {c['pass_rate']:.3f}  ({c['run']})")
    policy = report.get("policy")
    if policy and policy["changed"]:
        from course_core.artifacts.manifest import policy_label

        con.print(f"policy    {policy_label(policy['baseline'])} → {policy_label(policy['candidate'])}  (the variable under test)")
    con.print(f"delta {report['delta']:+.4f}  (min_delta {report['min_delta']:+.4f})")
    con.print(
        f"paired on {p['n']} examples: mean diff {p['mean_difference']:+.4f}, SE {p['se']:.4f}, "
        f"95% CI [{ci['low']:+.4f}, {ci['high']:+.4f}]; discordant {p['discordant_baseline_only']} baseline-only / "
        f"{p['discordant_candidate_only']} candidate-only, McNemar exact p = {p['mcnemar_p']:.4g}"
    )


def _completion_text(completion: Any, limit: int = 400) -> str:
    if completion is None:
        return "(no completion)"
    text = completion if len(completion) <= limit else completion[:limit] + f"… ({len(completion)} chars)"
    return text if text.strip() else repr(text)


def outcome_groups(con: Any, data: dict[str, Any]) -> None:
    """inspect_run on an eval or selection run: outcome groups largest first, examples of the top K."""
    from rich.markup import escape
    from rich.panel import Panel

    scope = "failures only" if data["only_fails"] else "all examples"
    con.print(f"[bold]{data['run']}[/bold] — {data['kind']} run, {data['n']} examples ({scope})")
    if data.get("example") is not None:
        _example(con, data["example"], Panel, escape)
        return
    for group in data["groups"]:
        con.print(f"  {group['count']:>5}  {group['outcome']}")
    for group in data["groups"][: data["groups_shown"]]:
        if not group["examples"]:
            continue
        con.rule(f"{group['outcome']} ({group['count']})")
        for row in group["examples"]:
            _example(con, row, Panel, escape)


def _example(con: Any, row: dict[str, Any], Panel: Any, escape: Any) -> None:
    head = (
        f"id {escape(str(row['id']))}   expected {row.get('expected_answer')}   parsed {row.get('parsed_answer')}   "
        f"reward {row.get('reward')}\n{escape(row.get('outcome', ''))}: {escape(row.get('reason', ''))}"
    )
    if "selected_index" in row:
        head += f"\nselected sample {row['selected_index']} of {row.get('n_samples_used')}; rewards {row.get('sample_rewards')}"
    con.print(head)
    con.print(Panel(escape(_completion_text(row.get("completion"))), expand=False, title="completion", title_align="left"))


def golden_result(con: Any, result: dict[str, Any]) -> None:
    from rich.markup import escape

    ok = not result["failures"]
    colour = "green" if ok else "red"
    con.print(
        f"[{colour}]{result['scorer']}: {result['agreed']}/{result['rows']} golden rows agree[/{colour}] — "
        f"false positives {result['false_positive']}, false negatives {result['false_negative']}, "
        f"outcome mismatches {result['outcome_mismatch']}"
    )
    for f in result["failures"]:
        con.print(
            f"  {f['kind']:<16} {escape(f['file'])}:{f['line']}  id {escape(f['id'])}  rule {escape(f['rule'])}: "
            f"expected {f['expected_outcome']} (reward {f['expected_reward']}), got {f['outcome']} (reward {f['reward']})"
            + (f"  — {escape(f['note'])}" if f["note"] else "")
        )
    con.print(f"rules probed: {len(result['rules_probed'])}")


