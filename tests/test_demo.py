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
