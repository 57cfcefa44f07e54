"""Autoregressive sampling with a key/value cache, for any causal LM given as a ``step`` function.

``step(ids, cache) -> (logits, cache)`` runs the model on ``ids`` (B, T) after the cached prefix
and returns the logits of every position. The tiny GPT and a transformers model both fit it
(see :mod:`course_core.lm.policies`). Prompts in one call must have the same length (callers
group prompts by length), so no padding or attention mask is needed while sampling.

Each sampled completion keeps its end token (when it stopped before ``max_new_tokens``): ending
is an action the policy takes, and its log-probability belongs to the completion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

Step = Callable[[torch.Tensor, Any], tuple[torch.Tensor, Any]]


def filter_top_p(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """Nucleus filtering (Holtzman et al. 2020): keep the smallest set of tokens whose mass reaches top_p, renormalised."""
    if top_p >= 1.0:
        return probs
    sorted_p, order = probs.sort(dim=-1, descending=True)
    before = sorted_p.cumsum(dim=-1) - sorted_p  # mass of the tokens ranked above each one
    sorted_p = torch.where(before < top_p, sorted_p, torch.zeros_like(sorted_p))
    kept = torch.zeros_like(probs).scatter(-1, order, sorted_p)
    return kept / kept.sum(dim=-1, keepdim=True)


@torch.inference_mode()
def sample(
    step: Step,
    prompt: torch.Tensor,
    eos: int,
    max_new_tokens: int,
    generator: torch.Generator,
    temperature: float = 1.0,
    top_p: float = 1.0,
) -> tuple[list[list[int]], list[list[float]]]:
    """Continue each row of ``prompt`` (B, T) until its end token or ``max_new_tokens``.

    Returns, per row, the sampled tokens (the end token included when it was sampled) and each
    token's log-probability under the model itself (temperature 1, no top-p), as servers report
    them. Temperature 0 means greedy decoding.
    """
    B = prompt.shape[0]
    tokens: list[list[int]] = [[] for _ in range(B)]
    logps: list[list[float]] = [[] for _ in range(B)]
    done = torch.zeros(B, dtype=torch.bool)
    logits, cache = step(prompt, None)
    for _ in range(max_new_tokens):
        last = logits[:, -1, :].float()
        if temperature == 0:
            token = last.argmax(dim=-1)
        else:
            probs = filter_top_p(torch.softmax(last / temperature, dim=-1), top_p)
            token = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        token_logp = torch.log_softmax(last, dim=-1).gather(1, token.unsqueeze(1)).squeeze(1)
        for i in torch.nonzero(~done).flatten().tolist():
            tokens[i].append(int(token[i]))
            logps[i].append(float(token_logp[i]))
        done |= token == eos
        if bool(done.all()):
            break
        logits, cache = step(token.unsqueeze(1), cache)
    return tokens, logps
