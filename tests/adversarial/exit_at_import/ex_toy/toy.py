"""Attack: sys.exit(0) while the module is imported."""

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

sys.exit(0)
