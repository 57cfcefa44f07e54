"""Command-line entry points (``python -m course.<tool>``). Each module is thin: it parses
arguments, calls :mod:`course_core`, and prints. The logic lives in ``course_core``."""
