"""Loop C in a terminal (rich): bandit steps and summaries, the testbed, two-step policies, the KL sweep, tokens.

rich is imported inside each function, so importing this module stays cheap.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from course_core.learning.tokens import show_piece
from course_core.learning.two_step_run import policy_rows
from course_core.present.cli import written

if TYPE_CHECKING:
    from course_core.artifacts.rundir import WrittenRun


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


def bandit_summary(con: Any, run: WrittenRun) -> None:
    summary = run.summary
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
    spread = summary.get("across_runs")
    if spread:
        arms = "/".join(str(i) for i in range(len(spread["runs_preferring_arm"])))
        con.print(f"across {runs} runs: update variance {spread['update_variance']:.4f}, "
                  f"std of final P(best) {spread['p_best_end_std']:.3f}")
        con.print(f"runs ending on arm {arms}: {'/'.join(map(str, spread['runs_preferring_arm']))}; "
                  f"locked (P >= {spread['lock_threshold']:g}): {spread['runs_locked']}, "
                  f"{spread['runs_locked_on_worse_arm']} on a worse arm")
    if summary.get("policy_module"):
        module = summary["policy_module"]
        con.print(f"update: --policy {module['path']} ({module['sha256'][:19]}…)")
    written(con, run)


def bandit_testbed(con: Any, run: WrittenRun) -> None:
    """--testbed sutton-barto: % optimal action per setting next to the book's Figure 2.5."""
    summary = run.summary
    from rich import box
    from rich.table import Table

    first, last = summary["averaged_steps"]
    points = 100 * summary["tolerance"]
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("setting", no_wrap=True)  # "alpha=0.1, without baseline" is one label
    table.add_column(f"step {summary['steps']}", justify="right")
    table.add_column(f"mean {first}-{last}", justify="right")
    table.add_column("book", justify="right")
    table.add_column(f"within {points:g} pts", justify="right")
    for s in summary["settings"]:
        ok = "[green]yes[/green]" if s["within_tolerance"] else "[red]no[/red]"
        table.add_row(s["label"], f"{100 * s['optimal_final_step']:.1f}%", f"{100 * s['optimal_averaged']:.1f}%",
                      f"{100 * s['published']:.0f}%", ok)
    con.print("[bold]Sutton & Barto (2018), Figure 2.5[/bold]: gradient bandit, 10-armed testbed")
    con.print(f"% optimal action, {summary['runs']} runs × {summary['steps']} steps per setting, seed {summary['seed']};")
    con.print("book: the value read off the book's figure at step 1000")
    con.print(table)
    written(con, run)


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


def policy_table(summary: dict[str, Any]) -> Any:
    """A rich Table of the policy at the start and the end of the run."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("policy")
    table.add_column("start", justify="right")
    table.add_column(f"after {summary['steps']} episodes", justify="right")
    for label, a, b in policy_rows(summary):
        table.add_row(escape(label), f"{a:.3f}", f"{b:.3f}")
    return table


def sweep_table(summary: dict[str, Any]) -> Any:
    """A rich Table: one row per β with E[r], KL and π* of each candidate (the most likely in bold)."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for name in ("β", "E\\[r]", "KL"):
        table.add_column(name, justify="right")
    ids = [c["id"] for c in summary["candidates"]]
    for i in ids:
        table.add_column(i.replace("_", "\n"), justify="right")
    for pt in summary["sweep"]:
        cells = [f"[bold]{pt['probs'][i]:.2f}[/bold]" if i == pt["mode"] else f"{pt['probs'][i]:.2f}" for i in ids]
        table.add_row(f"{pt['beta']:g}", f"{pt['expected_reward']:.3f}", f"{pt['kl']:.3f}", *cells)
    return table


def _packed(pieces: list[str], width: int) -> str:
    """Pieces joined by spaces, in lines of at most ``width`` where possible, never splitting a piece."""
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return "\n".join(lines)


