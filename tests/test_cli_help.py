"""Every command answers --help, without importing the heavy libraries (so it is fast)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO, run_cli

COMMANDS = sorted(p.stem for p in (REPO / "course").glob("*.py") if p.stem != "__init__")
HEAVY = ("numpy", "jsonschema", "rich", "referencing", "matplotlib", "pytest", "tiktoken", "torch")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_works_and_imports_nothing_heavy(command):
    proc = run_cli(f"course.{command}", "--help")
    assert proc.returncode == 0, proc.stderr
    assert f"usage: python -m course.{command}" in proc.stdout
    probe = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", f"course.{command}", "--help"],
        cwd=REPO, capture_output=True, text=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in probe.stderr.splitlines() if "|" in line}
    assert not imported & set(HEAVY), f"--help imported {sorted(imported & set(HEAVY))}"


def test_every_command_the_guide_names_exists():
    for command in ("eval", "selection_demo", "bandit_train", "gate", "inspect_run"):
        assert command in COMMANDS
