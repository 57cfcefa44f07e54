"""The statistics the instruments report: intervals, paired tests, and the pass@k estimator."""

from __future__ import annotations

import math
from collections.abc import Sequence

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(successes: int, n: int, z: float = Z95) -> dict[str, float | str]:
    """Wilson score interval for a binomial proportion (Wilson 1927).

    centre = (p + z²/2n) / (1 + z²/n),  half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)
    """
    if n == 0:
        return {"low": 0.0, "high": 1.0, "level": 0.95, "method": "wilson"}
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)  # exact at the edges, not 0.9999…
    return {"low": low, "high": high, "level": 0.95, "method": "wilson"}


def mcnemar_exact_p(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value on discordant counts b and c: binomial(b+c, 1/2) test."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    # Sum in log space so large n cannot overflow.
    log_terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2) for i in range(k + 1)]
    top = max(log_terms)
    tail = math.exp(top) * sum(math.exp(t - top) for t in log_terms)
    return min(1.0, 2.0 * tail)


def paired_difference(baseline: Sequence[float], candidate: Sequence[float]) -> dict[str, float | dict]:
    """Mean of (candidate - baseline) over paired examples, its standard error and 95% interval."""
    n = len(baseline)
    if n != len(candidate):
        raise ValueError("paired samples must have equal length")
    if n == 0:
        return {"n": 0, "mean_difference": 0.0, "se": 0.0, "ci95": {"low": 0.0, "high": 0.0, "level": 0.95, "method": "normal"}}
    diffs = [c - b for b, c in zip(baseline, candidate)]
    mean = sum(diffs) / n
    var = sum((d - mean) ** 2 for d in diffs) / (n - 1) if n > 1 else 0.0
    se = math.sqrt(var / n)
    ci = {"low": mean - Z95 * se, "high": mean + Z95 * se, "level": 0.95, "method": "normal, paired differences"}
    return {"n": n, "mean_difference": mean, "se": se, "ci95": ci}


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples with c correct (Chen et al. 2021, "Evaluating LLMs Trained on Code").

    pass@k = 1 - C(n-c, k) / C(n, k), computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i) for stability.
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod
