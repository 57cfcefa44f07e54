"""Bandit run directories (Loop C): train, then write manifest, log, summary and figures atomically.

Two kinds of bandit run share the manifest kind "bandit":
- a Bernoulli bandit trained with REINFORCE (:func:`run_bandit`): log.jsonl has one row per step;
- the Sutton & Barto testbed (:func:`run_testbed`): % optimal action curves in a CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from course_core import plots
from course_core.bandit import BanditConfig, curves_from_records, log_row, summarize, summary_markdown, train, validate
from course_core.errors import UserError
from course_core.jsonl import dumps_line
from course_core.manifest import build_manifest, write_json
from course_core.rundir import check_outdir, staged_run
from course_core.schemas import check_artifact
from course_core.testbed import FIGURE_2_5_SETTINGS, TESTBED_MEAN, bernoulli_curves, figure_2_5

TESTBEDS = ("sutton-barto",)
TESTBED_TOLERANCE = 0.03
TESTBED_AVERAGED = 10  # % optimal is compared over the last 10 steps (991-1000): less noise than one step
TESTBED_CSV = "testbed_curves.csv"
REFERENCE = "Sutton & Barto, Reinforcement Learning: An Introduction (2nd ed., 2018), Figure 2.5"


@dataclass
class BanditOutcome:
    """What a bandit run produced: where, its summary, the artifacts, and (Bernoulli) the log rows."""

    outdir: Path
    summary: dict[str, Any]
    artifacts: list[str]
    replaced: bool
    rows: list[dict[str, Any]] = field(default_factory=list)  # log.jsonl rows, for narration


def run_bandit(config: BanditConfig, outdir: str | Path, args: dict[str, Any], command: list[str] | None = None) -> BanditOutcome:
    """Train (one bandit, or ``config.runs`` at once) and write the run directory; nothing on error."""
    validate(config)
    check_outdir(Path(outdir))  # refuse a forbidden --outdir before spending time on training
    records = train(config)
    curves = curves_from_records(records) if config.runs == 1 else bernoulli_curves(config)
    summary = summarize(config, curves)
    rows = [log_row(record) for record in records]
    with staged_run(outdir) as staged:
        with (staged.path / "log.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
            for row in rows:
                check_artifact(row, "bandit_log_row", artifact="log.jsonl")
                fh.write(dumps_line(row))
        write_json(staged.path / "summary.json", summary, "bandit_summary")
        (staged.path / "summary.md").write_text(summary_markdown(summary), encoding="utf-8", newline="\n")
        figures = plots.bandit_figures(staged.path, curves.mean_probs, curves.mean_rewards, list(config.arms), config.runs)
        artifacts = ["manifest.json", "log.jsonl", "summary.json", "summary.md", *figures]
        manifest = build_manifest(
            kind="bandit", args=args, inputs=[], sampling_config=config.sampling_config(), artifacts=artifacts, command=command
        )
        write_json(staged.path / "manifest.json", manifest, "manifest")
    return BanditOutcome(Path(outdir), summary, artifacts, staged.replaced, rows)


def summarize_testbed(optimal: np.ndarray, runs: int, steps: int, seed: int) -> dict[str, Any]:
    """summary.json of a Figure 2.5 reproduction: each setting's final % optimal against the book's."""
    averaged = min(TESTBED_AVERAGED, steps)
    settings = []
    for setting, curve in zip(FIGURE_2_5_SETTINGS, optimal):
        mean_tail = float(curve[-averaged:].mean())
        settings.append({
            "label": setting.label,
            "alpha": setting.alpha,
            "baseline": setting.baseline,
            "optimal_final_step": round(float(curve[-1]), 6),
            "optimal_averaged": round(mean_tail, 6),
            "published": setting.published,
            "within_tolerance": abs(mean_tail - setting.published) <= TESTBED_TOLERANCE,
        })
    return {
        "kind": "bandit",
        "environment": "sutton_barto_testbed",
        "runs": runs,
        "steps": steps,
        "seed": seed,
        "n_arms": 10,
        "testbed_mean": TESTBED_MEAN,
        "reference": REFERENCE,
        "tolerance": TESTBED_TOLERANCE,
        "averaged_steps": [steps - averaged + 1, steps],
        "settings": settings,
        "all_within_tolerance": all(s["within_tolerance"] for s in settings),
        "curves_csv": TESTBED_CSV,
    }


def figure_markdown(summary: dict[str, Any]) -> str:
    first, last = summary["averaged_steps"]
    lines = [
        "# Gradient bandit on the 10-armed testbed — Sutton & Barto Figure 2.5",
        "",
        f"- {summary['runs']} runs × {summary['steps']} steps per setting, seed {summary['seed']}; "
        f"q*(a) ~ N({summary['testbed_mean']:g}, 1), rewards ~ N(q*(a), 1)",
        "- update: H ← H + α · (R − R̄) · (onehot(A) − π); R̄ = average of all rewards so far, "
        "including the current one (Section 2.8), or 0 without baseline",
        f"- reference: {summary['reference']}",
        "",
        f"| setting | % optimal at step {summary['steps']} | mean, steps {first}–{last} | book (read off the figure) | within ±{summary['tolerance']:g} |",
        "|---|---:|---:|---:|:---:|",
    ]
    for s in summary["settings"]:
        lines.append(
            f"| {s['label']} | {100 * s['optimal_final_step']:.1f}% | {100 * s['optimal_averaged']:.1f}% | "
            f"{100 * s['published']:.0f}% | {'yes' if s['within_tolerance'] else 'no'} |"
        )
    lines += ["", f"Per-step curves: {summary['curves_csv']}.", ""]
    return "\n".join(lines)


def figure_csv(optimal: np.ndarray) -> str:
    """% optimal action per step, one column per setting (percent, 2 decimals)."""
    header = ",".join(["step"] + [f"pct_optimal_{s.column}" for s in FIGURE_2_5_SETTINGS])
    lines = [header]
    for t in range(optimal.shape[1]):
        lines.append(",".join([str(t + 1)] + [f"{100 * v:.2f}" for v in optimal[:, t]]))
    return "\n".join(lines) + "\n"


def run_testbed(
    name: str, runs: int, steps: int, seed: int, outdir: str | Path, args: dict[str, Any], command: list[str] | None = None
) -> BanditOutcome:
    """Reproduce Sutton & Barto's Figure 2.5 and write its run directory."""
    if name not in TESTBEDS:
        raise UserError(f"unknown testbed {name!r}", field="--testbed", hint=f"known testbeds: {', '.join(TESTBEDS)}")
    if not 1 <= runs <= 20_000:
        raise UserError(f"--runs must be between 1 and 20000 for the testbed, got {runs}", field="--runs")
    if not 1 <= steps <= 100_000:
        raise UserError(f"--steps must be between 1 and 100000 for the testbed, got {steps}", field="--steps")
    if seed < 0:
        raise UserError(f"--seed must be >= 0, got {seed}", field="--seed")
    check_outdir(Path(outdir))
    optimal = figure_2_5(runs=runs, steps=steps, seed=seed)
    summary = summarize_testbed(optimal, runs, steps, seed)
    sampling = {
        "environment": "sutton_barto_testbed",
        "n_arms": 10,
        "q_star": f"N({TESTBED_MEAN:g}, 1)",
        "reward_noise": "N(q*(a), 1)",
        "seed": seed,
        "steps": steps,
        "runs": runs,
        "settings": [{"alpha": s.alpha, "baseline": s.baseline} for s in FIGURE_2_5_SETTINGS],
        "baseline_rule": "average of all rewards including the current one",
        "policy": "softmax",
    }
    with staged_run(outdir) as staged:
        (staged.path / TESTBED_CSV).write_text(figure_csv(optimal), encoding="utf-8", newline="\n")
        write_json(staged.path / "summary.json", summary, "bandit_summary")
        (staged.path / "summary.md").write_text(figure_markdown(summary), encoding="utf-8", newline="\n")
        figures = plots.testbed_figure(staged.path, optimal, [s.label for s in FIGURE_2_5_SETTINGS], runs)
        artifacts = ["manifest.json", TESTBED_CSV, "summary.json", "summary.md", *figures]
        manifest = build_manifest(kind="bandit", args=args, inputs=[], sampling_config=sampling, artifacts=artifacts, command=command)
        write_json(staged.path / "manifest.json", manifest, "manifest")
    return BanditOutcome(Path(outdir), summary, artifacts, staged.replaced)
