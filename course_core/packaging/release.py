"""The student release: the kit minus everything instructor-only, as a fresh one-commit repository.

``build_release(root, dest)`` copies the files git tracks (or the tree, outside a checkout), drops
every path matching :data:`INSTRUCTOR_ONLY`, adds the CI workflow from
``templates/github/workflows/grade.yml`` as ``.github/workflows/grade.yml``, and commits the result
as the single commit "student release" of a new repository, so no history of instructor files
exists there. The copy is assembled beside ``dest`` and renamed into place: whole or not at all.
A ``dest`` that is not an earlier release (no marker file) is never overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from course_core import __version__
from course_core.artifacts.atomic import check_replaceable, swap_into_place
from course_core.errors import UserError
from course_core.packaging.kitfiles import git_modified, kit_files, matches

# The one list of what students never receive. Everything secret belongs under solutions/;
# the rest are safety nets for files placed elsewhere by mistake.
INSTRUCTOR_ONLY = (
    "solutions/**",  # reference solutions, chaffs, hidden tests, answer keys
    "**/*.instructor.*",  # any file marked instructor-only by its name, e.g. notes.instructor.md
    "**/hidden/**",  # hidden tests, wherever they ended up
    "**/answers.toml",  # answer keys for the structured reflection fields
    "tests/fixtures/policies/**",  # the kit's tests train with a whole c1 answer (kit_update.py)
    ".github/**",  # the instructor repository's own CI; the release gets the template below
)
WORKFLOW_TEMPLATE = "templates/github/workflows/grade.yml"
WORKFLOW_TARGET = ".github/workflows/grade.yml"
MARKER = ".student-release.json"
COMMIT_MESSAGE = "student release"
GIT_IDENTITY = ("-c", "user.name=RL Foundations kit", "-c", "user.email=kit@rl-foundations-llm.example")


@dataclass
class Release:
    """What was built: where, from what, how many files, and which instructor-only files were left out."""

    dest: Path
    source: str  # "git" (tracked files) or "tree"
    files: int
    excluded: list[str] = field(default_factory=list)
    commit: str | None = None  # the student copy's own (single) commit
    replaced: bool = False
    source_commit: str | None = None  # the kit's HEAD the copy was made from
    uncommitted: list[str] = field(default_factory=list)  # shipped files that differ from HEAD


def is_release(path: Path) -> bool:
    """True if ``path`` holds an earlier student release (its marker file says so)."""
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("kind") == "student_release"


def _check_dest(root: Path, dest: Path) -> bool:
    """Refuse a destination we must not touch. Returns True if it holds an earlier release."""
    if dest == root or dest in root.parents:
        raise UserError("the release cannot be built over the kit itself", path=dest, hint="use the default dist/student")
    return check_replaceable(dest, is_release, "release destination", f"an earlier release (its {MARKER} marker)",
                             "remove that directory yourself, or build somewhere else")


def _copy(root: Path, files: list[str], into: Path) -> None:
    for rel in files:
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, target)
        shutil.copymode(root / rel, target)


def _source_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _git_commit_all(repo: Path) -> str | None:
    """Make ``repo`` a new git repository holding exactly one commit of everything in it."""
    if shutil.which("git") is None:
        return None
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    quiet = {"cwd": repo, "env": env, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q", "--template="], **quiet)
    subprocess.run(["git", "add", "-A", "-f", "."], **quiet)
    subprocess.run(
        ["git", *GIT_IDENTITY, "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null",
         "commit", "-q", "--no-verify", "-m", COMMIT_MESSAGE],
        **quiet,
    )
    head = subprocess.run(["git", "rev-parse", "HEAD"], **{**quiet, "text": True})
    return head.stdout.strip()


def build_release(root: Path, dest: Path, *, init_git: bool = True) -> Release:
    """Build the student copy of the kit at ``root`` into ``dest`` (see the module docstring)."""
    root, dest = Path(root).resolve(), Path(dest).resolve()
    replaced = _check_dest(root, dest)
    template = root / WORKFLOW_TEMPLATE
    if not template.is_file():
        raise UserError("the CI workflow template is missing", path=template, hint="restore it from the kit's git history")
    files, excluded, source = kit_files(root, INSTRUCTOR_ONLY)
    inside = dest.relative_to(root).as_posix() + "/" if dest.is_relative_to(root) else None
    if inside:
        files = [f for f in files if not f.startswith(inside)]
    shipped = set(files)
    uncommitted = [f for f in git_modified(root) if f in shipped] if source == "git" else []
    leaked = [f for f in files if matches(f, INSTRUCTOR_ONLY)]
    assert not leaked, f"instructor-only files selected for the release: {leaked}"

    source_commit = _source_commit(root)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    os.chmod(tmp, 0o755)
    try:
        _copy(root, files, tmp)
        workflow = tmp / WORKFLOW_TARGET
        workflow.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, workflow)
        marker = {
            "kind": "student_release",
            "kit_version": __version__,
            "source": source,
            "source_commit": source_commit,
            "uncommitted_changes": source == "git" and bool(uncommitted),
            "files": len(files) + 2,  # with the workflow and this marker
            "excluded_patterns": list(INSTRUCTOR_ONLY),
        }
        (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        commit = _git_commit_all(tmp) if init_git else None
        swap_into_place(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Release(
        dest=dest, source=source, files=len(files) + 2, excluded=excluded, commit=commit, replaced=replaced,
        uncommitted=uncommitted, source_commit=source_commit,
    )
