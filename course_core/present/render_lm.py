"""Loop C on a language model in a terminal (rich): the per-step table, the summary, the inspection.

rich is imported inside each function, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from course_core.present.cli import written
from course_core.present.render_measurement import _completion_text

if TYPE_CHECKING:
    from course_core.lm.train_run import LMTrainRun

PROGRESS_LINES = 15  # about this many progress lines per run, whatever its length
COLUMNS = ("step", "reward", "format", "accuracy", "P(F…)", "KL", "entropy", "|grad|", "signal")


def _cells(row: dict[str, Any]) -> list[str]:
    return [
        str(row["step"]), f"{row['mean_reward']:.3f}", f"{row['strict_format_rate']:.3f}", f"{row['accuracy']:.3f}",
        f"{row['p_final_first']:.3f}", f"{row['kl']:.4f}", f"{row['entropy']:.3f}", f"{row['grad_norm']:.2f}",
        f"{row['groups_with_signal']:.2f}",
    ]


def progress_printer(con: Any, steps: int) -> Callable[[dict[str, Any]], None]:
    """A callback printing one fixed-width line every few steps (and the first and last)."""
    every = max(1, steps // PROGRESS_LINES)
    widths = [5, 7, 7, 8, 7, 8, 8, 7, 7]
    con.print("  ".join(name.rjust(w) for name, w in zip(COLUMNS, widths)))

    def show(row: dict[str, Any]) -> None:
        if row["step"] == 1 or row["step"] % every == 0 or row["step"] == steps:
            con.print("  ".join(c.rjust(w) for c, w in zip(_cells(row), widths)), highlight=False)
        h = row["heldout"]
        if h is not None:
            con.print(f"       held-out after step {row['step']}: format {h['strict_format_rate']:.3f}, "
                      f"accuracy {h['accuracy']:.3f}, P(F…) {h['p_final_first']:.3f}", highlight=False)

    return show


def _heldout_table(con: Any, heldout: dict[str, Any]) -> None:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  title=f"held-out: {heldout['dataset']} ({heldout['n']} prompts, one sample each)")
    for name in ("", "before", "after"):
        table.add_column(name, justify="right" if name else "left")
    b, a = heldout["before"], heldout["after"]
    table.add_row("strict format rate", f"{b['strict_format_rate']:.3f}", f"{a['strict_format_rate']:.3f}")
    table.add_row("accuracy (strict)", f"{b['accuracy']:.3f}", f"{a['accuracy']:.3f}")
    table.add_row('P(first token of "Final:")', f"{b['p_final_first']:.3f}", f"{a['p_final_first']:.3f}")
    con.print(table)


def lm_train_summary(con: Any, run: LMTrainRun) -> None:
    """What ``course.lm_train`` prints when it is done: held-out before → after, the verdict, the files."""
    summary, seconds = run.summary, run.seconds
    t = summary["train"]
    con.print(f"{summary['model']} ({summary['parameters']:,} parameters): {summary['steps']} steps × "
              f"{summary['prompts_per_step']} prompts × {summary['group_size']} samples in {seconds:.1f} s")
    con.print(f"training reward {t['mean_reward_first']:.3f} → {t['mean_reward_last']:.3f} (means of the first and last "
              f"{t['window']} steps); KL to the start {t['kl_final']:.4f} per token")
    if summary["heldout"] is not None:
        _heldout_table(con, summary["heldout"])
    colour = "green" if summary["verdict"].startswith("learned") else "yellow"
    con.print(f"[bold {colour}]{summary['verdict']}[/bold {colour}]")
    con.print(f"policy: {summary['weights_before'][:23]}… → {summary['weights_after'][:23]}…")
    written(con, run)


def lm_train_inspection(con: Any, data: dict[str, Any]) -> None:
    """inspect_run on an lm_train run: held-out before/after, the curve at a glance, completions first and last."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    s = data["summary"]
    con.print(f"[bold]{data['run']}[/bold] — lm_train run, {s['model']}, {data['n']} steps")
    con.print(f"verdict: {s['verdict']}")
    if data.get("example") is not None:
        _step(con, data["example"], escape)
        return
    if s["heldout"] is not None:
        _heldout_table(con, s["heldout"])
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title="training, at a glance")
    for name in COLUMNS:
        table.add_column(name, justify="right")
    for row in data["trajectory"]:
        table.add_row(*_cells(row))
    con.print(table)
    con.print("signal = share of groups whose samples earned different rewards (the others teach nothing)")
    for sample in data["examples"]:
        _sample(con, sample, escape, data["only_fails"])


def _step(con: Any, example: dict[str, Any], escape: Any) -> None:
    con.print("  ".join(f"{k} {v}" for k, v in zip(COLUMNS, _cells(example["log"]))))
    _sample(con, example["sample"], escape, False)


def _sample(con: Any, sample: dict[str, Any], escape: Any, only_fails: bool) -> None:
    con.rule(f"step {sample['step']}: {sample['id']} — {escape(sample['prompt'])} (expected {sample['expected_answer']})")
    for c in sample["completions"]:
        if only_fails and c["reward"] >= 1.0:
            continue
        style = "green" if c["reward"] >= 1.0 else "red" if c["advantage"] < 0 else "dim"
        con.print(f"  [{style}]A {c['advantage']:+.3f}[/{style}]  r {c['reward']:g}  {c['outcome']:<20} "
                  f"{escape(repr(_completion_text(c['completion'], 120)))}")
