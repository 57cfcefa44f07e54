"""Public chaff for a1_locked_room: the first version most of us would write.

Two mistakes, both common:

* ``classify`` calls every failure a math mistake. A completion that says "The answer is 7"
  instead of "Final: 7" did not get the math wrong; the fix for it is a different one.
* ``locked_room_violations`` checks only the dataset. A different scorer version or sampling
  configuration breaks the comparison just as surely.

It holds only the mistake: a patch (`PATCHES` below) that runs on top of the module it names,
yours under `pytest --chaff`, the reference in the grader's lock stage. Your
tests/test_regression.py should fail on it. Each function asks the module first, with the
same arguments: wherever the module fails, the chaff fails the same way; only the mistake
tells them apart.
"""

from __future__ import annotations

PATCHES = "locked_room.py"

_classify = classify  # noqa: F821 - a name of the module this patches
_locked_room_violations = locked_room_violations  # noqa: F821 - a name of the module this patches


def classify(outcome: str) -> str:
    """Every failure is called a math mistake."""
    return "pass" if _classify(outcome) == "pass" else "model_math"


def locked_room_violations(manifest_a: dict, manifest_b: dict) -> list[str]:
    """Only the dataset is compared."""
    return [field for field in _locked_room_violations(manifest_a, manifest_b) if field == "dataset_fingerprint"]
