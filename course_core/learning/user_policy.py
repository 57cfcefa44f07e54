"""A user's REINFORCE update, run by the bandit instrument: ``course.bandit_train --policy FILE``.

The file (for example the c1_reinforce exercise's ``reinforce.py``) defines, with JSON values::

    softmax(logits) -> probs
    grad_log_prob(probs, action) -> gradient
    reinforce_step(logits, action, advantage, lr) -> logits
    update_baseline(baseline, count, reward) -> baseline
    train_step(state, action, reward, lr, use_baseline) -> {"logits", "baseline", "count", "advantage"}

The instrument samples from the user's ``softmax`` and updates with the user's ``train_step``
(which uses the other three), in place of the kit's :class:`~course_core.learning.bandit.KitPolicy`;
everything else (random stream, rewards, log, summary, manifest) is the kit's, so the run
directory is the same kind either way. Whatever the user's code returns is checked before it is
used: a wrong shape or a non-finite number is a UserError naming the function and the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from course_core.errors import UserError
from course_core.usermodule import LoadedModule, exact_int, finite_float, load_user_module, shown

POLICY_FUNCTIONS = ("softmax", "grad_log_prob", "reinforce_step", "update_baseline", "train_step")
STEP_KEYS = ("logits", "baseline", "count", "advantage")
SUM_TOLERANCE = 1e-6  # probabilities must sum to 1 within this


def load_policy(path: str | Path) -> UserPolicy:
    """The user's module at ``path``, checked to define every function the instrument calls."""
    return UserPolicy(load_user_module(path, POLICY_FUNCTIONS, flag="--policy"))


@dataclass(frozen=True)
class _UserState:
    data: dict[str, Any]  # what train_step receives: {"logits", "baseline", "count"}
    probs: np.ndarray  # softmax(data["logits"]), computed once per state
    steps_done: int


def _fresh(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a state for the user's code, which may change it in place: its logits list is its only mutable part."""
    return {"logits": list(data["logits"]), "baseline": data["baseline"], "count": data["count"]}


class UserPolicy:
    """Adapts a user's list-and-dict functions to the :class:`~course_core.learning.bandit.Policy` the loop steps."""

    def __init__(self, loaded: LoadedModule) -> None:
        self.loaded = loaded

    def record(self) -> dict[str, str]:
        """What the manifest records: the path as given and the sha256 of the bytes that ran."""
        return self.loaded.record()

    def _wrong(self, name: str, when: str, what: str, got: Any) -> UserError:
        return UserError(
            f"--policy: `{name}` {when} returned {shown(got)}: {what}",
            path=self.loaded.path,
            field=name,
            hint="run your module's tests (c1_reinforce: python -m pytest exercises/c1_reinforce/tests -q)",
        )

    def _numbers(self, name: str, when: str, value: Any, n: int, what: str) -> list[float]:
        # a real list or tuple of real numbers, each read by the builtin types (no code of the value's own runs)
        numbers = [finite_float(x) for x in value] if type(value) in (list, tuple) and len(value) == n else [None]
        if None in numbers:
            raise self._wrong(name, when, f"expected {what}: a list of {n} finite numbers", value)
        return numbers  # type: ignore[return-value]

    def _softmax(self, logits: list[float], when: str) -> np.ndarray:
        return self._softmax_many([logits], when)[0]

    def _softmax_many(self, many: list[list[float]], when: str) -> list[np.ndarray]:
        outs = self.loaded.call_many("softmax", [(list(logits),) for logits in many], when=when)
        found = []
        for logits, out in zip(many, outs):
            probs = self._numbers("softmax", when, out, len(logits), "the probabilities")
            if min(probs) < 0 or abs(sum(probs) - 1.0) > SUM_TOLERANCE:
                raise self._wrong("softmax", when, "probabilities must be >= 0 and sum to 1", out)
            found.append(np.asarray(probs))
        return found

    def initial_state(self, n_arms: int) -> _UserState:
        data = {"logits": [0.0] * n_arms, "baseline": 0.0, "count": 0}
        return _UserState(data, self._softmax(data["logits"], "for the starting logits"), 0)

    def probs(self, state: _UserState) -> np.ndarray:
        return state.probs

    def logits(self, state: _UserState) -> np.ndarray:
        return np.asarray(state.data["logits"])

    def step(self, state: _UserState, action: int, reward: float, lr: float, use_baseline: bool) -> tuple[_UserState, float, float]:
        return self.step_runs([state], [action], [reward], lr, use_baseline)[0]

    def step_runs(self, states: list[_UserState], actions: list[int], rewards: list[float], lr: float,
                  use_baseline: bool) -> list[tuple[_UserState, float, float]]:
        """:meth:`step` for the same step of many runs: one ``train_step`` call per run, then one ``softmax``."""
        step = states[0].steps_done + 1
        when = f"at step {step}"
        calls = [(_fresh(st.data), int(a), float(r), float(lr), bool(use_baseline)) for st, a, r in zip(states, actions, rewards)]
        updated = []
        for st, out in zip(states, self.loaded.call_many("train_step", calls, when=when)):
            if type(out) is not dict or not all(type(k) is str for k in out) or any(k not in out for k in STEP_KEYS):
                raise self._wrong("train_step", when, f"expected a dict with keys {', '.join(STEP_KEYS)}", out)
            logits = self._numbers("train_step", when, out["logits"], len(st.data["logits"]), "'logits'")
            numbers = {key: finite_float(out[key]) for key in ("baseline", "advantage")}
            for key, number in numbers.items():
                if number is None:
                    raise self._wrong("train_step", when, f"'{key}' must be a finite number", out[key])
            count = exact_int(out["count"])
            if count is None:
                raise self._wrong("train_step", when, "'count' must be an integer", out["count"])
            updated.append(({"logits": logits, "baseline": numbers["baseline"], "count": count}, numbers["advantage"]))
        probs = self._softmax_many([data["logits"] for data, _ in updated], f"after step {step}")
        # the baseline this step used: r − (r − b)
        return [(_UserState(data, p, step), r - advantage, advantage) for (data, advantage), p, r in zip(updated, probs, rewards)]
