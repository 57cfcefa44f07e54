"""The instructor guide is the contract: the demo runs its commands verbatim, and they work."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import REPO
from course_core.present import demo

GUIDE = REPO / "docs" / "INSTRUCTOR_GUIDE.md"
SHARED_GUIDE = REPO.parent / "shared" / "INSTRUCTOR_GUIDE.md"


def guide_commands(text: str) -> set[str]:
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return {line for block in blocks for line in demo.shell_lines(block)}


def test_vendored_guide_matches_the_shared_one():
    if not SHARED_GUIDE.is_file():
        pytest.skip("no shared/ beside this checkout")
    assert GUIDE.read_text() == SHARED_GUIDE.read_text(), "docs/INSTRUCTOR_GUIDE.md is stale: copy ../shared/INSTRUCTOR_GUIDE.md"


def test_every_demo_command_is_the_guides_verbatim():
    in_guide = guide_commands(GUIDE.read_text())
    for segment in demo.SEGMENTS:
        for step in segment.steps:
            if step.command:
                for line in demo.shell_lines(step.command):
                    assert line in in_guide, f"{step.title}: {line!r} is not in the guide"


def test_every_guide_command_of_segments_1_to_4_is_in_the_demo():
    text = GUIDE.read_text()
    body = text[text.index("### Segment 1"): text.index("## Common Student Misconceptions")]
    in_demo = {ln for s in demo.SEGMENTS for st in s.steps if st.command for ln in demo.shell_lines(st.command)}
    missing = guide_commands(body) - in_demo
    assert not missing, f"guide commands the demo does not run: {missing}"


def test_jq_stand_in_prints_the_same_fields(tmp_path, monkeypatch):
    (tmp_path / "m.json").write_text(json.dumps({"dataset_fingerprint": "sha256:ab", "scorer_version": "1.0.0"}))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    done = demo.run_command("cat m.json | jq '.dataset_fingerprint, .scorer_version'", tmp_path)
    assert done.stdout.splitlines() == ['"sha256:ab"', '"1.0.0"']


def test_segment_1_verbatim_gives_the_guides_reject(tmp_path):
    """Segment 1 in a scratch copy of the data: clean eval, perturbed copy, eval, gate → REJECT."""
    shutil.copytree(REPO / "data", tmp_path / "data")
    outcomes = demo.run_demo(tmp_path, ["A"])
    failed = [f"{o.title}: {o.check}" for o in outcomes if not o.passed]
    assert not failed
    assert len(outcomes) >= 9
    manifest = json.loads((tmp_path / "runs/demo_eval_clean/manifest.json").read_text())
    assert manifest["dataset_fingerprint"].startswith("sha256:") and isinstance(manifest["scorer_version"], str)


def test_demo_cli_one_segment_with_pauses_leaves_a_transcript(tmp_path):
    """`nox -s demo -- --segment B --pause`: Enter before each step, a transcript at the end."""
    import subprocess
    import sys

    shutil.copytree(REPO / "data", tmp_path / "data")
    steps = sum(len(s.steps) for s in demo.SEGMENTS if s.key == "B")
    proc = subprocess.run(
        [sys.executable, "-m", "course.demo", "--segment", "B", "--pause", "--transcript", "t/demo.html"],
        cwd=tmp_path, input="\n" * steps, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.stdout.count("press Enter") == steps
    assert "expected outcomes held" in proc.stdout and "Segment 1" not in proc.stdout
    html = (tmp_path / "t/demo.html").read_text()
    assert "Selection Without Learning" in html and "no difference" in html


def test_a_failed_expectation_makes_the_demo_exit_non_zero(tmp_path):
    """Segment A where there is no data/: its checks cannot hold, and the exit code says so."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "course.demo", "--segment", "A", "--transcript", "demo.html"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1"},
    )
    assert proc.returncode == 1
    assert "✗" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr


# --- stopping, prerequisites, transcripts ----------------------------------------------------

FULL_TRANSCRIPT = "runs/demo_transcript.html"


def demo_cli(cwd, *args, stdin=None, input=None, timeout=300):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "course.demo", *args], cwd=cwd, stdin=stdin, input=input, capture_output=True, text=True,
        timeout=timeout, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "80"},
    )


@pytest.fixture
def classroom(tmp_path):
    """A scratch kit folder with the data and a transcript of an earlier full run that must survive."""
    shutil.copytree(REPO / "data", tmp_path / "data")
    (tmp_path / "runs").mkdir()
    (tmp_path / FULL_TRANSCRIPT).write_text("the whole guide, from an earlier run\n")
    return tmp_path


def test_pause_with_no_input_stops_cleanly_before_anything_is_written(classroom):
    import subprocess

    proc = demo_cli(classroom, "--pause", stdin=subprocess.DEVNULL)
    assert proc.returncode == 130
    assert "stopped before 'Clean eval'; nothing was written; no transcript saved" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr and "EOFError" not in proc.stderr
    assert sorted(p.name for p in (classroom / "runs").iterdir()) == ["demo_transcript.html"]
    assert (classroom / FULL_TRANSCRIPT).read_text() == "the whole guide, from an earlier run\n"


