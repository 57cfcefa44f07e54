"""What ``course.lm_sample`` does with its flags: check them, load the policy, write the rollouts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_core.errors import UserError
from course_core.lm.policies import load_policy
from course_core.lm.source import LocalParams, LocalSource, write_local_rollouts

THREADS = {"tiny": 1, "smollm2-135m": 2}


@dataclass(frozen=True)
class LocalRollouts:
    path: Path
    items: int
    policy: dict[str, Any]
    sidecar: dict[str, Any]


def sample_local(model: str, dataset: str | Path, out: str | Path, *, weights: str | None = None, n: int = 1,
                 temperature: float = 1.0, top_p: float = 1.0, max_tokens: int = 24, seed: int = 0,
                 shots: int | None = None) -> LocalRollouts:
    """Sample ``n`` completions per dataset item from a local model and write them where ``out`` says."""
    if n < 1:
        raise UserError(f"--n must be >= 1, got {n}", field="--n")
    if not (math.isfinite(temperature) and temperature >= 0):
        raise UserError(f"--temperature must be >= 0, got {temperature}", field="--temperature")
    if not 0 < top_p <= 1:
        raise UserError(f"--top-p must be in (0, 1], got {top_p}", field="--top-p")
    if max_tokens < 1:
        raise UserError(f"--max-tokens must be >= 1, got {max_tokens}", field="--max-tokens")
    target = Path(out)
    if target.suffix != ".jsonl" or target.is_dir():
        raise UserError("--out must be a .jsonl file path", path=target, field="--out")
    source = LocalSource(load_policy(model, weights, shots=shots), weights)
    sidecar = write_local_rollouts(dataset, target, source, n, LocalParams(temperature, top_p, max_tokens, seed),
                                   threads=THREADS.get(model, 1))
    items = sum(1 for line in target.read_text(encoding="utf-8").splitlines() if line.strip())
    return LocalRollouts(target, items, source.policy(), sidecar)
