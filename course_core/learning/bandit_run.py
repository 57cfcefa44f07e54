"""Bandit run directories (Loop C): train, then write manifest, log, summary and figures atomically.

Two kinds of bandit run share the manifest kind "bandit":
- a Bernoulli bandit trained with REINFORCE (:func:`run_bandit`): log.jsonl has one row per step;
- the Sutton & Barto testbed (:func:`run_testbed`): % optimal action curves in a CSV.

:func:`run_bandit_train` is what ``course.bandit_train`` does with its flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course_core.artifacts.jsonl import write_rows
from course_core.artifacts.manifest import build_manifest
from course_core.artifacts.rundir import WrittenRun, check_outdir, default_outdir, finish_run, staged_run
from course_core.errors import UserError
from course_core.learning import defaults
from course_core.learning.bandit import (
    BanditConfig, Curves, StepRecord, curves_from_records, curves_from_runs, log_row, parse_arms, round6, train, validate,
)
from course_core.learning.testbed import FIGURE_2_5_SETTINGS, TESTBED_MEAN, across_runs, bernoulli_curves, figure_2_5, policy_runs
from course_core.learning.user_policy import UserPolicy, load_policy
from course_core.present import plots

VERDICT_MARGIN = 0.05  # |change in P(best arm)| below this is "no clear change"
TOWARD, AWAY, NO_CHANGE = "learned toward the best arm", "learned away from the best arm", "no clear change"
TESTBEDS = ("sutton-barto",)
TESTBED_TOLERANCE = 0.03
TESTBED_AVERAGED = 10  # % optimal is compared over the last 10 steps (991-1000): less noise than one step
TESTBED_CSV = "testbed_curves.csv"
REFERENCE = "Sutton & Barto, Reinforcement Learning: An Introduction (2nd ed., 2018), Figure 2.5"
TESTBED_FLAGS = ("--steps", "--runs", "--seed", "--no-plot", "--outdir")


def verdict(p_best_start: float, p_best_end: float, margin: float = VERDICT_MARGIN) -> str:
    """Which way the probability of the best arm moved, if clearly at all."""
    change = p_best_end - p_best_start
    if change > margin:
        return TOWARD
    if change < -margin:
        return AWAY
    return NO_CHANGE


def summarize(config: BanditConfig, curves: Curves) -> dict[str, Any]:
    """summary.json of a Bernoulli bandit run (means over runs when ``config.runs`` > 1)."""
    best = config.best_arm
    quarter = max(1, config.steps // 4)
    p_start, p_end = float(curves.mean_probs[0, best]), float(curves.mean_probs[-1, best])
    return {
        "kind": "bandit",
        "environment": "bernoulli_bandit",
        "arms": list(config.arms),
        "steps": config.steps,
        "runs": curves.runs,
        "seed": config.seed,
        "lr": config.lr,
        "baseline": config.baseline,
        "mean_reward": round6(curves.mean_rewards.mean()),
        "mean_reward_last_quarter": round6(curves.mean_rewards[-quarter:].mean()),
        "last_quarter_steps": quarter,
        "best_arm": best,
        "p_best_start": round6(p_start),
        "p_best_end": round6(p_end),
        "final_probs": [round6(p) for p in curves.mean_probs[-1]],
        "action_counts": [int(c) for c in curves.action_counts],
        "verdict": verdict(p_start, p_end),
        "curves": {
            "mean_reward": [round6(r) for r in curves.mean_rewards],
            "p_best": [round6(p) for p in curves.mean_probs[:, best]],
        },
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    runs = summary["runs"]
    over = f" (means over {runs} runs, seeds drawn from one stream starting at seed {summary['seed']})" if runs > 1 else ""
    baseline = "running mean of earlier rewards" if summary["baseline"] else "none (b = 0)"
    module = summary.get("policy_module")
    lines = [
        f"# Bandit run — REINFORCE, {len(summary['arms'])}-armed Bernoulli bandit",
        "",
        f"- steps: {summary['steps']}, lr: {summary['lr']}, baseline: {baseline}, seed: {summary['seed']}{over}",
        "- update: θ ← θ + lr · (r − b) · (onehot(a) − π_θ), logits start at 0 (uniform policy)",
        *([f"- computed by softmax and train_step from {module['path']} ({module['sha256']}), given with --policy"] if module else []),
        "",
        f"**P(best arm {summary['best_arm']}): {summary['p_best_start']:.3f} → {summary['p_best_end']:.3f} — {summary['verdict']}**",
        "",
        f"Mean reward {summary['mean_reward']:.3f}; over the last {summary['last_quarter_steps']} steps "
        f"{summary['mean_reward_last_quarter']:.3f}.",
        "",
        "| arm | reward probability | times pulled | final P(arm) |",
        "|---:|---:|---:|---:|",
    ]
    for i, (q, n, p) in enumerate(zip(summary["arms"], summary["action_counts"], summary["final_probs"])):
        mark = " (best)" if i == summary["best_arm"] else ""
        lines.append(f"| {i}{mark} | {q} | {n} | {p:.3f} |")
    spread = summary.get("across_runs")
    if spread:
        lines += [
            "",
            f"Across the {runs} runs: update variance {spread['update_variance']:.4f} (per step, summed over arms, "
            f"averaged over steps); std of the final P(best arm) {spread['p_best_end_std']:.3f}; runs preferring each arm "
            f"at the end {spread['runs_preferring_arm']}; {spread['runs_locked']} runs locked (one arm >= {spread['lock_threshold']:g}), "
            f"{spread['runs_locked_on_worse_arm']} of them on a worse arm.",
        ]
    lines += [
        "",
        "log.jsonl holds one row per step" + (" of run 0 (seed " + str(summary["seed"]) + ")" if runs > 1 else "")
        + ": the sampled arm, reward, baseline, advantage, and the policy before and after the update.",
        "",
    ]
    return "\n".join(lines)


def _train(config: BanditConfig, policy: UserPolicy | None) -> tuple[list[StepRecord], Curves, dict[str, Any]]:
    """(run 0's records, the curves, what the summary adds): the kit's update, or the user's module."""
    if policy is None:
        records = train(config)
        return records, curves_from_records(records) if config.runs == 1 else bernoulli_curves(config), {}
    runs = [train(config, policy)] if config.runs == 1 else policy_runs(config, policy)
    extra: dict[str, Any] = {"policy_module": policy.record()}
    if config.runs > 1:
        extra["across_runs"] = across_runs(config, runs)
    return runs[0], curves_from_runs(runs), extra


def run_bandit(
    config: BanditConfig,
    outdir: str | Path,
    args: dict[str, Any],
    command: list[str] | None = None,
    policy: UserPolicy | None = None,
    plot: bool | None = None,
) -> WrittenRun:
    """Train (one bandit, or ``config.runs``) and write the run directory; nothing on error.

    With ``policy`` (``--policy FILE``) the user's update trains the bandits; the manifest
    (``policy_module``, where every run writer records a user's module) and the summary record
    the module (path and sha256), and a run of several bandits adds ``across_runs`` to the summary.
    ``plot=None`` draws the figures when matplotlib is importable; ``False`` never draws them
    (drawing takes about 0.35 s of CPU a run, far more than training).
    """
    validate(config)
    check_outdir(Path(outdir))  # refuse a forbidden --outdir before spending time on training
    records, curves, extra = _train(config, policy)
    summary = summarize(config, curves) | extra
    rows = [log_row(record) for record in records]
    with staged_run(outdir) as staged:
        write_rows(staged.path / "log.jsonl", rows, "bandit_log_row")
        figures = [] if plot is False else plots.bandit_figures(
            staged.path, curves.mean_probs, curves.mean_rewards, list(config.arms), config.runs
        )
        artifacts = ["manifest.json", "log.jsonl", "summary.json", "summary.md", *figures]
        manifest = build_manifest(
            kind="bandit", args=args, inputs=[], sampling_config=config.sampling_config(), artifacts=artifacts, command=command
        )
        if policy is not None:
            manifest["policy_module"] = policy.record()
        finish_run(staged.path, manifest, summary, "bandit_summary", summary_markdown(summary))
    return WrittenRun(Path(outdir), summary, artifacts, staged.replaced, rows)


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
    name: str, runs: int, steps: int, seed: int, outdir: str | Path, args: dict[str, Any], command: list[str] | None = None,
    plot: bool | None = None,
) -> WrittenRun:
    """Reproduce Sutton & Barto's Figure 2.5 and write its run directory (``plot`` as for :func:`run_bandit`)."""
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
        figures = [] if plot is False else plots.testbed_figure(staged.path, optimal, [s.label for s in FIGURE_2_5_SETTINGS], runs)
        artifacts = ["manifest.json", TESTBED_CSV, "summary.json", "summary.md", *figures]
        manifest = build_manifest(kind="bandit", args=args, inputs=[], sampling_config=sampling, artifacts=artifacts, command=command)
        finish_run(staged.path, manifest, summary, "bandit_summary", figure_markdown(summary))
    return WrittenRun(Path(outdir), summary, artifacts, staged.replaced)


