"""A user's KL functions, run by ``course.kl_tradeoff_demo --policy FILE``.

The user's module defines, with JSON values only (lists, not arrays)::

    kl_divergence(p, q) -> float                      KL(p ‖ q), natural log
    optimal_policy(ref, rewards, beta) -> list        π* ∝ π_ref · exp(r/β)
    choose(candidates, beta) -> int                   argmax of reward − β·kl over [{"id", "reward", "kl"}]

The kit keeps the candidates, the β values and the run directory; the sweep's π*, its KL and
the choice for each β come from the user's code, and the manifest names the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from course_core.errors import UserError
from course_core.learning.kl_tradeoff import point_row
from course_core.usermodule import LoadedModule, exact_int, finite_float, load_user_module, shown

FUNCTIONS = ("kl_divergence", "optimal_policy", "choose")


@dataclass(frozen=True)
class UserKL:
    loaded: LoadedModule

    @property
    def label(self) -> str:
        return f"custom:{Path(self.loaded.path).stem}.optimal_policy/kl_divergence/choose"

    def _bad(self, name: str, what: str) -> UserError:
        return UserError(f"`{name}` {what}", path=self.loaded.path, field=name, hint=f"run the exercise's tests on {name}")

    def kl(self, p: list[float], q: list[float]) -> float:
        value = self.loaded.call("kl_divergence", list(p), list(q))
        number = finite_float(value)  # None for 10**400, NaN, inf or anything but an int or float
        if number is None or number < -1e-12:
            raise self._bad("kl_divergence", f"returned {shown(value)} for two distributions with full support; expected a finite number ≥ 0")
        return max(0.0, number)

    def optimal_policy(self, ref: list[float], rewards: list[float], beta: float) -> np.ndarray:
        value = self.loaded.call("optimal_policy", list(ref), list(rewards), beta)
        probs = [finite_float(v) for v in value] if type(value) is list and len(value) == len(ref) else [None]
        if not all(p is not None and p >= 0 for p in probs):
            raise self._bad("optimal_policy", f"must return a list of {len(ref)} probabilities ≥ 0 (β = {beta:g}), got {shown(value)}")
        if abs(sum(probs) - 1.0) > 1e-9:
            raise self._bad("optimal_policy", f"returned probabilities that sum to {sum(probs)!r}, not 1 (β = {beta:g})")
        return np.array(probs, dtype=float)

    def choose(self, rows: list[dict[str, Any]], beta: float) -> int:
        value = self.loaded.call("choose", [dict(r) for r in rows], beta)
        index = exact_int(value)
        if index is None or not 0 <= index < len(rows):
            raise self._bad("choose", f"must return an index 0–{len(rows) - 1}, got {shown(value)} (β = {beta:g})")
        return index

    def sweep_point(self, ref: np.ndarray, rewards: np.ndarray, beta: float, ids: list[str]) -> dict[str, Any]:
        """The sweep row at β with the user's π* and KL (the kit's :func:`point_row` layout)."""
        probs = self.optimal_policy(ref.tolist(), rewards.tolist(), beta)
        return point_row(beta, probs, self.kl(probs.tolist(), ref.tolist()), rewards, ids)


def load_kl(path: str | Path) -> UserKL:
    """Load ``path`` (``--policy``) and check it defines kl_divergence, optimal_policy and choose."""
    return UserKL(load_user_module(path, FUNCTIONS, flag="--policy"))
