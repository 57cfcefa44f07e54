"""Seeded, byte-reproducible torch on the CPU: one seed, deterministic kernels, a fixed thread count.

A different number of threads can change the order of floating-point sums, and with it the
last bits of every weight; a fixed count (1 by default: these models are small enough that a
second thread buys little) makes two runs with the same seed write identical bytes.
"""

from __future__ import annotations

import hashlib

import torch

THREADS = 1


def seed_everything(seed: int, threads: int = THREADS) -> torch.Generator:
    """Seed torch's global generator, force deterministic algorithms, fix the thread count.

    Returns a fresh generator seeded with ``seed`` for the caller's own draws.
    """
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)
    return torch.Generator().manual_seed(seed)


def weights_fingerprint(state: dict[str, torch.Tensor]) -> str:
    """``sha256:<hex>`` over every tensor's name, dtype, shape and bytes, in name order.

    It identifies the policy, not the file: the same weights saved under another name, or
    loaded back from disk, have the same fingerprint.
    """
    h = hashlib.sha256()
    for name in sorted(state):
        t = state[name].detach().to("cpu").contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return "sha256:" + h.hexdigest()
