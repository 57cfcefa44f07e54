"""Atomic writes: a file or folder appears whole or not at all, and only what we wrote is ever replaced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_core.artifacts.atomic import atomic_path, check_replaceable, swap_into_place, write_text_atomic
from course_core.errors import UserError


def test_a_file_appears_whole_and_replaces_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.json"
    write_text_atomic(target, "old\n")
    write_text_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert target.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]  # no temporary sibling left behind


def test_a_failure_midway_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("before", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_swap_replaces_a_folder_whole(tmp_path: Path) -> None:
    final, new = tmp_path / "run", tmp_path / ".run.partial"
    final.mkdir()
    (final / "old.txt").write_text("old", encoding="utf-8")
    new.mkdir()
    (new / "new.txt").write_text("new", encoding="utf-8")
    swap_into_place(new, final)
    assert sorted(p.name for p in final.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def _ours(path: Path) -> bool:
    return (path / "marker.json").is_file() and json.loads((path / "marker.json").read_text(encoding="utf-8")) == {"ours": True}


def test_check_replaceable_allows_absent_empty_and_ours_and_refuses_the_rest(tmp_path: Path) -> None:
    def check(p: Path) -> bool:
        return check_replaceable(p, _ours, "--outdir", "an earlier one of ours", "choose another --outdir")

    assert check(tmp_path / "absent") is False
    (tmp_path / "empty").mkdir()
    assert check(tmp_path / "empty") is False
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "marker.json").write_text('{"ours": true}', encoding="utf-8")
    assert check(ours) is True
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("months of work", encoding="utf-8")
    with pytest.raises(UserError, match="--outdir is not empty and does not hold an earlier one of ours; refusing"):
        check(theirs)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match="exists and is not a directory"):
        check(tmp_path / "file")
    assert (theirs / "thesis.tex").read_text(encoding="utf-8") == "months of work"
    with pytest.raises(UserError, match=r"would be inside .*file, which is not a directory"):
        check(tmp_path / "file" / "sub" / "run")  # was FileExistsError from mkdir, a traceback
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(UserError, match="is a symlink to .*nowhere, which does not exist"):
        check(tmp_path / "dangling")  # was NotADirectoryError when the run was renamed into place


def test_a_run_is_never_written_over_the_earlier_run_holding_what_it_reads(tmp_path: Path) -> None:
    """eval --outdir at the rollout run it scores replaced that run, deleting completions.jsonl for good."""
    from conftest import run_cli, write_jsonl

    dataset = write_jsonl(tmp_path / "ds.jsonl", [{"id": "a", "prompt": "1+1?", "expected_answer": 2}])
    from course_core.artifacts.manifest import PRODUCER
    from course_core.artifacts.rundir import staged_run

    run = tmp_path / "rollouts"
    with staged_run(run) as staged:  # an earlier kit run whose artifact is the next run's input
        write_jsonl(staged.path / "completions.jsonl", [{"id": "a", "completion": "Final: 2"}])
        (staged.path / "manifest.json").write_text(json.dumps({"producer": PRODUCER, "artifacts": ["completions.jsonl", "manifest.json"]}), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    proc = run_cli("course.eval", "--dataset", str(dataset), "--completions", str(run / "completions.jsonl"), "--outdir", str(run))
    assert proc.returncode == 2 and "--outdir holds completions.jsonl, which this run reads" in proc.stderr, proc.stderr
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before
    proc = run_cli("course.eval", "--dataset", str(dataset), "--completions", str(run / "completions.jsonl"), "--outdir", str(tmp_path / "eval"))
    assert proc.returncode == 0, proc.stderr


def test_sigterm_while_a_run_is_written_leaves_nothing_behind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`timeout`, a cancelled CI job or `kill` sends SIGTERM: it used to leave .<outdir>.partial-* folders."""
    import os
    import signal
    import time

    from course_core.artifacts.rundir import staged_run
    from course_core.present.cli import run

    def main(argv: object) -> int:
        with staged_run(tmp_path / "out") as staged:
            (staged.path / "results.jsonl").write_text("{}\n", encoding="utf-8")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler interrupts the sleep
        return 0

    # SIGTERM as a shell starts a command, even when this run was started with it ignored
    inherited = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        assert run(main, "course.test") == 143
        assert list(tmp_path.iterdir()) == [] and "interrupted; nothing was written" in capsys.readouterr().err
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # put back: the process's own handler is not ours to keep
    finally:
        signal.signal(signal.SIGTERM, inherited)
