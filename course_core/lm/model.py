"""A character-level GPT small enough to train on a laptop CPU in seconds (~109k parameters).

The architecture is the usual decoder-only transformer (Radford et al. 2019; the layout of
Karpathy's nanoGPT): token + position embeddings, ``n_layer`` pre-norm blocks of causal
self-attention and an MLP, a final LayerNorm, and an output layer tied to the token embedding.

    x: (B, T) token ids → logits: (B, T, vocab), logits[:, t] predicts token t + 1.

``forward`` takes an optional key/value cache (:class:`KVCache`) so that sampling feeds one new
token at a time instead of re-reading the whole sequence; training never uses it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from course_core.lm.chars import VOCAB_SIZE



@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int = VOCAB_SIZE
    block_size: int = 48  # longest prompt + completion the model can see (characters)
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


class KVCache:
    """Keys and values of every layer for the tokens seen so far, in buffers of ``block_size``.

    Writing into preallocated buffers (instead of concatenating a longer tensor at each token)
    keeps the cost of one new token independent of how many came before it.
    """

    def __init__(self, cfg: "GPTConfig", batch: int) -> None:
        shape = (cfg.n_layer, batch, cfg.n_head, cfg.block_size, cfg.n_embd // cfg.n_head)
        self.keys, self.values = torch.zeros(shape), torch.zeros(shape)
        self.length = 0  # tokens stored so far

    def extend(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store the new keys/values (B, h, T, hd) of ``layer``; return all of them so far."""
        end = self.length + k.shape[2]
        self.keys[layer, :, :, self.length : end] = k
        self.values[layer, :, :, self.length : end] = v
        return self.keys[layer, :, :, :end], self.values[layer, :, :, :end]


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, h, T, hd)
        causal = True
        if cache is not None:
            if cache.length and T != 1:
                raise ValueError("after the prompt, the cache is extended one token at a time")
            causal = cache.length == 0  # the prompt attends causally; one later token attends to everything before it
            k, v = cache.extend(layer, k, v)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = nn.Sequential(nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(), nn.Linear(4 * cfg.n_embd, cfg.n_embd))

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), cache, layer)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.pos = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.head.weight = self.tok.weight  # weight tying (Press & Wolf 2017)
        self.apply(_init)

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Logits for every position of ``idx`` (B, T); with ``cache``, ``idx`` continues the cached tokens."""
        start = 0 if cache is None else cache.length
        T = idx.shape[1]
        if start + T > self.cfg.block_size:
            raise ValueError(f"sequence of {start + T} tokens is longer than block_size {self.cfg.block_size}")
        x = self.tok(idx) + self.pos(torch.arange(start, start + T, device=idx.device))
        for i, block in enumerate(self.blocks):
            x = block(x, cache, i)
        if cache is not None:
            cache.length += T
        return self.head(self.ln_f(x))


def _init(module: nn.Module) -> None:
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def count_parameters(model: nn.Module) -> int:
    """Distinct trainable parameters (the tied output layer is counted once)."""
    return sum(p.numel() for p in model.parameters())
