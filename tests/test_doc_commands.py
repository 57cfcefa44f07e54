"""Every command the docs print works as printed (rules: tests/doc_commands.py).

The fast checks prove each documented command well-formed without running it: valid shell, a
program that exists, a kit module or nox session that exists, arguments its parser accepts,
and input files that the kit has or an earlier documented command writes. The slow one runs
them all, in order, in a fresh copy of the kit, starting from the README's set-up command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import doc_commands as dc
from conftest import REPO


def test_the_docs_hold_commands_for_every_part_of_the_kit():
    commands = dc.all_commands(REPO)
    docs = {c.doc for c in commands}
    assert {"README.md", "docs/INSTRUCTOR_GUIDE.md", "exercises/README.md"} <= docs
    for toml in sorted(REPO.glob("exercises/*/exercise.toml")):
        readme = toml.parent.relative_to(REPO).as_posix() + "/README.md"
        assert any(c.doc == readme and not c.inline for c in commands), f"{readme} has no runnable command block"
    first = next(c for c in commands if c.doc == "README.md" and not c.inline)
    assert first.text.startswith("nox -s dev"), "the README's first command is its set-up command"


def test_every_documented_command_is_well_formed():
    checker = dc.Checker(REPO)
    problems = [p for c in dc.all_commands(REPO) for p in checker.check(c)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("text, complaint", [
    ("python -m course.eval --datset data/datasets/math_dev.jsonl --completions x", "did you mean '--dataset'"),
    ("python -m course.eval --dataset data/datasets/nope.jsonl --completions data/rollouts/frozen_rollouts_dev.jsonl",
     "names data/datasets/nope.jsonl"),
    ("python -m course.evaluate --dataset x", "no module course.evaluate"),
    ("nox -s demoo", "nox has no session 'demoo'"),
    ("nox -s demo -- --segmnt B", "did you mean '--segment'"),
    ("python -c \"print('unclosed)\"", "python -c"),
    ("cat runs/never_written/summary.json", "names runs/never_written/summary.json"),
    ("python -m course.inspect_run --run <rundir>", "unknown placeholder <rundir>"),
    ("python -m pytest exercises/a1_locked_room/tests/test_nothing.py -q", "names exercises/a1_locked_room/tests/test_nothing.py"),
    ("echo 'unbalanced", "not valid shell"),
])
def test_the_checker_catches_drift(text, complaint):
    problems = dc.Checker(REPO).check(dc.Command("doc.md", 1, text))
    assert any(complaint in p for p in problems), problems


def test_expectations_and_needs_are_read_from_the_doc(tmp_path):
    doc = tmp_path / "README.md"
    doc.write_text(
        "```bash\npython -m course.gate --baseline a \\\n  --candidate b --min-delta 0\n```\n\n"
        "Expect REJECT (exit code 1).\n\n"
        "```bash\n# needs: a model server on :8000\npython -m course.eval --dataset d --completions c\n```\n\n"
        "```bash\npython -m pytest t.py -q   # must FAIL\nnox -s grade   # exit 3\n```\n\n"
        "Run `python -m course.eval --dataset D [--scorer NAME]` or `nox -s demo -- --pause`.\n",
        encoding="utf-8",
    )
    got = dc.commands_in(doc, tmp_path)
    assert [(c.line, c.expect, c.needs, c.inline, c.synopsis) for c in got] == [
        (2, 1, None, False, False),
        (10, 0, "a model server on :8000", False, False),
        (14, None, None, False, False), (15, 3, None, False, False),
        (18, 0, None, True, True), (18, 0, None, True, False),
    ]
    assert got[0].text == "python -m course.gate --baseline a --candidate b --min-delta 0"


def test_exits_n_in_the_prose_after_a_block_is_its_expected_exit(tmp_path):
    doc = tmp_path / "README.md"
    doc.write_text("```bash\npython -m course.eval --dataset d --completions c\n```\n\nThe command exits 1: a disagreement.\n", encoding="utf-8")
    assert [c.expect for c in dc.commands_in(doc, tmp_path)] == [1]


def test_a_hand_edit_is_made_with_the_references_version_of_the_copy():
    steps = dc.plan(REPO, poetry=False)
    marked = [i for i, st in enumerate(steps) if st.command is not None and st.command.hand_edit]
    assert marked, "no documented command is marked '# then edit the copy'"
    for i in marked:
        dest = dc.simple_commands(steps[i].text)[0][-1]
        edit = steps[i + 1]
        assert edit.command is None and edit.text.endswith(" " + dest), edit.text
        assert (REPO / edit.text.split()[1]).read_bytes() != (REPO / steps[i].text.split()[1]).read_bytes(), "the edit changes nothing"
    with pytest.raises(AssertionError, match="then edit the copy"):
        dc._hand_edit(dc.Command("exercises/a2_scorer/README.md", 1, "cp a exercises/a2_scorer/nothing.py  # then edit the copy"), "a2_scorer", REPO)


def _copy_kit(dest: Path) -> None:
    from course_core.packaging.kitfiles import kit_files

    files, _, _ = kit_files(REPO, ())
    for rel in files:
        if (REPO / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, dest / rel)


@pytest.mark.docrun
def test_every_documented_command_runs_as_printed_from_a_fresh_copy(tmp_path):
    """The README's set-up command, then every documented command in order, in one shell.

    Checked per command: the documented exit code, no traceback, and (for the kit's own
    commands) output that fits 80 columns; then every reproduce line of each grade report.
    """
    kit = tmp_path / "kit"
    _copy_kit(kit)
    poetry = shutil.which("poetry") is not None
    steps = dc.plan(kit, poetry)
    logs = tmp_path / "logs"
    (tmp_path / "run.sh").write_text(dc.script(steps, str(logs)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "NOX_CURRENT_SESSION")}
    env.update(COLUMNS="80", NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    subprocess.run(["bash", str(tmp_path / "run.sh")], cwd=kit, env=env, timeout=2400, check=False)

    failures = []
    sessions = dc.nox_sessions(kit)
    for n, step in enumerate(steps):
        if step.skip:
            continue
        rc_file = logs / f"{n}.rc"
        out = (logs / f"{n}.out").read_text(errors="replace") if (logs / f"{n}.out").exists() else ""
        err = (logs / f"{n}.err").read_text(errors="replace") if (logs / f"{n}.err").exists() else ""
        where = step.command.where if step.command else "(harness)"
        if not rc_file.exists():
            failures.append(f"{where}: never ran: {step.text}")
            continue
        rc = int(rc_file.read_text())
        expect = step.command.expect if step.command else 0
        if (expect is None and rc == 0) or (expect is not None and rc != expect):
            failures.append(f"{where}: exit {rc}, documented {expect if expect is not None else 'non-zero'}: "
                            f"{step.text}\n{(out + err)[-1500:]}")
        if "Traceback (most recent call last)" in err:
            failures.append(f"{where}: traceback: {step.text}\n{err[-1500:]}")
        if step.command and _kit_command(step.text, sessions):
            wide = [ln for ln in out.splitlines() if len(ln) > 80 and not ln.startswith("nox > ")]
            if wide:
                failures.append(f"{where}: {len(wide)} line(s) wider than 80 columns, e.g. {wide[0]!r}")
    reproduced = kit / "grade-report/report.md.reproduced.json"
    runs = [json.loads(line) for line in reproduced.read_text().splitlines()] if reproduced.exists() else []
    assert runs, "no grade report was read (no documented grading command ran)"
    lines = [r for run in runs for r in run]
    assert lines, "the first grade report (an untouched kit) printed no reproduce line"
    for r in lines:
        if r["rc"] not in (0, 1):  # the check passes or fails; 2-5 are usage errors or nothing collected
            failures.append(f"reproduce line exits {r['rc']}: {r['command']}\n{r['tail']}")
    assert not failures, "\n\n".join(failures)


def _kit_command(text: str, sessions: dict[str, str | None]) -> bool:
    for words in dc.simple_commands(text):
        argv = dc.python_argv(words)
        if argv and argv[:2] == ["-m", argv[1] if len(argv) > 1 else ""] and argv[1].startswith("course."):
            return True
        if words[:1] == ["nox"] and any((sessions.get(w) or "").startswith("course.") for w in words):
            return True
    return False
