"""Attack: patch pytest and the grader's modules from inside the student's module."""

import os
import sys


def add(a, b):
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    raise NotImplementedError("clip: x limited to [lo, hi]")

try:
    import _pytest.outcomes
    import _pytest.runner
    import pytest

    pytest.fail = lambda *a, **k: None
    _pytest.outcomes.fail = lambda *a, **k: None
    _pytest.runner.call_and_report = lambda *a, **k: None
except Exception:
    pass
try:
    import course_core.grading.harness as harness
    import course_core.grading.testrun as testrun

    harness.WorkerFailure = type("Nope", (Exception,), {})
    testrun.explain = lambda *a, **k: ""
except Exception:
    pass
import builtins

builtins.AssertionError = type("NoAssert", (Exception,), {})
