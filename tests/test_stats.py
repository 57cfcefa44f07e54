"""Statistics against hand-computed values."""

from __future__ import annotations

import math

import pytest

from course_core.measurement.stats import mcnemar_exact_p, paired_difference, pass_at_k, wilson_interval


def test_wilson_matches_hand_computation():
    # p = 0.5, n = 100, z = 1.96: centre 0.5, half = 1.96*sqrt(0.0025 + 0.96^2/40000... ) / 1.0384
    ci = wilson_interval(50, 100)
    z = 1.959963984540054
    half = z * math.sqrt(0.25 / 100 + z * z / 40000) / (1 + z * z / 100)
    assert ci["low"] == pytest.approx(0.5 - half) and ci["high"] == pytest.approx(0.5 + half)
    assert ci["low"] == pytest.approx(0.4038, abs=1e-4)


def test_wilson_edges_stay_in_unit_interval():
    assert wilson_interval(0, 10)["low"] == 0.0 and wilson_interval(0, 10)["high"] > 0.2
    assert wilson_interval(10, 10)["high"] == 1.0 and wilson_interval(10, 10)["low"] < 0.8
    assert wilson_interval(0, 0) == {"low": 0.0, "high": 1.0, "level": 0.95, "method": "wilson"}


def test_mcnemar_exact_small_cases():
    assert mcnemar_exact_p(0, 0) == 1.0
    assert mcnemar_exact_p(0, 5) == pytest.approx(2 / 32)  # 2 * 0.5^5
    assert mcnemar_exact_p(1, 5) == pytest.approx(2 * (1 + 6) / 64)
    assert mcnemar_exact_p(3, 3) == 1.0
    assert mcnemar_exact_p(2, 8) == mcnemar_exact_p(8, 2)
    assert 0 < mcnemar_exact_p(4000, 4400) < 1e-3  # large counts do not overflow


def test_paired_difference():
    result = paired_difference([0, 0, 1, 1], [1, 0, 1, 1])
    assert result["n"] == 4 and result["mean_difference"] == pytest.approx(0.25)
    assert result["se"] == pytest.approx(math.sqrt(0.25 / 4))  # sample var of [1,0,0,0] = 0.25
    assert result["ci95"]["low"] < 0.25 < result["ci95"]["high"]
    with pytest.raises(ValueError):
        paired_difference([1], [1, 0])


@pytest.mark.parametrize(
    "n, c, k, expected",
    [(4, 1, 1, 0.25), (4, 1, 2, 0.5), (5, 2, 2, 0.7), (8, 0, 4, 0.0), (8, 5, 4, 1.0), (8, 8, 1, 1.0), (10, 3, 1, 0.3)],
)
def test_pass_at_k_hand_computed(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_matches_the_binomial_formula():
    for n in range(1, 12):
        for c in range(n + 1):
            for k in range(1, n + 1):
                exact = 1 - math.comb(n - c, k) / math.comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12)


def test_pass_at_k_rejects_impossible_arguments():
    for args in [(4, 5, 1), (4, 1, 0), (4, 1, 5)]:
        with pytest.raises(ValueError):
            pass_at_k(*args)


# -- pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k) ----------------------------------------


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (4, 1, 2, 0.5),  # 1 - C(3,2)/C(4,2) = 1 - 3/6
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (8, 0, 4, 0.0),
        (4, 3, 2, 1.0),  # n - c = 1 < k: every pair holds a correct sample
        (4, 2, 1, 0.5),  # k = 1 is the plain per-sample rate
        (8, 8, 8, 1.0),
    ],
)
def test_pass_at_k_matches_hand_computed_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)
