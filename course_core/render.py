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
        moved = "changed" if b["pass_rate"] != c["pass_rate"] else "did not change"
        con.print(f"The metric {moved}, but the measurement conditions changed: nothing can be concluded about the policy.")
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


def _completion_text(completion: Any, limit: int = 400) -> str:
    if completion is None:
        return "(no completion)"
    text = completion if len(completion) <= limit else completion[:limit] + f"… ({len(completion)} chars)"
    return text if text.strip() else repr(text)


def inspection(con: Any, data: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.panel import Panel

    if data["kind"] == "bandit":
        return bandit_inspection(con, data)
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


def selection_summary(con: Any, summary: dict[str, Any], outdir: Path, replaced: bool) -> None:
    """Loop B in four lines: what best-of-N bought, what stayed put, what it cost, who could deploy it."""
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
    written(con, outdir, ["manifest.json", "results.jsonl", "summary.json", "summary.md"], replaced)


# ---------------------------------------------------------------- Loop C: bandit runs


def _signed(x: float) -> str:
    return f"{x:+.3f}" if x else "0.000"


def _moved(before: float, after: float) -> str:
    return "↑" if after > before else "↓" if after < before else "="


def bandit_steps(con: Any, rows: list[dict[str, Any]], arms: list[float], best_arm: int) -> None:
    """--slow: one row per step — sampled arm, reward, baseline, signed advantage, and how each P(arm) moved.

    One column per arm when they fit the console; otherwise P(sampled arm), P(best arm) and one
    arrow per arm, so the table stays readable at 80 columns whatever the number of arms.
    """
    from rich import box
    from rich.table import Table

    per_arm = 44 + 9 * len(arms) <= con.width
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in ("step", "arm", "reward", "baseline", "advantage"):
        table.add_column(name, justify="right")
    if per_arm:
        for arm in range(len(arms)):
            table.add_column(f"P({arm}){'*' if arm == best_arm else ''}", justify="right", no_wrap=True)
    else:
        table.add_column("P(arm)", justify="right", no_wrap=True)
        table.add_column(f"P({best_arm})*", justify="right", no_wrap=True)
        table.add_column("moves", overflow="fold")
    for row in rows:
        adv, before, after = row["advantage"], row["probs_before"], row["probs_after"]
        style = "green" if adv > 0 else "red" if adv < 0 else "dim"
        cells = [
            str(row["step"]),
            str(row["action"]),
            f"{row['reward']:g}",
            f"{row['baseline']:.3f}",
            f"[{style}]{_signed(adv)}[/{style}]",
        ]
        if per_arm:
            cells += [f"{a:.3f}{_moved(b, a)}" for b, a in zip(before, after)]
        else:
            k = row["action"]
            cells += [
                f"{after[k]:.3f}{_moved(before[k], after[k])}",
                f"{after[best_arm]:.3f}{_moved(before[best_arm], after[best_arm])}",
                "".join(_moved(b, a) for b, a in zip(before, after)),
            ]
        table.add_row(*cells)
    con.print("[bold]REINFORCE, step by step[/bold]: sample an arm, get a reward, move the policy")
    con.print(table)
    if per_arm:
        con.print("P(k): probability of arm k after the update; ↑ rose, ↓ fell, = unchanged.")
    else:
        con.print("P(arm): the sampled arm's probability after the update; moves: ↑ rose, ↓ fell,")
        con.print("= unchanged, one arrow per arm (arm 0 first).")
    con.print("Arm k pays 1 with probability " + ", ".join(f"{q:g}" for q in arms) + " (k = 0, 1, …); * = best arm.")
    con.print("advantage = reward − baseline. With lr > 0 a positive advantage raises")
    con.print("P(sampled arm) and a negative one lowers it; a negative lr reverses both.")
    con.print()


def bandit_summary(con: Any, summary: dict[str, Any], outdir: Path, artifacts: list[str], replaced: bool) -> None:
    runs = summary["runs"]
    over = f" (mean over {runs} runs)" if runs > 1 else ""
    colour = {"learned toward the best arm": "green", "learned away from the best arm": "red"}.get(summary["verdict"], "yellow")
    con.print(
        f"lr {summary['lr']:g}, baseline {'on' if summary['baseline'] else 'off'}, {summary['steps']} steps, seed {summary['seed']}{over}"
    )
    last = summary["last_quarter_steps"]
    con.print(
        f"mean reward {summary['mean_reward']:.3f}; over the last {last} step{'s' if last != 1 else ''} "
        f"{summary['mean_reward_last_quarter']:.3f}"
    )
    con.print("final policy: " + "  ".join(f"P({i})={p:.3f}" for i, p in enumerate(summary["final_probs"])))
    con.print(
        f"[bold]P(best arm {summary['best_arm']}): {summary['p_best_start']:.3f} → {summary['p_best_end']:.3f}  "
        f"[{colour}]{summary['verdict']}[/{colour}][/bold]"
    )
    written(con, outdir, artifacts, replaced)


def bandit_testbed(con: Any, summary: dict[str, Any], outdir: Path, artifacts: list[str], replaced: bool) -> None:
    """--testbed sutton-barto: % optimal action per setting next to the book's Figure 2.5."""
    from rich import box
    from rich.table import Table

    first, last = summary["averaged_steps"]
    points = 100 * summary["tolerance"]
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("setting")
    table.add_column(f"step {summary['steps']}", justify="right")
    table.add_column(f"steps {first}-{last}", justify="right")
    table.add_column("book@1000", justify="right")
    table.add_column(f"within {points:g} pts", justify="right")
    for s in summary["settings"]:
        ok = "[green]yes[/green]" if s["within_tolerance"] else "[red]no[/red]"
        table.add_row(s["label"], f"{100 * s['optimal_final_step']:.1f}%", f"{100 * s['optimal_averaged']:.1f}%",
                      f"{100 * s['published']:.0f}%", ok)
    con.print("[bold]Sutton & Barto (2018), Figure 2.5[/bold]: gradient bandit, 10-armed testbed")
    con.print(f"% optimal action, {summary['runs']} runs × {summary['steps']} steps per setting, seed {summary['seed']}")
    con.print(table)
    written(con, outdir, artifacts, replaced)


def bandit_inspection(con: Any, data: dict[str, Any]) -> None:
    """inspect_run on a bandit run: pulls and mean reward per arm, the steps where the policy moved most."""
    from rich import box
    from rich.table import Table

    s = data["summary"]
    if data["environment"] != "bernoulli_bandit":
        con.print(f"[bold]{data['run']}[/bold] — bandit run: Sutton & Barto (2018), Figure 2.5, {s['runs']} runs")
        for row in s["settings"]:
            con.print(f"  {row['label']:<32} {100 * row['optimal_averaged']:5.1f}% optimal (book {100 * row['published']:.0f}%)")
        return
    scope = ", steps with reward 0 only" if data["only_fails"] else ""
    run0 = f" (log of run 0 of {s['runs']})" if s["runs"] > 1 else ""
    con.print(f"[bold]{data['run']}[/bold] — bandit run, {data['n']} steps{run0}{scope}")
    con.print(f"lr {s['lr']:g}, baseline {'on' if s['baseline'] else 'off'}; P(best arm {s['best_arm']}) "
              f"{s['p_best_start']:.3f} → {s['p_best_end']:.3f}: {s['verdict']}")
    if data.get("example") is not None:
        _bandit_step(con, data["example"])
        return
    arms = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in ("arm", "pays with p", "pulls", "mean reward", "P start", "P end"):
        arms.add_column(name, justify="right")
    start, end = data["trajectory"]["start"], data["trajectory"]["end"]
    for a in data["actions"]:
        mean = "-" if a["mean_reward"] is None else f"{a['mean_reward']:.3f}"
        mark = "*" if a["arm"] == s["best_arm"] else ""
        arms.add_row(f"{a['arm']}{mark}", f"{a['reward_probability']:g}", str(a["pulls"]), mean,
                     f"{start[a['arm']]:.3f}", f"{end[a['arm']]:.3f}")
    con.print(arms)
    con.print(f"mean reward {data['mean_reward']:.3f}; * = best arm")
    if data["highlights"]:
        con.rule(f"the {len(data['highlights'])} steps where the policy moved most")
        top = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for name in ("step", "arm", "reward", "advantage", "P(arm) before → after", "shift"):
            top.add_column(name, justify="right")
        for h in data["highlights"]:
            top.add_row(str(h["step"]), str(h["action"]), f"{h['reward']:g}", _signed(h["advantage"]),
                        f"{h['p_action_before']:.3f} → {h['p_action_after']:.3f}", f"{h['shift']:.3f}")
        con.print(top)
        con.print("shift = total variation between the policy before and after the step")
    if data["examples"]:
        con.rule("example steps (first and last)")
        for row in data["examples"]:
            _bandit_step(con, row)


def _bandit_step(con: Any, row: dict[str, Any]) -> None:
    before = " ".join(f"{p:.3f}" for p in row["probs_before"])
    after = " ".join(f"{p:.3f}" for p in row["probs_after"])
    con.print(f"step {row['step']}: arm {row['action']}, reward {row['reward']:g}, baseline {row['baseline']:.3f}, "
              f"advantage {_signed(row['advantage'])}")
    con.print(f"  π before [{before}]")
    con.print(f"  π after  [{after}]")
