"""A user's REINFORCE update for the two-step decision, run by ``course.two_step_demo --policy FILE``.

The user's module defines, with JSON values only (lists, not arrays)::

    reinforce_update(logits, a1, a2, reward, baseline, lr, update_step1=True) -> logits

where ``logits`` is ``{"step1": [θ_left, θ_right], "step2": [[θ_up, θ_down] after left,
[θ_up, θ_down] after right]}`` and actions are indices (left/up = 0, right/down = 1). The
kit still samples the episodes, pays the reward and keeps the running-mean baseline, so a run
with the user's update differs from the kit's own run only where the update does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from course_core.errors import UserError
from course_core.learning.two_step import TwoStepPolicy
from course_core.usermodule import LoadedModule, finite_float, load_user_module, type_name

FUNCTION = "reinforce_update"


@dataclass(frozen=True)
class UserUpdate:
    """The two-step trainer's ``Update``, answered by the user's ``reinforce_update``."""

    loaded: LoadedModule

    @property
    def label(self) -> str:
        """What the manifest records as the update rule: ``custom:<module>.reinforce_update``."""
        return f"custom:{Path(self.loaded.path).stem}.{FUNCTION}"

    def __call__(self, policy: TwoStepPolicy, a1: int, a2: int, r: float, b: float, lr: float, credit_step1: bool) -> None:
        logits = {"step1": policy.step1.tolist(), "step2": policy.step2.tolist()}
        out = self.loaded.call(FUNCTION, logits, a1, a2, r, b, lr, update_step1=credit_step1)
        policy.step1, policy.step2 = _as_logits(out, self.loaded.path)


def _as_logits(value: Any, path: str) -> tuple[np.ndarray, np.ndarray]:
    shape = '{"step1": [2 numbers], "step2": [[2 numbers], [2 numbers]]}'
    # real dicts and lists only, read by the builtin types: no code of the returned value's own runs here
    ok = type(value) is dict and all(type(k) is str for k in value) and type(value.get("step1")) is list and type(value.get("step2")) is list
    rows = [value["step1"], *value["step2"]] if ok else []
    if not (ok and len(value["step2"]) == 2 and all(type(r) is list and len(r) == 2 for r in rows)):
        raise UserError(f"`{FUNCTION}` must return {shape}, got {type_name(value)}", path=path, field=FUNCTION)
    numbers = [finite_float(x) for r in rows for x in r]
    if None in numbers:
        raise UserError(f"`{FUNCTION}` returned a logit that is not a finite number", path=path, field=FUNCTION,
                        hint="with the default --lr the logits stay small; check the update's arithmetic")
    return np.array(numbers[:2], dtype=float), np.array(numbers[2:], dtype=float).reshape(2, 2)


def load_update(path: str | Path) -> UserUpdate:
    """Load ``path`` (``--policy``) and check it defines ``reinforce_update``."""
    return UserUpdate(load_user_module(path, [FUNCTION], flag="--policy"))
