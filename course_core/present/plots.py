"""Optional PNG figures of Loop C runs (the ``plot`` extra: matplotlib): bandit, testbed, KL tradeoff.

Without matplotlib every function here writes nothing and returns an empty list, so a run is
complete either way; the files a function did write are returned for the manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

LEARNING_CURVE = "learning_curve.png"
PROBABILITIES = "probability_trajectories.png"
FIGURE_2_5 = "figure_2_5.png"
KL_TRADEOFF = "kl_tradeoff.png"
LM_CURVES = "training_curves.png"


def _pyplot() -> Any | None:
    """matplotlib.pyplot on a non-interactive backend, or None when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def bandit_figures(outdir: Path, mean_probs: np.ndarray, mean_rewards: np.ndarray, arms: list[float], runs: int) -> list[str]:
    """learning_curve.png (reward per step and its running mean) and probability_trajectories.png."""
    plt = _pyplot()
    if plt is None:
        return []
    steps = np.arange(1, len(mean_rewards) + 1)
    over = f" (mean of {runs} runs)" if runs > 1 else ""

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.plot(steps, mean_rewards, ".", alpha=0.5, label="reward at step" + over)
    ax.plot(steps, np.cumsum(mean_rewards) / steps, label="running mean reward")
    ax.axhline(max(arms), linestyle=":", color="grey", label="best arm's reward rate")
    ax.set(xlabel="step", ylabel="reward", ylim=(-0.05, 1.05), title="Learning curve")
    ax.legend(loc="lower right", fontsize="small")
    _save(plt, fig, outdir / LEARNING_CURVE)

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for arm, q in enumerate(arms):
        ax.plot(np.arange(len(mean_probs)), mean_probs[:, arm], label=f"arm {arm} (p={q:g})")
    ax.set(xlabel="step", ylabel="π(arm)" + over, ylim=(-0.02, 1.02), title="Policy probabilities during training")
    ax.legend(loc="best", fontsize="small")
    _save(plt, fig, outdir / PROBABILITIES)
    return [LEARNING_CURVE, PROBABILITIES]


def testbed_figure(outdir: Path, optimal: np.ndarray, labels: list[str], runs: int) -> list[str]:
    """figure_2_5.png: % optimal action per step for each setting (Sutton & Barto, Figure 2.5)."""
    plt = _pyplot()
    if plt is None:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    steps = np.arange(1, optimal.shape[1] + 1)
    for curve, label in zip(optimal, labels):
        ax.plot(steps, 100 * curve, label=label)
    ax.set(xlabel="steps", ylabel="% optimal action", ylim=(0, 100),
           title=f"Gradient bandit, 10-armed testbed, q* ~ N(4, 1), {runs} runs")
    ax.legend(loc="lower right", fontsize="small")
    _save(plt, fig, outdir / FIGURE_2_5)
    return [FIGURE_2_5]


def kl_tradeoff_figure(outdir: Path, summary: dict[str, Any]) -> list[str]:
    """kl_tradeoff.png: E[r] and KL against β (log axis), and π* of every candidate against β."""
    plt = _pyplot()
    if plt is None:
        return []
    betas = [pt["beta"] for pt in summary["sweep"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(betas, [pt["expected_reward"] for pt in summary["sweep"]], marker="o", label="E[r] under π*")
    left.plot(betas, [pt["kl"] for pt in summary["sweep"]], marker="s", label="KL(π* || π_ref)")
    left.set_xscale("log")
    left.set_xlabel("β")
    left.legend()
    left.set_title("reward vs. divergence")
    for c in summary["candidates"]:
        right.plot(betas, [pt["probs"][c["id"]] for pt in summary["sweep"]], marker=".", label=c["id"])
    right.set_xscale("log")
    right.set_xlabel("β")
    right.set_ylabel("π*(y)")
    right.set_ylim(0, 1)
    right.legend(fontsize="small")
    right.set_title("π*(y) ∝ π_ref(y)·exp(r(y)/β)")
    _save(plt, fig, outdir / KL_TRADEOFF)
    return [KL_TRADEOFF]


def lm_train_figures(outdir: Path, rows: list[dict[str, Any]]) -> list[str]:
    """training_curves.png: reward, strict format and P("F…") per step (held-out accuracy marked), then KL and entropy."""
    plt = _pyplot()
    if plt is None:
        return []
    steps = [r["step"] for r in rows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.4), sharex=True)
    top.plot(steps, [r["mean_reward"] for r in rows], label="mean reward (training samples)")
    top.plot(steps, [r["strict_format_rate"] for r in rows], label="strict format rate")
    top.plot(steps, [r["p_final_first"] for r in rows], ":", label='P(first token of "Final:")')
    held = [(r["step"], r["heldout"]) for r in rows if r["heldout"] is not None]
    if held:
        top.plot([s for s, _ in held], [h["accuracy"] for _, h in held], "o", label="held-out accuracy")
    top.set(ylabel="rate", ylim=(-0.05, 1.05), title="REINFORCE with a group baseline")
    top.legend(loc="lower right", fontsize="small")
    bottom.plot(steps, [r["kl"] for r in rows], label="KL to the starting model (per token)")
    bottom.plot(steps, [r["entropy"] for r in rows], label="entropy (per token)")
    bottom.set(xlabel="step", ylabel="nats")
    bottom.legend(loc="best", fontsize="small")
    _save(plt, fig, outdir / LM_CURVES)
    return [LM_CURVES]
