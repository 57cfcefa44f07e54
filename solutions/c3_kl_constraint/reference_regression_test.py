"""c3_kl_constraint — an exemplary tests/test_regression.py (instructor-only).

One test per mistake that looks right at first sight, each built so that exactly that mistake
changes the answer. The kit's meta-tests check it passes on the reference solution and fails on
every chaff (public and hidden).
"""

from __future__ import annotations

import math

import pytest


def test_identical_distributions_are_zero_apart(student):
    assert student.kl_divergence([0.5, 0.5], [0.5, 0.5]) == pytest.approx(0.0, abs=1e-15)


def test_kl_direction_and_unit(student):
    p, q = [0.9, 0.1], [0.5, 0.5]
    assert student.kl_divergence(p, q) == pytest.approx(0.9 * math.log(1.8) + 0.1 * math.log(0.2), abs=1e-12)


def test_zero_probability_terms_are_zero(student):
    assert student.kl_for_json([0.0, 1.0], [0.5, 0.5]) == pytest.approx(math.log(2.0), abs=1e-12)


def test_support_mismatch_is_infinite(student):
    assert student.kl_for_json([0.5, 0.5], [1.0, 0.0]) == "inf"


def test_beta_multiplies_the_kl(student):
    assert student.objective(2.0, 1.0, 0.5) == pytest.approx(1.5)


def test_choice_goes_to_the_highest_objective(student):
    rows = [{"id": "near", "reward": 0.7, "kl": 0.9}, {"id": "far", "reward": 1.2, "kl": 4.6}]
    assert student.choose(rows, 0.0) == 1
    assert student.choose(rows, 1.0) == 0


def test_closed_form_at_small_beta(student):
    assert student.optimal_policy([0.5, 0.5], [0.0, 1.0], 0.001) == pytest.approx([0.0, 1.0], abs=1e-12)
