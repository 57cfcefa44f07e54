"""c3_kl_constraint.repair — YOUR regression tests for kl.py (student-owned).

The lock stage runs this file against the reference solution, where every test must pass,
and against several plausible wrong versions of kl.py (one of them is in
exercises/c3_kl_constraint/chaffs/), where at least one test must fail. You earn the lock
points for the fraction of wrong versions your tests catch, and none if a test fails on a
correct solution.

Run:  python -m pytest exercises/c3_kl_constraint/tests/test_regression.py -q
Reach your code only through the ``student`` fixture, with JSON values; read an infinite KL
through ``student.kl_for_json`` (it comes back as "inf").
"""

from __future__ import annotations

import pytest


def test_identical_distributions_are_zero_apart(student):
    assert student.kl_divergence([0.5, 0.5], [0.5, 0.5]) == pytest.approx(0.0, abs=1e-15)


# TODO(c3_kl_constraint.repair): one test per mistake that looks right at first sight — the
#   direction of the KL, its unit (nats, not bits), the zero conventions, what β multiplies,
#   which way the choice goes, the closed form at small β. Build each so that exactly that
#   mistake changes the answer. Each test must pass on a correct kl.py — judged by the lock
#   stage (README, Repair).
