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
        # bytes(n) is calloc'd: the address space grows at once, with no page to fault in, so the
        # limit is reached in milliseconds however slow the machine is (a bytearray's zero-fill
        # could take longer than the 3 s time limit on a loaded host, and end as a timeout instead)
        hog.append(bytes(64 << 20))
