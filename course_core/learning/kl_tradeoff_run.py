"""KL-tradeoff run directories (Loop C): sweep β, then write the results, summary and plot atomically.

The closed form and the sweep live in :mod:`course_core.learning.kl_tradeoff`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from course_core.artifacts.manifest import build_manifest
from course_core.artifacts.rundir import WrittenRun, default_outdir, finish_run, staged_run
from course_core.errors import UserError
from course_core.learning import defaults
from course_core.learning.kl_choice import choices, choices_markdown
from course_core.learning.kl_tradeoff import CANDIDATES, PROMPT, REWARD_MODEL, summarize, sweep
from course_core.present import plots


def results_csv(points: list[dict[str, Any]], ids: list[str]) -> str:
    """One row per β: beta, expected_reward, kl, objective, mode, then π*(y) per candidate."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["beta", "expected_reward", "kl", "objective", "mode", *(f"p_{i}" for i in ids)])
    for pt in points:
        writer.writerow([repr(pt["beta"]), repr(pt["expected_reward"]), repr(pt["kl"]), repr(pt["objective"]),
                         pt["mode"], *(repr(pt["probs"][i]) for i in ids)])
    return buf.getvalue()


def summary_markdown(summary: dict[str, Any]) -> str:
    ids = [c["id"] for c in summary["candidates"]]
    lines = [
        "# KL-regularised optimum: π*(y) ∝ π_ref(y) · exp(r(y)/β)",
        "",
        f"Prompt: `{summary['prompt']}`  ",
        f"Reward: {summary['reward_model']}",
        "",
        "| candidate | completion | π_ref | r |",
        "|---|---|---:|---:|",
    ]
    for c in summary["candidates"]:
        shown = c["completion"].replace("\n", "⏎")
        lines.append(f"| {c['id']} | `{shown}` | {c['ref_prob']:.3f} | {c['reward']:.2f} |")
    lines += [
        "",
        "| β | E[r] | KL(π*‖π_ref) | E[r] − β·KL | most likely | " + " | ".join(ids) + " |",
        "|---:|---:|---:|---:|---|" + "---:|" * len(ids),
    ]
    for pt in summary["sweep"]:
        probs = " | ".join(f"{pt['probs'][i]:.3f}" for i in ids)
        lines.append(
            f"| {pt['beta']:g} | {pt['expected_reward']:.3f} | {pt['kl']:.3f} | {pt['objective']:.3f} | {pt['mode']} | {probs} |"
        )
    lines += [
        "",
        f"Under π_ref, E[r] = {summary['reference']['expected_reward']:.3f}. Large β keeps π* near π_ref (KL → 0);",
        f"small β concentrates π* on the highest reward (`{summary['argmax_reward']}`); when the reward model is",
        "misspecified, that is a reward hack. β sets how far reward may pull the policy from the reference.",
        "",
    ]
    if "choices" in summary:
        lines += choices_markdown(summary["choices"])
    return "\n".join(lines)


def run_kl_tradeoff(
    betas: Sequence[float] | None = None,
    outdir: str | Path | None = None,
    command: list[str] | None = None,
    plot: bool | None = None,
    choice_betas: list[float] | None = None,
    user: Any = None,
) -> WrittenRun:
    """Sweep β (default :data:`~course_core.learning.defaults.KL_BETAS`), then write results.csv,
    summary.json, summary.md (and a PNG plot) atomically.

    ``choice_betas`` adds the choice among the candidates, one row per β (any sign: see
    :mod:`course_core.learning.kl_choice`); ``user`` (a
    :class:`course_core.learning.kl_user.UserKL`) computes the sweep and the choice with a
    user's module, which the manifest then names.

    ``plot=None`` plots when matplotlib is importable; ``False`` never plots.
    """
    betas = list(defaults.KL_BETAS if betas is None else betas)
    if not betas:
        raise UserError("no β values to sweep", hint="e.g. --betas 0.05,0.1,0.5,1")
    outdir = outdir or default_outdir("kl_tradeoff")
    points = sweep(betas, point=None if user is None else user.sweep_point)
    summary = summarize(betas, points)
    if choice_betas is not None:
        summary["choices"] = choices(choice_betas, CANDIDATES, user)
    ids = [c.id for c in CANDIDATES]
    args: dict[str, Any] = {"betas": betas, "outdir": str(outdir)}
    sampling_config: dict[str, Any] = {
        "environment": "kl_tradeoff_v1",
        "prompt": PROMPT,
        "reward_model": REWARD_MODEL,
        "candidates": summary["candidates"],
        "betas": betas,
        "method": "closed form π* ∝ π_ref · exp(r/β), log-sum-exp normalised",
    }
    if choice_betas is not None:
        args["choice_betas"] = sampling_config["choice_betas"] = choice_betas
    if user is not None:
        args["policy"] = user.loaded.path
        sampling_config["method"] = user.label
    with staged_run(outdir) as staged:
        (staged.path / "results.csv").write_text(results_csv(points, ids), encoding="utf-8", newline="")
        figures = [] if plot is False else plots.kl_tradeoff_figure(staged.path, summary)
        artifacts = ["manifest.json", "results.csv", "summary.json", "summary.md", *figures]
        manifest = build_manifest(
            kind="kl_tradeoff",
            args=args,
            inputs=[],
            sampling_config=sampling_config,
            artifacts=artifacts,
            command=command,
        )
        if user is not None:
            manifest["policy_module"] = user.loaded.record()
        finish_run(staged.path, manifest, summary, "kl_tradeoff_summary", summary_markdown(summary))
    return WrittenRun(Path(outdir), summary, artifacts, staged.replaced)
