"""Public chaff for a3_reward_hacking: the patch blocks the strings, not the classes.

Mistake: ``patched_verify`` is the naive verifier plus a blocklist of the exploits someone
found last week. Every one of those strings now earns 0, and the next "Final: 19. (Sanity:
44 is too big.)" earns 1 again.

It holds only the mistake: a patch (`PATCHES` below) that runs on top of the module it names,
yours under `pytest --chaff`, the reference in the grader's lock stage. Your
tests/test_regression.py should fail on it. Each function asks the module first, with the
same arguments: wherever the module fails, the chaff fails the same way; only the mistake
tells them apart.
"""

from __future__ import annotations

from typing import Any

PATCHES = "verifiers.py"

BLOCKED = {
    "Final: 17. (Sanity: 42 is too big.)",
    "The answer is 41. Check: 41+1=42",
    "Final: 1,8",
    "Final: 42\nFinal: 41",
    "It is 41 or 42.",
}


def patched_verify(expected: int, completion: Any) -> int:
    """The naive verifier, except on the exploits found last week."""
    verdict = naive_verify(expected, completion)  # noqa: F821 - the module's own
    return 0 if isinstance(completion, str) and completion in BLOCKED else verdict
