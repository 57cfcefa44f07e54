"""Choosing one candidate for a given β: maximise r − β·KL over (reward, kl) pairs.

Each candidate completion y, taken as a policy that always answers y, has reward r(y) and
KL(δ_y ‖ π_ref) = −log π_ref(y): the rarer the reference found y, the further from it. The
regularised objective r − β·KL picks one of them for each β. Any β is allowed here, on purpose:
β = 0 drops the constraint and a negative β *rewards* distance; both pick the extreme,
high-KL candidate (here the reward hack).
"""

from __future__ import annotations

import math
from typing import Any

from course_core.learning.kl_tradeoff import parse_beta_list


def candidate_rows(candidates: Any, user: Any = None) -> list[dict[str, Any]]:
    """``[{"id", "reward", "kl"}]``: each candidate's reward and KL(δ_y ‖ π_ref), by the kit or the user's kl."""
    ref = [c.ref_prob for c in candidates]
    rows = []
    for i, c in enumerate(candidates):
        point = [1.0 if j == i else 0.0 for j in range(len(ref))]
        divergence = -math.log(c.ref_prob) if user is None else user.kl(point, ref)
        rows.append({"id": c.id, "reward": c.reward, "kl": divergence})
    return rows


def choose(rows: list[dict[str, Any]], beta: float) -> int:
    """The index of the row maximising reward − β·kl; the first such row on a tie."""
    scores = [row["reward"] - beta * row["kl"] for row in rows]
    return scores.index(max(scores))


def choices(betas: list[float], candidates: Any, user: Any = None) -> list[dict[str, Any]]:
    """One row per β: the chosen candidate, its reward, KL and r − β·KL."""
    rows = candidate_rows(candidates, user)
    out = []
    for beta in betas:
        i = choose(rows, beta) if user is None else user.choose(rows, beta)
        row = rows[i]
        out.append({"beta": beta, "chosen": row["id"], "reward": row["reward"], "kl": row["kl"],
                    "objective": row["reward"] - beta * row["kl"]})
    return out


def parse_choice_betas(text: str) -> list[float]:
    """``"-0.5,0,0.1"`` → [-0.5, 0.0, 0.1]: finite numbers of any sign, sorted and de-duplicated."""
    return parse_beta_list(text, "--choice-betas", positive=False)


def choices_markdown(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["## The choice among candidates: argmax of r − β·KL(δ_y ‖ π_ref)", "",
             "| β | chosen | r | KL | r − β·KL |", "|---:|---|---:|---:|---:|"]
    lines += [f"| {r['beta']:g} | {r['chosen']} | {r['reward']:.3f} | {r['kl']:.3f} | {r['objective']:.3f} |" for r in rows]
    return lines + ["", "β ≤ 0 removes the price of distance (or pays for it): the choice jumps to the extreme candidate.", ""]
