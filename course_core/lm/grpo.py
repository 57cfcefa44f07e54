"""Loop C on a language model: REINFORCE with a group baseline (GRPO-style), as pure tensor functions.

The bandit's update (:mod:`course_core.bandit`) is ``θ ← θ + lr · (r − b) · ∇_θ log π_θ(a)``.
Here the action ``a`` is a whole completion ``y = (y_1 … y_T)`` of a prompt ``x``, so
``log π_θ(y | x) = Σ_t log π_θ(y_t | x, y_<t)``, and the baseline ``b`` is the mean reward of
the G completions sampled for the same prompt (the group). One step, over P prompts × G samples:

    θ ← θ + lr · ∇_θ [ (1/PG) Σ_i A_i · Σ_t log π_θ(y_i,t | x_i, y_i,<t)  −  β · KL̄(π_θ ‖ π_ref) ],
    A_i = r_i − mean_group(r)   (÷ std_group(r) with normalize_std)

- ``r_i`` is the strict scorer's reward of completion i (0 or 1); ``A_i`` its advantage. A group
  whose samples all earn the same reward has A = 0 everywhere: it teaches nothing. RL needs
  some sample of the group to succeed (pass@G > 0).
- ``KL̄`` is the per-token KL divergence to the frozen starting model ``π_ref``, computed exactly
  over the vocabulary at every completion position and averaged over tokens. It is always
  logged (how far the policy moved); with β > 0 it is also a penalty that holds the policy near
  where it started. (GRPO, Shao et al. 2024, estimates it from the sampled token instead.)
- Advantages use no gradient; the step is taken by the optimizer (Adam by default; plain SGD
  makes ``lr`` mean exactly what it means in the bandit).

Typical ranges: G 4–16, P 4–32, β 0–0.1; lr 1e-4–3e-3 (Adam, tiny model), 1e-6–3e-5 (SmolLM2).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

STD_EPS = 1e-6  # keeps A finite in a group whose rewards are all equal (where A = 0 anyway)


def group_advantages(rewards: torch.Tensor, normalize_std: bool = False) -> torch.Tensor:
    """A = r − mean over the group (last axis), optionally ÷ the group's standard deviation.

    ``rewards`` has shape (P, G): P prompts, G samples each.
    """
    centered = rewards - rewards.mean(dim=-1, keepdim=True)
    if not normalize_std:
        return centered
    return centered / (rewards.std(dim=-1, unbiased=False, keepdim=True) + STD_EPS)


def token_log_probs(logits: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log π(token) at each completion position, and the full log-distribution there.

    ``logits`` (B, T, V) are the model's outputs at the positions that predict ``tokens`` (B, T).
    """
    log_dist = torch.log_softmax(logits.float(), dim=-1)
    return log_dist.gather(-1, tokens.unsqueeze(-1)).squeeze(-1), log_dist


def token_kl(log_dist: torch.Tensor, ref_log_dist: torch.Tensor) -> torch.Tensor:
    """KL(π ‖ π_ref) = Σ_v π(v) · (log π(v) − log π_ref(v)) at each position: (B, T)."""
    return (log_dist.exp() * (log_dist - ref_log_dist)).sum(dim=-1)


def token_entropy(log_dist: torch.Tensor) -> torch.Tensor:
    """H(π) = −Σ_v π(v) · log π(v) at each position: (B, T)."""
    return -(log_dist.exp() * log_dist).sum(dim=-1)


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over the positions where ``mask`` is 1 (the real completion tokens)."""
    return (values * mask).sum() / mask.sum().clamp(min=1)


@dataclass
class LossParts:
    loss: torch.Tensor  # what backward() is called on
    pg: torch.Tensor  # −(1/N) Σ_i A_i · log π(y_i | x_i)
    kl: torch.Tensor  # mean per-token KL to the reference
    entropy: torch.Tensor  # mean per-token entropy of the policy


def policy_gradient_loss(
    token_logp: torch.Tensor,
    log_dist: torch.Tensor,
    ref_log_dist: torch.Tensor,
    mask: torch.Tensor,
    advantages: torch.Tensor,
    beta: float,
) -> LossParts:
    """The negated objective of the update above, for N = P·G completions padded to T tokens.

    ``token_logp`` (N, T), ``log_dist`` / ``ref_log_dist`` (N, T, V), ``mask`` (N, T) 1 on real
    tokens, ``advantages`` (N,). Minimising it takes the step in the module docstring.
    """
    seq_logp = (token_logp * mask).sum(dim=-1)  # log π(y_i | x_i): the sum over the completion's tokens
    pg = -(advantages.detach() * seq_logp).mean()
    kl = masked_mean(token_kl(log_dist, ref_log_dist.detach()), mask)
    entropy = masked_mean(token_entropy(log_dist), mask)
    return LossParts(loss=pg + beta * kl, pg=pg, kl=kl, entropy=entropy)
