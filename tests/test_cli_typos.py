"""A mistyped option gets "did you mean", for every command (the one shared parser in present/cli.py)."""

from __future__ import annotations

import importlib
import re

import pytest

from conftest import run_cli
from test_cli_help import COMMANDS


def parse(command: str, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``python -m course.<command> argv...`` up to its argument parsing, in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as stopped:
        importlib.import_module(f"course.{command}").main(list(argv))
    out = capsys.readouterr()
    return stopped.value.code, out.out, out.err


def options_of(command: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    helped = parse(command, "--help", capsys=capsys)[1]
    listed = helped.split("options:", 1)[-1].split("\n\n", 1)[0]  # the options section, not the epilog
    return sorted({o for o in re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z0-9-]+)", listed, flags=re.M) if o != "--help"})


def misspelt(option: str) -> str:
    """Drop the letter after the dashes' first two characters: --dataset → --datset."""
    return option[:4] + option[5:] if len(option) > 5 else option + "x"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_misspelt_option_gets_a_suggestion(command, capsys):
    options = options_of(command, capsys)
    assert options, f"course.{command} --help lists no long option"
    target = max(options, key=len)
    typo = misspelt(target)
    code, _, err = parse(command, typo, "x", capsys=capsys)
    assert code == 2, err
    suggested = re.search(rf"hint: '{re.escape(typo)}' is not an option; did you mean '(--[\w-]+)'\?", err)
    assert suggested, err
    assert suggested[1] in options and suggested[1][:4] == target[:4]  # a real option, and a close one


def test_a_typo_next_to_a_missing_required_argument_names_the_typo():
    """As a user types it (a subprocess): one message, exit 2, no traceback."""
    proc = run_cli("course.eval", "--datset", "d.jsonl", "--completions", "c.jsonl")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "the following arguments are required: --dataset" in proc.stderr
    assert "hint: '--datset' is not an option; did you mean '--dataset'?" in proc.stderr


def test_equals_form_far_off_names_and_negative_values(capsys):
    close = parse("eval", "--dataset", "d", "--completions", "c", "--scorer=x", "--outdri=o", capsys=capsys)[2]
    assert "hint: '--outdri' is not an option; did you mean '--outdir'?" in close
    far = parse("eval", "--dataset", "d", "--completions", "c", "--zzzzzz", capsys=capsys)[2]
    assert "hint: '--zzzzzz' is not an option; see python -m course.eval --help" in far
    negative = parse("bandit_train", "--lr", "-0.5", "--sed", "1", capsys=capsys)[2]
    assert negative.count("hint:") == 1 and "did you mean '--seed'?" in negative