def run_bandit_train(
    *,
    steps: int | None = None,
    seed: int = defaults.BANDIT_SEED,
    lr: float | None = None,
    baseline: bool = False,
    slow: bool = False,
    runs: int | None = None,
    arms: str | None = None,
    testbed: str | None = None,
    outdir: str | Path | None = None,
    command: list[str] | None = None,
    policy: str | Path | None = None,
    plot: bool | None = None,
) -> WrittenRun:
    """``course.bandit_train``: fill in the defaults, refuse flags that do not combine, write the run.

    ``None`` means "not given on the command line"; ``arms`` is the ``--arms`` text; ``policy``
    is the ``--policy`` file, loaded before anything is trained or written; ``plot=False``
    (``--no-plot``) draws no figure.
    """
    outdir = outdir or default_outdir("bandit")
    if testbed is not None:
        for flag, given in (("--lr", lr is not None), ("--arms", arms is not None), ("--baseline", baseline), ("--slow", slow),
                            ("--policy", policy is not None)):
            if given:
                raise UserError(
                    f"{flag} does not apply to --testbed: it runs alpha 0.1 and 0.4, with and without baseline, "
                    "on its own 10-armed Gaussian testbed",
                    field=flag,
                    hint=f"drop that flag (the testbed accepts {', '.join(TESTBED_FLAGS[:-1])} and {TESTBED_FLAGS[-1]})",
                )
        runs = defaults.TESTBED_RUNS if runs is None else runs
        steps = defaults.TESTBED_STEPS if steps is None else steps
        recorded = {"testbed": testbed, "steps": steps, "runs": runs, "seed": seed, "outdir": str(outdir)}
        return run_testbed(testbed, runs=runs, steps=steps, seed=seed, outdir=outdir, args=recorded, command=command, plot=plot)
    runs = 1 if runs is None else runs
    if slow and runs > 1:
        raise UserError("--slow narrates one bandit; it cannot be combined with --runs > 1", field="--slow",
                        hint="drop --runs to watch one bandit learn, or drop --slow to see the mean curves")
    config = BanditConfig(
        arms=defaults.BANDIT_ARMS if arms is None else parse_arms(arms),
        steps=defaults.BANDIT_STEPS if steps is None else steps,
        lr=defaults.BANDIT_LR if lr is None else lr,
        baseline=baseline,
        seed=seed,
        runs=runs,
    )
    recorded = {
        "steps": config.steps, "seed": config.seed, "lr": config.lr, "baseline": config.baseline, "slow": slow,
        "runs": config.runs, "arms": list(config.arms), "outdir": str(outdir),
    } | ({"policy": str(policy)} if policy is not None else {})
    user = load_policy(policy) if policy is not None else None
    return run_bandit(config, outdir, args=recorded, command=command, policy=user, plot=plot)
