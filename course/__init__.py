"""Command-line entry points (``python -m course.<tool>``). Each module is thin: it parses
arguments, calls :mod:`course_core`, and prints. The logic lives in ``course_core``."""

import os

# numpy's OpenBLAS starts a thread per core at import, and they spin: on two cores `import numpy`
# took 0.23-0.29 s of CPU, against 0.09 s with one. The kit's arrays are small (torch keeps its own
# threads); set OPENBLAS_NUM_THREADS to choose otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
