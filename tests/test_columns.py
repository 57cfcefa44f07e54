"""At a projector (80 columns): every --help, table and demo screen fits; machine output does not care.

Each command runs in-process at COLUMNS=80 from a scratch folder holding the kit's data, with
short relative run directories as the docs use them, and every line it prints is measured.
"""

from __future__ import annotations

import html
import importlib
import json
import re

import pytest

from conftest import REPO, run_cli
from test_cli_help import COMMANDS

WIDTH = 80


def too_wide(text: str, width: int = WIDTH) -> list[str]:
    return [ln for ln in text.splitlines() if len(ln) > width]


@pytest.fixture
def at_80(tmp_path, monkeypatch, capsys):
    """Run ``course.<name> argv...`` in-process at 80 columns; return (exit code, stdout + stderr)."""
    (tmp_path / "data").symlink_to(REPO / "data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.setenv("NO_COLOR", "1")

    def run(name: str, *argv: str) -> tuple[int, str]:
        module = importlib.import_module(f"course.{name}")
        from course_core.present.cli import run as boundary

        code = boundary(module.main, f"course.{name}", list(argv))
        out = capsys.readouterr()
        return code, out.out + out.err

    return run


@pytest.mark.parametrize("command", COMMANDS)
def test_help_fits_80_columns(command, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    with pytest.raises(SystemExit) as stopped:
        importlib.import_module(f"course.{command}").main(["--help"])
    helped = capsys.readouterr().out
    assert stopped.value.code == 0 and helped.startswith(f"usage: python -m course.{command}")
    assert not too_wide(helped), f"course.{command} --help is wider than {WIDTH} columns:\n{helped}"


DEV, FROZEN = "data/datasets/math_dev.jsonl", "data/rollouts/frozen_rollouts_dev.jsonl"
SCREENS = [
    ("eval", "--dataset", DEV, "--completions", FROZEN, "--outdir", "runs/e"),
    ("inspect_run", "--run", "runs/e", "--top-k", "5", "--show", "2"),
    ("inspect_run", "--run", "runs/e", "--only-fails", "--top-k", "5", "--show", "2"),
    ("inspect_run", "--run", "runs/e", "--id", "dev-0001"),
    ("validate_scorer", "--dataset", DEV, "--golden", "data/golden/golden_correct.jsonl", "--golden", "data/golden/golden_exploits.jsonl"),
    ("validate_scorer", "--dataset", DEV, "--golden", "data/golden/golden_exploits.jsonl", "--scorer", "weak_contains"),
    ("eval", "--dataset", DEV, "--completions", FROZEN, "--outdir", "runs/w", "--scorer", "weak_contains"),
    ("gate", "--baseline", "runs/e", "--candidate", "runs/w", "--min-delta", "0.00"),
    ("selection_demo", "--dataset", DEV, "--samples", "data/rollouts/selection_pack_dev.jsonl", "--n", "4", "--outdir", "runs/s"),
    ("inspect_run", "--run", "runs/s"),
    ("bandit_train", "--steps", "30", "--seed", "0", "--lr", "0.5", "--baseline", "--slow", "--outdir", "runs/b"),
    ("inspect_run", "--run", "runs/b"),
    ("two_step_demo", "--outdir", "runs/t"),
    ("kl_tradeoff_demo", "--no-plot", "--outdir", "runs/k"),
]


@pytest.mark.slow
def test_every_instrument_screen_fits_80_columns(at_80):
    for name, *argv in SCREENS:
        code, out = at_80(name, *argv)
        assert code in (0, 1), f"course.{name} {' '.join(argv)} exited {code}:\n{out}"
        assert out.strip() and not too_wide(out), f"course.{name} {' '.join(argv)} is wider than {WIDTH}:\n{out}"


def test_sutton_barto_table_keeps_each_setting_on_one_line(at_80):
    code, out = at_80("bandit_train", "--testbed", "sutton-barto", "--runs", "20", "--steps", "50", "--outdir", "runs/f")
    assert code == 0 and not too_wide(out), out
    for label in ("alpha=0.1, with baseline", "alpha=0.4, with baseline", "alpha=0.1, without baseline", "alpha=0.4, without baseline"):
        assert any(ln.startswith(label + " ") for ln in out.splitlines()), f"{label!r} is wrapped:\n{out}"


@pytest.mark.parametrize("mode", [[], ["--bytes"], ["Final: 323", "Final:   3 2 3   ", "--bytes"]])
def test_token_inspect_never_splits_a_token(at_80, mode):
    code, out = at_80("token_inspect", *mode)
    assert code == 0 and not too_wide(out), out
    rows = [ln.split("│") for ln in out.splitlines() if ln.startswith("│")]
    assert rows
    for cells in rows:
        tokens = cells[3]
        assert tokens.count('"') % 2 == 0, f"a token is split across lines: {tokens!r}\n{out}"
    assert '" "' in out


def test_machine_readable_output_ignores_the_width(tmp_path):
    wide, narrow = ({"COLUMNS": "200"}, {"COLUMNS": "20"})
    a = run_cli("course.token_inspect", "--json", "Final: 323", env=wide).stdout
    b = run_cli("course.token_inspect", "--json", "Final: 323", env=narrow).stdout
    assert a == b and json.loads(a)["texts"][0]["text"] == "Final: 323"
    for env, out in ((wide, "w"), (narrow, "n")):
        assert run_cli("course.eval", "--dataset", str(REPO / DEV), "--completions", str(REPO / FROZEN),
                       "--outdir", str(tmp_path / out), env=env).returncode == 0
    for name in ("results.jsonl", "summary.json"):
        assert (tmp_path / "w" / name).read_bytes() == (tmp_path / "n" / name).read_bytes()


def transcript_lines(path) -> list[str]:
    """The text of a rich HTML transcript, line by line, as a reader sees it."""
    body = re.search(r"<pre[^>]*>(.*)</pre>", path.read_text(encoding="utf-8"), flags=re.S)[1]
    return html.unescape(re.sub(r"<[^>]+>", "", body)).splitlines()


@pytest.mark.slow
def test_demo_screens_and_transcript_fit_80_columns_with_commands_whole(tmp_path):
    """Segments C and D (D runs A first): bandit commands continued with ``\\``, jq's quotes intact."""
    from course_core.present import demo
    from course_core.shell_layout import shell_words

    (tmp_path / "data").symlink_to(REPO / "data")
    proc = run_cli("course.demo", "--segment", "C", "--segment", "D", cwd=tmp_path, env={"COLUMNS": str(WIDTH)}, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    lines = transcript_lines(tmp_path / "runs/demo_transcript_CD.html")
    assert proc.stdout.splitlines()[:-1] == lines[: len(proc.stdout.splitlines()) - 1]  # the transcript is the screen
    assert not too_wide(proc.stdout) and not too_wide("\n".join(lines))
    def shown_from(i: int) -> list[str]:
        block = [lines[i]]
        while block[-1].endswith(" \\") and i + len(block) < len(lines):
            block.append(lines[i + len(block)])
        return block

    for segment in (s for s in demo.SEGMENTS if s.key in "CD"):
        for step in segment.steps:
            for command in demo.shell_lines(step.command or ""):
                starts = [i for i, ln in enumerate(lines) if ln.startswith(shell_words(command)[0] + " ")]
                shown = [[shell_words(ln) for ln in demo.shell_lines("\n".join(shown_from(i)))] for i in starts]
                assert [shell_words(command)] in shown, f"{command!r} is not shown whole"
    assert "| jq '.dataset_fingerprint, .scorer_version'" in "\n".join(lines)
