"""Every command answers --help, without importing the heavy libraries (so it is fast)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

COMMANDS = sorted(p.stem for p in (REPO / "course").glob("*.py") if p.stem != "__init__")
HEAVY = ("numpy", "jsonschema", "rich", "referencing", "matplotlib", "pytest", "tiktoken", "torch")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_works_and_imports_nothing_heavy(command):
    probe = subprocess.run(  # -X importtime lists every import on stderr; the help is on stdout as usual
        [sys.executable, "-X", "importtime", "-m", f"course.{command}", "--help"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert f"usage: python -m course.{command}" in probe.stdout
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in probe.stderr.splitlines() if "|" in line}
    assert not imported & set(HEAVY), f"--help imported {sorted(imported & set(HEAVY))}"


def test_every_command_the_guide_names_exists():
    for command in ("eval", "selection_demo", "bandit_train", "gate", "inspect_run"):
        assert command in COMMANDS


@pytest.mark.parametrize(("given", "seen"), [(None, "1"), ("4", "4")])
def test_commands_start_numpy_without_spinning_blas_threads_unless_told(given: str | None, seen: str) -> None:
    """course/__init__.py: one OpenBLAS thread by default (each thread per core spun 0.15 s of CPU at import)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"} | ({"OPENBLAS_NUM_THREADS": given} if given else {})
    code = "import course, os, numpy; print(os.environ['OPENBLAS_NUM_THREADS'])"
    probe = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == seen