def report_table(report: dict[str, Any], width: int = 80) -> Any:
    """A rich Table for a ``width``-column screen: the texts side by side, with token strings and ids.

    Token strings are packed into lines by this function and the column never wraps, so a token
    such as ``" "`` is never split across lines; ids wrap between numbers.
    """
    from rich.markup import escape
    from rich.table import Table

    texts = [json.dumps(row["text"], ensure_ascii=False) for row in report["texts"]]
    pieces = [[show_piece(bytes.fromhex(h)) for h in row["bytes_hex"]] for row in report["texts"]]
    text_w = min(max([4, *map(len, texts)]), width // 3)
    n_w = max(1, *(len(str(row["count"])) for row in report["texts"]))
    room = width - 13 - text_w - n_w  # 5 borders and 2 spaces of padding per column
    longest = max((len(p) for row in pieces for p in row), default=1)
    joined = max((len(" ".join(row)) for row in pieces), default=1)
    tokens_w = max(longest, 6, min(room // 2, joined))
    table = Table(show_lines=True)
    table.add_column("text", overflow="fold", max_width=text_w)
    table.add_column("n", justify="right")
    table.add_column("tokens", no_wrap=True, min_width=tokens_w, max_width=tokens_w)
    table.add_column("ids", overflow="fold")
    for row, text, row_pieces in zip(report["texts"], texts, pieces):
        table.add_row(
            escape(text), str(row["count"]), escape(_packed(row_pieces, tokens_w)), " ".join(str(i) for i in row["ids"])
        )
    return table


def bandit_run(con: Any, run: WrittenRun, slow: bool = False) -> None:
    """What ``course.bandit_train`` prints: the testbed's table, or (``--slow``: every step, then) the summary."""
    if run.summary["environment"] == "sutton_barto_testbed":
        bandit_testbed(con, run)
        return
    if slow:
        bandit_steps(con, run.rows, run.summary["arms"], run.summary["best_arm"])
    bandit_summary(con, run)


def two_step_result(con: Any, run: WrittenRun, update: str | None = None) -> None:
    """What ``course.two_step_demo`` prints: the policy at the start and the end, and where credit went.

    ``update`` names a user's update (``--policy``) when one was used.
    """
    s = run.summary
    credit = "both steps" if s["credit_step1"] else "step 2 only"
    con.print(f"[bold]REINFORCE, reward only at the end[/bold]: seed {s['seed']}, lr {s['lr']}, credit to {credit}")
    if update is not None:
        con.print(f"update: {update}")
    con.print(policy_table(s))
    if not s["credit_step1"] and s["end"]["policy"]["step1"]["right"] == 0.5:
        con.print("step 1 received no credit: its policy has not moved (P(right) = 0.5 exactly)")
    elif not s["credit_step1"]:
        con.print("[yellow]--no-credit-step1, yet step 1 moved: the update did not honour update_step1=False[/yellow]")
    written(con, run)


def kl_sweep(con: Any, run: WrittenRun, plot_wanted: bool = True, method: str | None = None) -> None:
    """What ``course.kl_tradeoff_demo`` prints: π* at each β, and which way β pulls it.

    ``method`` names a user's module (``--policy``) when one computed the run; the choice per β
    (``--choice-betas``) is printed when the run has one.
    """
    from course_core.learning.kl_choice import choices_markdown
    from course_core.present.plots import KL_TRADEOFF

    s = run.summary
    con.print(f"[bold]π*(y) ∝ π_ref(y)·exp(r(y)/β)[/bold]   (under π_ref itself: E\\[r] = {s['reference']['expected_reward']:.3f})")
    con.print(sweep_table(s))
    con.print(f"small β → π* piles onto {s['argmax_reward']} (highest reward); large β → π* ≈ π_ref (KL → 0)")
    if method is not None:
        con.print(f"computed by {method}")
    if "choices" in s:
        con.print("\n".join(choices_markdown(s["choices"])), markup=False)
    if plot_wanted and KL_TRADEOFF not in run.artifacts:
        con.print("no plot: matplotlib is not installed (install the `plot` extra for kl_tradeoff.png)")
    written(con, run)


def token_report(con: Any, report: dict[str, Any]) -> None:
    """What ``course.token_inspect`` prints: the tokenizer, each text's split, and how many distinct splits."""
    from rich.markup import escape

    tok = report["tokenizer"]
    con.print(f"[bold]tokenizer: {escape(tok['name'])}[/bold] — {escape(tok['source'])}")
    if tok["note"]:
        con.print(f"[yellow]{escape(tok['note'])}[/yellow]")
    con.print(report_table(report, con.width))
    distinct = len({tuple(row["ids"]) for row in report["texts"]})
    con.print(f"{len(report['texts'])} text(s) → {distinct} distinct token sequence(s); the model sees ids, not characters")
