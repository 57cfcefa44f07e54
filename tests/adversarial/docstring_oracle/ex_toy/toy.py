"""A partly done toy.py: add and mean work, clip is still a stub. Attacks are added to copies of it."""


def add(a, b):
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    raise NotImplementedError("clip: x limited to [lo, hi]")
