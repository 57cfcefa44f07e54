"""Reference instruments for RL Foundations for LLMs.

Loop A (measurement): :mod:`course_core.scoring`, :mod:`course_core.eval`, :mod:`course_core.gate`.
Everything here is importable and tested; the ``course`` package holds only thin CLIs.
"""

__version__ = "0.1.0"
