"""The KL-regularised optimum over a small set of responses, swept over β.

Maximising E_π[r] − β · KL(π || π_ref) over all distributions π on a finite set has the closed
form π*(y) = π_ref(y) · exp(r(y)/β) / Z(β), and the optimal value is β · log Z(β) (Gibbs'
variational principle; see e.g. Rafailov et al. 2023, "Direct Preference Optimization", eq. 4).
Large β keeps π* at the reference policy; small β puts all mass on the highest reward — which,
when the reward is misspecified, is the reward hack.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from course_core.errors import UserError
from course_core.manifest import build_manifest, write_json
from course_core.rundir import staged_run

PROMPT = "What is 17 + 306? Output exactly one line: Final: <int>"
REWARD_MODEL = "lenient_rm_v1 (a stand-in learned reward model: likes correct answers, over-rewards repetition)"
DEFAULT_BETAS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
PLOT_NAME = "kl_tradeoff.png"


@dataclass(frozen=True)
class Candidate:
    id: str
    completion: str
    ref_prob: float
    reward: float


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("formatted_correct", "Final: 323", 0.20, 1.0),
    Candidate("verbose_correct", "17 + 306 = 323, so the answer is 323.", 0.40, 0.7),
    Candidate("formatted_wrong", "Final: 324", 0.20, 0.0),
    Candidate("leading_zero", "Final: 0323", 0.09, 0.3),
    Candidate("refusal", "I can't do arithmetic without a calculator.", 0.10, 0.0),
    Candidate("reward_hack", "Final: 323\nFinal: 323\nFinal: 323\nFinal: 323", 0.01, 1.2),
)


def logsumexp(z: np.ndarray) -> float:
    """log Σ exp(z_i), computed as m + log Σ exp(z_i − m) with m = max z."""
    m = float(np.max(z))
    return m + math.log(float(np.sum(np.exp(z - m))))


def check_inputs(ref_probs: np.ndarray, rewards: np.ndarray, beta: float) -> None:
    if ref_probs.shape != rewards.shape or ref_probs.ndim != 1 or ref_probs.size == 0:
        raise UserError("reference probabilities and rewards must be two non-empty lists of equal length")
    if not np.all(np.isfinite(ref_probs)) or np.any(ref_probs <= 0):
        raise UserError("every reference probability must be a finite number > 0")
    if abs(float(ref_probs.sum()) - 1.0) > 1e-9:
        raise UserError(f"reference probabilities must sum to 1, got {float(ref_probs.sum())!r}")
    if not np.all(np.isfinite(rewards)):
        raise UserError("every reward must be a finite number")
    if not (math.isfinite(beta) and beta > 0):
        raise UserError(f"β must be a finite number > 0, got {beta!r}", hint="e.g. --betas 0.05,0.1,0.5,1")


def optimal_log_policy(ref_probs: np.ndarray, rewards: np.ndarray, beta: float) -> np.ndarray:
    """log π*(y) = log π_ref(y) + r(y)/β − log Σ_y' π_ref(y') exp(r(y')/β)."""
    check_inputs(ref_probs, rewards, beta)
    z = np.log(ref_probs) + rewards / beta
    if not np.all(np.isfinite(z)):
        raise UserError(f"β = {beta!r} is too small: r/β overflows double precision", hint="use a larger β")
    return z - logsumexp(z)


def kl(log_p: np.ndarray, log_q: np.ndarray) -> float:
    """KL(p || q) = Σ p (log p − log q), taken in log space so p = 0 terms contribute 0."""
    return max(0.0, float(np.sum(np.exp(log_p) * (log_p - log_q))))


def objective(probs: np.ndarray, ref_probs: np.ndarray, rewards: np.ndarray, beta: float) -> float:
    """J(π) = E_π[r] − β · KL(π || π_ref), for any π with full support."""
    return float(probs @ rewards) - beta * kl(np.log(probs), np.log(ref_probs))


def sweep_point(ref_probs: np.ndarray, rewards: np.ndarray, beta: float, ids: list[str]) -> dict[str, Any]:
    """E[r], KL and the optimal value at one β, with π* by candidate id (stable key order)."""
    log_p = optimal_log_policy(ref_probs, rewards, beta)
    probs = np.exp(log_p)
    divergence = kl(log_p, np.log(ref_probs))
    expected = float(probs @ rewards)
    return {
        "beta": float(beta),
        "expected_reward": expected,
        "kl": divergence,
        "objective": expected - beta * divergence,
        "mode": ids[int(np.argmax(probs))],
        "probs": {i: float(p) for i, p in zip(ids, probs)},
    }


def sweep(betas: list[float], candidates: tuple[Candidate, ...] = CANDIDATES) -> list[dict[str, Any]]:
    ids = [c.id for c in candidates]
    ref = np.array([c.ref_prob for c in candidates], dtype=float)
    rew = np.array([c.reward for c in candidates], dtype=float)
    return [sweep_point(ref, rew, b, ids) for b in betas]


def parse_betas(text: str) -> list[float]:
    """``"0.05,0.1,1"`` → [0.05, 0.1, 1.0], sorted and de-duplicated; UserError on anything else."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise UserError("--betas is empty", hint="give comma-separated positive numbers, e.g. --betas 0.05,0.1,0.5,1")
    betas = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise UserError(f"--betas: {part!r} is not a number", hint="e.g. --betas 0.05,0.1,0.5,1") from None
        if not (math.isfinite(value) and value > 0):
            raise UserError(f"--betas: every β must be a finite number > 0, got {part!r}", hint="e.g. --betas 0.05,0.1,0.5,1")
        betas.append(value)
    return sorted(set(betas))


def summarize(betas: list[float], points: list[dict[str, Any]], candidates: tuple[Candidate, ...] = CANDIDATES) -> dict[str, Any]:
    ref_expected = sum(c.ref_prob * c.reward for c in candidates)
    best = max(candidates, key=lambda c: c.reward)
    return {
        "kind": "kl_tradeoff",
        "prompt": PROMPT,
        "reward_model": REWARD_MODEL,
        "candidates": [
            {"id": c.id, "completion": c.completion, "ref_prob": c.ref_prob, "reward": c.reward} for c in candidates
        ],
        "reference": {"expected_reward": ref_expected, "mode": max(candidates, key=lambda c: c.ref_prob).id},
        "argmax_reward": best.id,
        "betas": betas,
        "sweep": points,
    }


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
    return "\n".join(lines)


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write_plot(path: Path, summary: dict[str, Any]) -> None:
    """E[r] and KL against β (log axis), and π* of every candidate against β."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


@dataclass
class KLOutcome:
    outdir: Path
    summary: dict[str, Any]
    replaced: bool
    artifacts: list[str]
    plotted: bool


def run_kl_tradeoff(betas: list[float], outdir: str | Path, command: list[str] | None = None, plot: bool | None = None) -> KLOutcome:
    """Sweep β, then write results.csv, summary.json, summary.md (and a PNG plot) atomically.

    ``plot=None`` plots when matplotlib is importable; ``False`` never plots.
    """
    if not betas:
        raise UserError("no β values to sweep", hint="e.g. --betas 0.05,0.1,0.5,1")
    points = sweep(betas)
    summary = summarize(betas, points)
    ids = [c.id for c in CANDIDATES]
    plotted = matplotlib_available() if plot is None else plot
    artifacts = ["manifest.json", "results.csv", "summary.json", "summary.md"] + ([PLOT_NAME] if plotted else [])
    with staged_run(outdir) as staged:
        (staged.path / "results.csv").write_text(results_csv(points, ids), encoding="utf-8", newline="")
        manifest = build_manifest(
            kind="kl_tradeoff",
            args={"betas": betas, "outdir": str(outdir)},
            inputs=[],
            sampling_config={
                "environment": "kl_tradeoff_v1",
                "prompt": PROMPT,
                "reward_model": REWARD_MODEL,
                "candidates": summary["candidates"],
                "betas": betas,
                "method": "closed form π* ∝ π_ref · exp(r/β), log-sum-exp normalised",
            },
            artifacts=artifacts,
            command=command,
        )
        write_json(staged.path / "summary.json", summary, "kl_tradeoff_summary")
        write_json(staged.path / "manifest.json", manifest, "manifest")
        (staged.path / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")
        if plotted:
            write_plot(staged.path / PLOT_NAME, summary)
    return KLOutcome(outdir=Path(outdir), summary=summary, replaced=staged.replaced, artifacts=artifacts, plotted=plotted)


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
