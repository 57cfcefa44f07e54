"""c3_kl_constraint — KL as a practical constraint: reward, minus β times the distance.

Fine-tuning maximises reward while paying for distance from a reference policy π_ref:

    J(π) = E_π[r] − β · KL(π ‖ π_ref),     KL(p ‖ q) = Σ_a p(a) · ln(p(a) / q(a))

Over all distributions the maximiser has a closed form, π*(a) ∝ π_ref(a) · exp(r(a)/β)
(Gibbs' variational principle; Rafailov et al. 2023, "Direct Preference Optimization", eq. 4).
β = 0 drops the constraint: the choice goes to the highest reward, however far — and however
hacked — it is.

Conventions at zero probability (natural log throughout):
  * a term with p(a) = 0 contributes 0 (the limit of x·ln x as x → 0);
  * p(a) > 0 where q(a) = 0 makes KL(p ‖ q) infinite (``math.inf``).

Run the visible tests from the repository root:

    python -m pytest exercises/c3_kl_constraint/tests -q

Every function takes and returns JSON values (lists, dicts, numbers).
"""

from __future__ import annotations

import math

# =============================================================================================
# c3_kl_constraint.build — Task 1: the divergence
# =============================================================================================
#
# Worked example. Cross-entropy H(p, q) = −Σ p ln q, with the same zero conventions; KL is
# H(p, q) − H(p, p). A loop over pairs, one branch per convention.


def cross_entropy(p: list[float], q: list[float]) -> float:
    """H(p, q) = −Σ_a p(a) ln q(a); terms with p(a) = 0 are 0, and p(a) > 0 with q(a) = 0 gives inf."""
    total = 0.0
    for pa, qa in zip(p, q):
        if pa == 0:
            continue
        if qa == 0:
            return math.inf
        total -= pa * math.log(qa)
    return total


def kl_divergence(p: list[float], q: list[float]) -> float:
    """KL(p ‖ q) = Σ_a p(a) ln(p(a)/q(a)), natural log; 0 where p(a) = 0; inf where p(a) > 0 = q(a)."""
    # TODO(c3_kl_constraint.build): natural log, both zero conventions; the worked example above shows the loop —
    #   checked by tests/test_build.py::test_kl_*
    raise NotImplementedError("c3_kl_constraint.build: kl_divergence is a stub — see tests/test_build.py::test_kl_*")


# Provided, complete — do not edit. JSON has no infinity, so the tests read an infinite KL
# through this function, as the string "inf".
def kl_for_json(p: list[float], q: list[float]) -> float | str:
    """kl_divergence(p, q), with an infinite divergence returned as the string "inf"."""
    value = kl_divergence(p, q)
    return "inf" if value == math.inf else value


# =============================================================================================
# c3_kl_constraint.build — Task 2: the regularised objective and the choice
# =============================================================================================


def objective(reward: float, kl: float, beta: float) -> float:
    """J = r − β · KL."""
    # TODO(c3_kl_constraint.build): β prices the distance, not the reward —
    #   checked by tests/test_build.py::test_objective_*
    raise NotImplementedError("c3_kl_constraint.build: objective is a stub — see tests/test_build.py::test_objective_*")


def choose(candidates: list[dict], beta: float) -> int:
    """The index of the candidate ``{"id", "reward", "kl"}`` with the highest r − β·KL (the first on a tie)."""
    # TODO(c3_kl_constraint.build): the highest objective wins, the first one on a tie —
    #   checked by tests/test_build.py::test_choose_*
    raise NotImplementedError("c3_kl_constraint.build: choose is a stub — see tests/test_build.py::test_choose_*")


# =============================================================================================
# c3_kl_constraint.build — Task 3: the closed-form optimum
# =============================================================================================


def optimal_policy(ref: list[float], rewards: list[float], beta: float) -> list[float]:
    """π*(a) = π_ref(a)·exp(r(a)/β) / Z, computed in log space (shifted by the max) so small β cannot overflow."""
    # TODO(c3_kl_constraint.build): work with ln π_ref + r/β and shift by its max before exp —
    #   checked by tests/test_build.py::test_optimal_*
    raise NotImplementedError("c3_kl_constraint.build: optimal_policy is a stub — see tests/test_build.py::test_optimal_*")


__all__ = ["choose", "cross_entropy", "kl_divergence", "kl_for_json", "objective", "optimal_policy"]
