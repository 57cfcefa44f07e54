"""The kit's local models as a rollout source: sample completions of a dataset with no server at all.

:class:`LocalSource` has the three members of the rollout ``Source`` protocol (issue 14,
``course_core/rollouts/sources.py``): ``thread_safe``, ``policy()`` and
``generate(prompt, n, params)``, returning samples with the same fields (``completion``,
``sum_logprob``, ``finish_reason``, ``served_model``, ``system_fingerprint``), so the rollout
sampler can drive it unchanged.

Until that sampler is on main, :func:`write_local_rollouts` is a small stand-in that writes what
``course.eval`` and ``course.selection_demo`` read today: ``completions.jsonl`` (n = 1) or
``selection_pack.jsonl``, its ``.sampling.json`` sidecar (the sampling configuration: the same
before and after training) and ``policy.json`` beside them (model, weights fingerprint).

Seeds: each request draws from a generator seeded by the request's seed and the prompt's text,
so every item has its own random stream and the same command samples the same completions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from course_core.lm.complete import complete
from course_core.lm.policies import Policy
from course_core.lm.reproducible import seed_everything

GENERATED_BY = "course_core.lm.source (local model, no server)"


@dataclass(frozen=True)
class LocalSample:
    """One completion, with the fields the rollout sampler reads from a ``Sample``."""

    completion: str
    sum_logprob: float | None
    finish_reason: str  # "stop" (the model ended it) or "length" (max_tokens reached)
    served_model: str
    system_fingerprint: str | None = None


def request_generator(seed: int, prompt: str) -> torch.Generator:
    """A generator for one request: seeded by ``seed`` and the prompt (independent streams per item)."""
    digest = hashlib.sha256(f"{seed}\x1f{prompt}".encode("utf-8")).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "big") >> 1)


class LocalSource:
    """A local policy (tiny or SmolLM2) that answers like a server would."""

    thread_safe = False  # one model, one thread: torch's own threads do the parallel work

    def __init__(self, policy: Policy, weights: str | None = None) -> None:
        self._policy = policy
        self._weights = weights
        self._fingerprint = policy.fingerprint()

    def policy(self) -> dict[str, Any]:
        return {
            "source": "local",
            "model": self._policy.name,
            "base_url": None,
            "weights_fingerprint": self._fingerprint,
            "weights": self._weights or self._policy.source.get("path") or self._policy.source.get("file"),
            "model_prompt_format": self._policy.prompt_template,
        }

    def generate(self, prompt: str, n: int, params: Any) -> list[LocalSample]:
        """``n`` samples of ``prompt`` at ``params.temperature`` / ``params.top_p``, at most ``params.max_tokens`` tokens."""
        g = request_generator(0 if params.seed is None else params.seed, prompt)
        ids = self._policy.encode_prompt(prompt)
        limit = params.max_tokens
        if self._policy.max_length is not None:
            limit = min(limit, self._policy.max_length - len(ids))
        (samples,) = complete(self._policy, [ids], n, limit, g, params.temperature, params.top_p)
        eos = self._policy.eos
        return [
            LocalSample(s.text, round(s.sum_logprob, 4), "stop" if s.tokens and s.tokens[-1] == eos else "length", self._policy.name)
            for s in samples
        ]


@dataclass(frozen=True)
class LocalParams:
    """The sampling parameters of the stand-in writer (the rollout sampler's ``SamplingParams`` has the same names)."""

    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 24
    seed: int | None = 0


def write_local_rollouts(dataset: str | Path, out: str | Path, source: LocalSource, n: int, params: LocalParams,
                         threads: int = 1) -> dict[str, Any]:
    """The stand-in writer: ``out`` (a .jsonl path) and its sidecar; returns the sidecar.

    The sidecar holds only the sampling configuration and what produced it, so a run before
    and a run after training sample in the same Locked Room; the policy (weights fingerprint)
    goes to ``policy.json`` beside ``out``.
    """
    from course_core.artifacts.atomic import write_text_atomic
    from course_core.artifacts.jsonl import dumps_line, iter_jsonl
    from course_core.artifacts.manifest import sidecar_path, write_json_atomic
    from course_core.artifacts.schemas import check_artifact, validate_input

    seed_everything(0 if params.seed is None else params.seed, threads)
    out = Path(out)
    lines = []
    for line, row in iter_jsonl(dataset, "dataset"):
        validate_input(row, "dataset_row", path=dataset, line=line, what="dataset row")
        got = source.generate(row["prompt"], n, params)
        if n == 1:
            record = {"id": row["id"], "completion": got[0].completion, "sum_logprob": got[0].sum_logprob}
            check_artifact(record, "completion_row", artifact=out.name)
        else:
            record = {"id": row["id"], "samples": [{"completion": s.completion, "sum_logprob": s.sum_logprob} for s in got]}
            check_artifact(record, "selection_pack_row", artifact=out.name)
        lines.append(dumps_line(record))
    policy = source.policy()
    sidecar = {
        "policy": f"local:{policy['model']}",
        "temperature": params.temperature,
        "top_p": params.top_p,
        "max_tokens": params.max_tokens,
        "seed": 0 if params.seed is None else params.seed,
        "n": n,
        "prompt_format": policy["model_prompt_format"],
        "synthetic": False,
        "generated_by": GENERATED_BY,
    }
    write_text_atomic(out, "".join(lines))
    write_json_atomic(sidecar_path(out), sidecar, "rollout_sidecar")
    write_json_atomic(out.with_name("policy.json"), policy, None)
    return sidecar
