"""Public chaff for p1_promotion: treats the scorer's version as its identity.

Mistake: it believes scorer_version alone says whether the instrument changed, so it drops
scorer_name and scorer_spec_fingerprint from the comparison. Both kit scorers are version
1.0.0: a candidate scored with weak_contains looks like the same instrument, and a new policy
scored by a more lenient scorer is promoted. (The gate compares all three.)

It holds only the mistake: a patch (`PATCHES` below) that runs on top of the module it names,
yours under `pytest --chaff`, the reference in the grader's lock stage. Your
tests/test_regression.py should fail on it. Each function asks the module first, with the
same arguments: wherever the module fails, the chaff fails the same way; only the mistake
tells them apart.
"""

from __future__ import annotations

PATCHES = "promotion.py"

_promotion_decision = promotion_decision  # noqa: F821 - a name of the module this patches
_NOT_COMPARED = ("scorer_name", "scorer_spec_fingerprint")


def promotion_decision(baseline_manifest: dict, candidate_manifest: dict, summaries: dict, min_delta: float = MIN_DELTA) -> dict:  # noqa: F821
    """The committee's decision, blind to the scorer's name and spec fingerprint."""
    _promotion_decision(baseline_manifest, candidate_manifest, summaries, min_delta)
    candidate = {k: v for k, v in candidate_manifest.items() if k not in _NOT_COMPARED}
    candidate.update({k: baseline_manifest[k] for k in _NOT_COMPARED if k in baseline_manifest})
    return _promotion_decision(baseline_manifest, candidate, summaries, min_delta)
