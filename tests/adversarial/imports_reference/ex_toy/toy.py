"""Attack: import the kit's own implementation of what the exercise asks for (forbidden_imports)."""

from course_core.measurement.stats import wilson_interval  # noqa: F401


def add(a, b):
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    raise NotImplementedError("clip: x limited to [lo, hi]")
