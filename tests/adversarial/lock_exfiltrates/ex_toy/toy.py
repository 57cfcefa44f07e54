"""An honest toy.py, written by the student (the lock attack lives in its tests)."""


def add(a, b):
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    return max(lo, min(hi, x))
