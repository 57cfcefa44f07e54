"""A mistyped option gets "did you mean", for every command (the one shared parser in present/cli.py)."""

from __future__ import annotations

import re

import pytest

from conftest import run_cli
from test_cli_help import COMMANDS


def options_of(command: str) -> list[str]:
    helped = run_cli(f"course.{command}", "--help").stdout
    return sorted({o for o in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+)", helped) if o != "--help"})


def misspelt(option: str) -> str:
    """Drop the letter after the dashes' first two characters: --dataset → --datset."""
    return option[:4] + option[5:] if len(option) > 5 else option + "x"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_misspelt_option_gets_a_suggestion(command):
    options = options_of(command)
    assert options, f"course.{command} --help lists no long option"
    target = max(options, key=len)
    typo = misspelt(target)
    proc = run_cli(f"course.{command}", typo, "x")
    assert proc.returncode == 2, proc.stderr
    suggested = re.search(rf"hint: '{re.escape(typo)}' is not an option; did you mean '(--[\w-]+)'\?", proc.stderr)
    assert suggested, proc.stderr
    assert suggested[1] in options and suggested[1][:4] == target[:4]  # a real option, and a close one
    assert "Traceback" not in proc.stderr


def test_a_typo_next_to_a_missing_required_argument_names_the_typo():
    proc = run_cli("course.eval", "--datset", "d.jsonl", "--completions", "c.jsonl")
    assert proc.returncode == 2
    assert "the following arguments are required: --dataset" in proc.stderr
    assert "hint: '--datset' is not an option; did you mean '--dataset'?" in proc.stderr


def test_equals_form_far_off_names_and_negative_values():
    close = run_cli("course.eval", "--dataset", "d", "--completions", "c", "--scorer=x", "--outdri=o")
    assert "hint: '--outdri' is not an option; did you mean '--outdir'?" in close.stderr
    far = run_cli("course.eval", "--dataset", "d", "--completions", "c", "--zzzzzz")
    assert "hint: '--zzzzzz' is not an option; see python -m course.eval --help" in far.stderr
    negative = run_cli("course.bandit_train", "--lr", "-0.5", "--sed", "1")
    assert negative.stderr.count("hint:") == 1 and "did you mean '--seed'?" in negative.stderr
