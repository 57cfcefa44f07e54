"""Sampling completions of dataset prompts from a local policy: n per prompt, in deterministic order.

Prompts are grouped by token length (the sampler needs equal lengths), each group is sampled in
chunks of at most ``batch_rows`` sequences, and the results come back in prompt order, so the
same generator state gives the same completions whatever the mix of lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from course_core.lm.policies import Policy
from course_core.lm.sampling import sample

BATCH_ROWS = 128


@dataclass(frozen=True)
class Completion:
    tokens: list[int]  # sampled ids; the end token is included when the model chose to stop
    text: str
    sum_logprob: float  # Σ_t log π(y_t | x, y_<t) under the model at temperature 1


def complete(
    policy: Policy,
    prompts: list[list[int]],
    n: int,
    max_new_tokens: int,
    generator: torch.Generator,
    temperature: float = 1.0,
    top_p: float = 1.0,
    batch_rows: int = BATCH_ROWS,
) -> list[list[Completion]]:
    """``n`` completions for each prompt (already encoded with the policy's template)."""
    by_length: dict[int, list[int]] = {}
    for i, ids in enumerate(prompts):
        by_length.setdefault(len(ids), []).append(i)
    rows = [(i, k) for length in sorted(by_length) for i in by_length[length] for k in range(n)]
    out: list[list[Completion]] = [[] for _ in prompts]
    start = 0
    while start < len(rows):
        length = len(prompts[rows[start][0]])
        chunk = [r for r in rows[start : start + batch_rows] if len(prompts[r[0]]) == length]
        batch = torch.tensor([prompts[i] for i, _ in chunk], dtype=torch.long)
        tokens, logps = sample(policy.step, batch, policy.eos, max_new_tokens, generator, temperature, top_p)
        for (i, _), toks, lps in zip(chunk, tokens, logps):
            out[i].append(Completion(tokens=toks, text=policy.decode(toks), sum_logprob=sum(lps)))
        start += len(chunk)
    return out
