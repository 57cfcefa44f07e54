"""Attack: add() calls os._exit(0): the process ends with status 0 and no reply."""

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
    os._exit(0)
