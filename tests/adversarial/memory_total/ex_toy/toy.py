"""Attack: hold more memory than the limit (256 MB) in several processes, each under it."""

import os
import time


def add(a, b):
    return a + b


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    ready_r, ready_w = os.pipe()
    for _ in range(3):
        if os.fork() == 0:
            block = bytearray(120 << 20)
            for i in range(0, len(block), 4096):
                block[i] = 1
            os.write(ready_w, b"x")
            time.sleep(5)
            os._exit(0)
    for _ in range(3):  # every child holds its block: 360 MB in all
        os.read(ready_r, 1)
    time.sleep(1)
    return sum(xs) / len(xs)


def clip(x, lo, hi):
    raise NotImplementedError("clip: x limited to [lo, hi]")
