"""Command-line entry points (``python -m course.<tool>``). Each module is thin: it parses
arguments, calls :mod:`course_core`, and prints. The logic lives in ``course_core``."""

import os

# numpy's OpenBLAS starts a thread per core at import, and they spin: on two cores every command
# paid 0.15 s of CPU for them, and the Figure 2.5 testbed ran 25 % slower. The kit's arrays are
# small (torch keeps its own threads); set OPENBLAS_NUM_THREADS to choose otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
