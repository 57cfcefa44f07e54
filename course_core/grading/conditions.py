"""The conditions of an experiment, as an evidence check states them and as feedback names them.

A check names each condition its run must have been made under, either by a short name
(:data:`NAMED`: ``scorer = "strict_final_int@1.0.0"``, ``code = "kit"`` or the file of a user's
module, ``selector``, ``n``, ``seed``, ``lr``, ``steps``, ...) or by a dotted manifest path (``"sampling_config.credit_step1" = false``). The
first that differs is named with what the run was made with and what the step asks for:
"evidence/modified was scored with weak_contains@1.0.0; this step asks for strict_final_int@1.0.0".
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

_ABSENT = object()


def _dotted(manifest: dict[str, Any], dotted: str) -> Any:
    value: Any = manifest
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


def _scorer(m: dict[str, Any]) -> Any:
    name, version = m.get("scorer_name"), m.get("scorer_version")
    return _ABSENT if name is None else f"{name}@{version}"


def _input(role: str) -> Callable[[dict[str, Any]], Any]:
    def read(m: dict[str, Any]) -> Any:
        paths = [str(rec.get("path", "")).replace("\\", "/") for rec in m.get("inputs", []) if rec.get("role") == role]
        return paths[0] if len(paths) == 1 else paths or _ABSENT

    return read


def _code(m: dict[str, Any]) -> Any:
    """``kit`` when the kit's own code made the run, else the file name of the user's module that did."""
    modules = [rec for rec in (m.get("policy_module"), m.get("scorer_module")) if isinstance(rec, dict)]
    return str(modules[0].get("path", "")).replace("\\", "/").rsplit("/", 1)[-1] if modules else "kit"


def _at(dotted: str) -> Callable[[dict[str, Any]], Any]:
    return lambda m: _dotted(m, dotted)


# name → (how the run says it, where the manifest records it). One place for the vocabulary.
NAMED: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
    "kind": ("is a run of kind", _at("kind")),
    "scorer": ("was scored with", _scorer),
    "code": ("was made with the code of", _code),
    "selector": ("was made with the selector", _at("sampling_config.selector")),
    "n": ("was made with --n", _at("sampling_config.n_used")),
    "seed": ("was made with --seed", _at("sampling_config.seed")),
    "lr": ("was made with --lr", _at("sampling_config.lr")),
    "steps": ("was made with --steps", _at("sampling_config.steps")),
    "runs": ("was made with --runs", _at("sampling_config.runs")),
    "baseline": ("was made with baseline", _at("sampling_config.baseline")),
    "arms": ("was made with arms", _at("sampling_config.arms")),
    "slow": ("was made with --slow", _at("args.slow")),
    "credit_step1": ("was made with credit_step1", _at("sampling_config.credit_step1")),
    "choice_betas": ("was made with --choice-betas", _at("sampling_config.choice_betas")),
    "dataset": ("was made on the dataset", _input("dataset")),
    "completions": ("was made on the completions", _input("completions")),
}


def equal(a: Any, b: Any) -> bool:
    """JSON equality where numbers compare by value (2 == 2.0) but booleans are not numbers."""
    number = (int, float)
    if isinstance(a, number) and isinstance(b, number) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 90 else text[:89] + "…"


def read(manifest: dict[str, Any], condition: str) -> Any:
    """The value of a named condition, or of a dotted manifest path; ``ABSENT`` when not recorded."""
    if condition in NAMED:
        return NAMED[condition][1](manifest)
    return _dotted(manifest, condition)


ABSENT = _ABSENT


def first_unmet(run: str, manifest: dict[str, Any], conditions: dict[str, Any]) -> str | None:
    """The feedback for the first condition the run was not made under, or None when all hold."""
    for condition, wanted in conditions.items():
        value = read(manifest, condition)
        if value is _ABSENT:
            return f"{run} records no {condition}; this step asks for {condition} = {shown(wanted)}"
        if not equal(value, wanted):
            if condition in NAMED:
                return f"{run} {NAMED[condition][0]} {shown(value)}; this step asks for {shown(wanted)}"
            return f"{run} was made with {condition} = {shown(value)}; this step asks for {shown(wanted)}"
    return None


__all__ = ["ABSENT", "NAMED", "equal", "first_unmet", "read", "shown"]
