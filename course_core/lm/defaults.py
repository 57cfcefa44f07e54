"""What the local models do without a flag, in one standard-library module (``--help`` reads it without torch).

Sampling a local model for measurement uses the configuration training samples with: the
policy as trained (temperature 1, no nucleus cut) and each model's completion budget.
"""

from __future__ import annotations

TEMPERATURE = 1.0
TOP_P = 1.0
MAX_NEW_TOKENS = {"tiny": 24, "smollm2-135m": 12}  # "Final: 123" fits either; SmolLM2 tokens are longer
THREADS = {"tiny": 1, "smollm2-135m": 2}  # torch threads: a fixed count keeps runs byte-reproducible
