"""Seeded torch: deterministic kernels and a fixed thread count, without loading the compiler."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO, skip_unless_installed

skip_unless_installed("torch")

pytestmark = pytest.mark.slow  # a fresh interpreter imports torch (about 2 s)

PROBE = """
import sys
from course_core.lm.reproducible import seed_everything
a = seed_everything(7, threads=1).initial_seed()
import torch
b = seed_everything(7, threads=1).initial_seed()
print(torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
      torch.get_num_threads(), a == b == 7, "torch._inductor" in sys.modules, "torch._dynamo" in sys.modules)
"""


def test_seeding_turns_on_deterministic_kernels_without_importing_dynamo_or_inductor():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["True", "False", "1", "True", "False", "False"]
