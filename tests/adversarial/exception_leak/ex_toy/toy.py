"""Attack: carry the hidden tests' inputs back in an exception's class name, message and place."""


def add(a, b):
    label = "_".join(str(abs(v)) for v in (a, b))
    namespace: dict = {}
    exec(f"class Leak_{label}(Exception):\n    pass\ndef at_{label}():\n    raise Leak_{label}('{a} {b}')\n", namespace)
    namespace[f"at_{label}"]()


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    raise NotImplementedError("clip: x limited to [lo, hi]")
