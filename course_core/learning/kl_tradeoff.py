"""The KL-regularised optimum over a small set of responses, swept over β.

Maximising E_π[r] − β · KL(π || π_ref) over all distributions π on a finite set has the closed
form π*(y) = π_ref(y) · exp(r(y)/β) / Z(β), and the optimal value is β · log Z(β) (Gibbs'
variational principle; see e.g. Rafailov et al. 2023, "Direct Preference Optimization", eq. 4).
Large β keeps π* at the reference policy; small β puts all mass on the highest reward — which,
when the reward is misspecified, is the reward hack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_core.errors import UserError

PROMPT = "What is 17 + 306? Output exactly one line: Final: <int>"
REWARD_MODEL = "lenient_rm_v1 (a stand-in learned reward model: likes correct answers, over-rewards repetition)"


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
    return point_row(beta, np.exp(log_p), kl(log_p, np.log(ref_probs)), rewards, ids)


def point_row(beta: float, probs: np.ndarray, divergence: float, rewards: np.ndarray, ids: list[str]) -> dict[str, Any]:
    """One row of the sweep: β, E_π[r], KL(π‖π_ref), E[r] − β·KL, the most likely candidate, π by id."""
    expected = float(probs @ rewards)
    return {
        "beta": float(beta),
        "expected_reward": expected,
        "kl": divergence,
        "objective": expected - beta * divergence,
        "mode": ids[int(np.argmax(probs))],
        "probs": {i: float(p) for i, p in zip(ids, probs)},
    }


def sweep(betas: list[float], candidates: tuple[Candidate, ...] = CANDIDATES, point: Any = None) -> list[dict[str, Any]]:
    """One row per β; ``point`` (default :func:`sweep_point`) computes a row, e.g. with a user's module."""
    ids = [c.id for c in candidates]
    ref = np.array([c.ref_prob for c in candidates], dtype=float)
    rew = np.array([c.reward for c in candidates], dtype=float)
    return [(point or sweep_point)(ref, rew, b, ids) for b in betas]


def parse_betas(text: str) -> list[float]:
    """``"0.05,0.1,1"`` → [0.05, 0.1, 1.0], sorted and de-duplicated; UserError on anything else."""
    return parse_beta_list(text)


MAX_ABS_BETA = 1e6  # the choice stops changing long before; past ~1e308 / KL, r − β·KL is no longer a number


def parse_beta_list(text: str, flag: str = "--betas", positive: bool = True) -> list[float]:
    """Comma-separated finite numbers (each > 0 when ``positive``), sorted and de-duplicated; ``flag`` names them in errors."""
    example = f"e.g. {flag} " + ("0.05,0.1,0.5,1" if positive else "0,0.1,0.5")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise UserError(f"{flag} is empty", hint=f"give comma-separated {'positive ' if positive else ''}numbers, {example}")
    betas = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise UserError(f"{flag}: {part!r} is not a number", hint=example) from None
        if not (math.isfinite(value) and (value > 0 or not positive)):
            raise UserError(f"{flag}: every β must be a finite number{' > 0' if positive else ''}, got {part!r}", hint=example)
        if abs(value) > MAX_ABS_BETA:
            raise UserError(f"{flag}: every β must be between {-MAX_ABS_BETA:g} and {MAX_ABS_BETA:g}, got {value:g}", field=flag, hint=example)
        betas.append(value + 0.0)  # -0.0 → 0.0
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
