"""Which files make up the kit: what git tracks in a checkout, else the tree minus build debris.

Shared by the student release and the Gradescope bundle. Paths are POSIX, relative to the kit root.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

# Never part of any copy of the kit: VCS data, environments, caches, and everything the kit writes.
NEVER_SHIPPED = (
    ".git/**",
    ".nox/**",
    ".venv/**",
    "runs/**",
    "grade-report/**",
    "dist/**",
    "**/__pycache__/**",
    "**/*.pyc",
    ".pytest_cache/**",
    ".hypothesis/**",
    "**/*.egg-info/**",
)


@lru_cache(maxsize=None)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """``**/`` is zero or more folders, ``**`` anything, ``*`` and ``?`` stay inside one path segment."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches(path: str, patterns: Iterable[str]) -> bool:
    """True if the POSIX relative ``path`` matches any of the glob ``patterns``."""
    return any(_glob_regex(p).match(path) for p in patterns)


def git_tracked(root: Path) -> list[str] | None:
    """The files git tracks under ``root`` (relative to it), or None when ``root`` is not a git checkout."""
    try:
        inside = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, timeout=30
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached"],
            capture_output=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return sorted(p for p in listed.stdout.decode("utf-8", "surrogateescape").split("\0") if p)


def git_modified(root: Path) -> list[str]:
    """Tracked files under ``root`` whose working-tree content differs from HEAD (empty outside git)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "diff", "--name-only", "--relative", "HEAD", "--"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted(line for line in out.stdout.splitlines() if line) if out.returncode == 0 else []


def tree_files(root: Path) -> list[str]:
    """Every regular file under ``root``, minus :data:`NEVER_SHIPPED` (used outside a git checkout)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames if not matches(f"{prefix}{d}/", NEVER_SHIPPED))
        found += [prefix + name for name in filenames]
    return sorted(found)


def kit_files(root: Path, exclude: Iterable[str] = ()) -> tuple[list[str], list[str], str]:
    """(files to ship, files left out by ``exclude``, "git" | "tree"): regular files only, never symlinks.

    In a checkout the list is what git tracks, and the content what the working tree holds now.
    """
    tracked = git_tracked(root)
    source = "tree" if tracked is None else "git"
    candidates = tree_files(root) if tracked is None else tracked
    patterns = tuple(exclude)
    keep, dropped = [], []
    for rel in candidates:
        if matches(rel, NEVER_SHIPPED):
            continue
        full = root / rel
        if full.is_symlink() or not full.is_file():
            continue  # deleted in the working tree, a submodule, or a link that could point anywhere
        (dropped if matches(rel, patterns) else keep).append(rel)
    return keep, dropped, source
