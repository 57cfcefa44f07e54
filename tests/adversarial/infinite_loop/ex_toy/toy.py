"""Attack: add() never returns, on the visible test's input (the time limit is spent once, not per test)."""

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


def add(a, b):  # noqa: F811
    while (a, b) == (2, 3):
        pass
    return a + b
