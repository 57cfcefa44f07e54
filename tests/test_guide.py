"""The instructor guide is the contract: the demo runs its commands verbatim, and they work."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import REPO
from course_core import demo

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
