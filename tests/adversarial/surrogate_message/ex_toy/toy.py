"""Attack: an exception message holding a lone surrogate, NUL and terminal escapes (a report writer's nightmare)."""


def add(a, b):
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    raise ValueError("no clip " + chr(0xD800) + "\x00\x1b[2J" + "x" * 3_000_000)