def test_end_of_input_after_two_steps_names_what_they_wrote(classroom):
    proc = demo_cli(classroom, "--pause", input="\n\n")
    assert proc.returncode == 130
    assert "stopped before 'Per-example outcomes'; the steps before it wrote: runs/demo_eval_clean;" in proc.stderr
    assert (classroom / "runs/demo_eval_clean/manifest.json").is_file()
    assert (classroom / FULL_TRANSCRIPT).read_text() == "the whole guide, from an earlier run\n"


def test_ctrl_c_at_a_prompt_in_a_terminal_exits_130_and_says_what_was_written(classroom):
    """A real terminal (pty): Enter once, then Ctrl-C at the second prompt."""
    import os
    import pty
    import select
    import signal
    import sys
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: the demo, on the pty
        os.chdir(classroom)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as a terminal starts it, even when this run ignores SIGINT (nohup)
        os.execve(sys.executable, [sys.executable, "-m", "course.demo", "--pause"],
                  {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "80", "TERM": "dumb"})
    seen = b""

    def waiting_for_the_terminal() -> bool:
        """The demo asleep with no process of its own running: at its prompt, not inside a step."""
        try:
            state = open(f"/proc/{pid}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()[0]
            children = "".join(open(f"/proc/{pid}/task/{t}/children", encoding="ascii").read() for t in os.listdir(f"/proc/{pid}/task"))
        except OSError:
            return False
        return state == "S" and not children.strip()

    def read_until(done, within=120.0, key=None):  # a deadline against a hung child, not a timing assertion
        """Read the pty until ``done()``; ``key`` is typed again after 5 s of silence while the demo
        waits at its prompt (30 s where /proc cannot tell): a key typed before the demo reads its
        prompt can be lost, and the conversation must not stall on that race (it cost a loaded
        run 30 s)."""
        nonlocal seen
        deadline = time.monotonic() + within
        quiet_since = time.monotonic()
        while not done() and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                seen += chunk
                quiet_since = time.monotonic()
            elif key is not None and time.monotonic() - quiet_since > (5 if waiting_for_the_terminal() else 30):
                os.write(fd, key)
                quiet_since = time.monotonic()

    def exit_status(within=120.0):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            read_until(lambda: False, within=0.5)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError("the demo did not exit after Ctrl-C:\n" + seen.decode("utf-8", "replace")[-2000:])

    read_until(lambda: seen.count(b"press Enter") >= 1)
    os.write(fd, b"\r")
    read_until(lambda: seen.count(b"press Enter") >= 2, key=b"\r")
    os.write(fd, b"\x03")
    read_until(lambda: b"no transcript saved" in seen, key=b"\x03")
    status = exit_status()
    os.close(fd)
    text = seen.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 130, text[-2000:]
    assert "stopped before 'The manifest'; the steps before it wrote: runs/demo_eval_clean" in text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert (classroom / FULL_TRANSCRIPT).read_text() == "the whole guide, from an earlier run\n"


def test_segment_d_alone_runs_segment_a_first_quietly_and_keeps_its_own_transcript(classroom):
    proc = demo_cli(classroom, "--segment", "D")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "reads what Segment A writes: running Segment A first, quietly" in proc.stdout
    assert "Segment 1" not in proc.stdout and "Clean eval" not in proc.stdout  # quietly: none of A's screens
    assert "✓ fingerprints differ, scorer versions agree" in proc.stdout
    assert "1/1 expected outcomes held (and 10/10 of Segment A, run first)" in proc.stdout
    assert (classroom / "runs/demo_transcript_D.html").is_file()
    assert (classroom / FULL_TRANSCRIPT).read_text() == "the whole guide, from an earlier run\n"


def test_each_segment_needs_only_what_it_declares():
    """What a segment reads from runs/ is written by itself or by a segment it names in ``needs``."""
    for segment in demo.SEGMENTS:
        own = {w for step in segment.steps for w in demo.writes(step)}
        given = own | {w for s in demo.SEGMENTS if s.key in segment.needs for step in s.steps for w in demo.writes(step)}
        for step in segment.steps:
            for line in demo.shell_lines(step.command or ""):
                for run in re.findall(r"runs/[\w.-]+", line):
                    assert run in given, f"Segment {segment.key}, {step.title}: reads {run}, written by no segment it needs"


def test_transcript_names():
    assert demo.default_transcript(None) == FULL_TRANSCRIPT
    assert demo.default_transcript(["B"]) == "runs/demo_transcript_B.html"
    assert demo.default_transcript(["D", "A"]) == "runs/demo_transcript_AD.html"
    assert demo.default_transcript([s.key for s in demo.SEGMENTS]) == "runs/demo_transcript_ABCD.html"
