"""Public chaff for c3_kl_constraint: KL(q ‖ p) for KL(p ‖ q).

Mistake: the arguments are swapped inside, so the log-ratios are weighted by q instead of p.
It is zero when p = q and positive otherwise, so it looks like a divergence; but KL is not
symmetric, and the penalty it puts on a policy that leaves the reference is the other one.

It holds only the mistake: a patch (`PATCHES` below) that runs on top of the module it names,
yours under `pytest --chaff`, the reference in the grader's lock stage. Your
tests/test_regression.py should fail on it. Each function asks the module first, with the
same arguments: wherever the module fails, the chaff fails the same way; only the mistake
tells them apart.
"""

from __future__ import annotations

PATCHES = "kl.py"

_kl_divergence = kl_divergence  # noqa: F821 - a name of the module this patches
_kl_for_json = kl_for_json  # noqa: F821 - a name of the module this patches


def kl_divergence(p: list[float], q: list[float]) -> float:
    """KL(q ‖ p), asked for KL(p ‖ q)."""
    _kl_divergence(p, q)
    return _kl_divergence(q, p)


def kl_for_json(p: list[float], q: list[float]) -> float | str:
    """kl_for_json with the arguments swapped, like kl_divergence."""
    _kl_for_json(p, q)
    return _kl_for_json(q, p)
