"""An honest toy.py with no regression tests: the baseline of attacks that start from correct code."""


def add(a, b):
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    return max(lo, min(hi, x))
