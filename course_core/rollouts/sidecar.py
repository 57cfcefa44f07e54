"""The ``.sampling.json`` sidecar of sampled rollouts: the policy, the sampling configuration, and provenance.

Three groups of keys (schema ``rollout_sidecar``; :func:`course_core.artifacts.manifest.rollout_conditions`
splits them again for every run that reads the rollouts):

- ``policy`` — what was sampled: ``source``, ``model`` as asked, ``served_model`` and
  ``system_fingerprint`` as the server reported them (one value, a sorted list when the server
  reported several, or None when it said nothing), ``base_url`` without credentials,
  ``weights_fingerprint`` where the source can compute one.
- the sampling configuration, flat, as frozen sidecars have always had it: ``api``,
  ``temperature``, ``top_p``, ``max_tokens``, ``stop``, ``n``, ``seed``, ``logprobs``,
  ``system_prompt``, ``prompt_template`` and ``prompt_template_sha256``.
- provenance, which no comparison looks at: ``generated_by``, ``format``, ``dataset``,
  ``started_utc``, ``finished_utc`` and ``stats`` (requests, retries, resumed samples, whether the
  server honoured ``n``, finish reasons).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from course_core.rollouts.sources import SamplingParams

GENERATED_BY = "python -m course.rollout_sample"


def template_fingerprint(template: str) -> str:
    """``sha256:<hex>`` of the prompt template's UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(template.encode("utf-8")).hexdigest()


def observed(values: list[str | None]) -> str | list[str] | None:
    """What the samples reported: None, the one value, or the sorted distinct values."""
    distinct = sorted({v for v in values if v is not None})
    if not distinct:
        return None
    return distinct[0] if len(distinct) == 1 else distinct


def sampling_record(params: SamplingParams, n: int, template: str) -> dict[str, Any]:
    """The sampling configuration: every parameter sent, ``n``, and the prompt template with its hash."""
    record = params.as_record()
    return {
        "api": record["api"],
        "temperature": record["temperature"],
        "top_p": record["top_p"],
        "max_tokens": record["max_tokens"],
        "stop": record["stop"],
        "n": n,
        "seed": record["seed"],
        "logprobs": record["logprobs"],
        "system_prompt": record["system_prompt"],
        "prompt_template": template,
        "prompt_template_sha256": template_fingerprint(template),
    }


def policy_record(source_policy: dict[str, Any], samples: list[dict[str, Any]]) -> dict[str, Any]:
    """The source's own description plus what the answers said served them."""
    policy = {
        "source": source_policy.get("source"),
        "model": source_policy.get("model"),
        "served_model": observed([s.get("served_model") for s in samples]),
        "system_fingerprint": observed([s.get("system_fingerprint") for s in samples]),
        "base_url": source_policy.get("base_url"),
        "weights_fingerprint": source_policy.get("weights_fingerprint"),
    }
    extra = {k: v for k, v in source_policy.items() if k not in policy}
    return {**policy, **dict(sorted(extra.items()))}


def build_sidecar(
    *,
    source_policy: dict[str, Any],
    sampling: dict[str, Any],
    samples: list[dict[str, Any]],
    fmt: str,
    dataset: dict[str, Any],
    started_utc: str,
    finished_utc: str,
    stats: dict[str, Any],
) -> dict[str, Any]:
    """The whole sidecar, in a fixed key order."""
    finish = Counter(s.get("finish_reason") or "unknown" for s in samples)
    return {
        "policy": policy_record(source_policy, samples),
        **sampling,
        "generated_by": GENERATED_BY,
        "format": fmt,
        "dataset": dataset,
        "started_utc": started_utc,
        "finished_utc": finished_utc,
        "stats": {
            **stats,
            "samples": len(samples),
            "samples_without_logprobs": sum(1 for s in samples if s.get("sum_logprob") is None),
            "finish_reasons": dict(sorted(finish.items(), key=lambda kv: (-kv[1], kv[0]))),
        },
    }
