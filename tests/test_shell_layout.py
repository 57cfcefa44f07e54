"""Commands on a narrow screen: broken only between shell words, with ` \\`, and still the same command."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_core.present.help_layout import layout
from course_core.shell_layout import CONTINUATION, shell_words, wrap_command, wrap_line


def as_typed(lines: list[str]) -> list[str]:
    """What the shell reads from lines ending in `` \\``: the words of one command."""
    return shlex.split("\n".join(lines).replace("\\\n", " "))


def test_a_command_that_fits_keeps_its_layout():
    guide = "poetry run python -m course.eval \\\n  --dataset data/datasets/math_dev.jsonl \\\n  --outdir runs/x"
    assert wrap_command(guide, 80) == guide


def test_the_bandit_command_breaks_between_options_and_keeps_each_value_with_its_flag():
    cmd = "poetry run python -m course.bandit_train --steps 30 --seed 0 --lr -0.5 --baseline --slow --outdir runs/demo_bandit_negative"
    lines = wrap_command(cmd, 80).splitlines()
    assert len(lines) == 2 and all(len(ln) <= 80 for ln in lines)
    assert lines[0].endswith(CONTINUATION) and not lines[1].endswith("\\")
    assert as_typed(lines) == shlex.split(cmd)
    assert "--lr -0.5" in lines[0] and lines[1].strip().startswith("--")  # a flag and its value stay together


def test_quotes_are_never_split_and_a_pipe_starts_its_own_line():
    cmd = "cat runs/demo_eval_modified/manifest.json | jq '.dataset_fingerprint, .scorer_version'"
    lines = wrap_command(cmd, 80).splitlines()
    assert lines == ["cat runs/demo_eval_modified/manifest.json \\", "    | jq '.dataset_fingerprint, .scorer_version'"]


def test_each_logical_line_of_a_block_is_laid_out_on_its_own():
    short, long = "cat a.json", "python -m course.gate --baseline runs/aaaaaaaaaaaa --candidate runs/bbbbbbbbbbbbbbbb --min-delta 0.00"
    out = wrap_command(f"{short}\n{long}", 60).splitlines()
    assert out[0] == short and as_typed(out[1:]) == shlex.split(long)


def test_shell_words_keep_quotes_and_escapes():
    assert shell_words("""python -c "print('a b')" $'x\\ny' a\\ b 'it''s'""") == [
        "python", "-c", '"print(\'a b\')"', "$'x\\ny'", "a\\ b", "'it''s'",
    ]


WORD = st.one_of(
    st.from_regex(r"--[a-z]{1,12}", fullmatch=True),
    st.from_regex(r"[a-z0-9_./-]{1,30}", fullmatch=True).filter(lambda w: not w.startswith("-")),
    st.from_regex(r"'[a-z ,.:]{0,30}'", fullmatch=True),
    st.from_regex(r'"[a-z \',.]{0,30}"', fullmatch=True),
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=25), st.integers(min_value=20, max_value=100))
def test_any_command_reads_back_the_same_and_fits_where_its_words_allow(words, width):
    line = " ".join(words)
    lines = wrap_line(line, width, indent="  ")
    assert as_typed(lines) == shlex.split(line)
    assert all(ln.endswith(CONTINUATION) for ln in lines[:-1])
    for ln in lines:
        body = ln[: -len(CONTINUATION)] if ln.endswith(CONTINUATION) else ln
        assert len(ln) <= width or len(shell_words(body)) == 1, ln  # only a single over-wide word overflows


def test_help_text_keeps_what_fits_refills_paragraphs_and_wraps_two_columns():
    text = (
        "examples:\n"
        "  nox -s demo                  the whole guide\n"
        "  nox -s demo -- --segment B   one segment: A (measurement), B (selection), C (learning), D (synthesis)\n"
        "\n"
        "writes manifest.json, results.jsonl (one row per example), summary.json and summary.md (pass rate\n"
        "with a 95% Wilson interval, outcome counts)."
    )
    out = layout(text, 60)
    assert out[:2] == ["examples:", "  nox -s demo                  the whole guide"]
    assert out[2].startswith("  nox -s demo -- --segment B   one segment:")
    assert all(len(ln) <= 60 for ln in out)
    assert all(ln.startswith(" " * 31) for ln in out[3:out.index("")])  # the right column's hanging indent
    assert " ".join(out[out.index("") + 1:]) == " ".join(text.split("\n\n")[1].split())
