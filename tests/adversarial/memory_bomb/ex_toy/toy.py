"""Attack: add() allocates far more memory than the limit."""

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
    hog = []
    while True:
        hog.append(bytearray(64 << 20))
