"""Attack: sleep past the wall-clock limit (3 s), hoping a sleeping call counts as starved of CPU."""

import time


def add(a, b):
    time.sleep(4.5)
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    raise NotImplementedError("clip: x limited to [lo, hi]")
