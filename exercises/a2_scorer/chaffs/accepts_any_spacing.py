r"""Public chaff for a2_scorer: a "harmless" normalisation of the spacing after 'Final:'.

Mistake: ``re.sub(r"Final:\s*", "Final: ", ...)`` before scoring, so "Final:44", "Final:  44"
and "Final:\t44" all earn reward 1. The spec says exactly one ASCII space; a scorer that pays
for the other forms teaches a policy that the format does not matter, and its VERSION did not
even change.

It holds only the mistake: a patch (`PATCHES` below) that runs on top of the module it names,
yours under `pytest --chaff`, the reference in the grader's lock stage. Your
tests/test_regression.py should fail on it. Each function asks the module first, with the
same arguments: wherever the module fails, the chaff fails the same way; only the mistake
tells them apart.
"""

from __future__ import annotations

import re
from typing import Any

PATCHES = "my_scorer.py"

_score = score  # noqa: F821 - a name of the module this patches
_AFTER_COLON = re.compile(r"Final:\s*")


def score(example: dict, completion: Any) -> dict:
    """The scorer's verdict on the completion with any spacing after 'Final:' made one space."""
    verdict = _score(example, completion)
    if isinstance(completion, str):
        return _score(example, _AFTER_COLON.sub("Final: ", completion))
    return verdict
