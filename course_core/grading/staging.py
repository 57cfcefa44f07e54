"""Staging: copy the files a submission may contribute into a private directory, and nothing else.

Only the paths an exercise.toml lists in ``student_files`` are taken. Symlinks are never
followed (anywhere under the submission), only regular files are read, each at most
``max_file_mb``; whatever is refused is recorded with a reason the student can act on. The
grader then works on the private copy, so a submission can neither alter the kit nor other
submissions, nor change between the checks that read it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from course_core.grading.exercise import Exercise

MAX_FILES = 2000  # per exercise folder
TOTAL_FACTOR = 20  # total bytes per exercise: TOTAL_FACTOR × max_file_mb


class Refused(Exception):
    """A file the grader will not read, with the reason."""


def read_capped(path: Path, cap_bytes: int) -> bytes:
    """The bytes of a regular, non-symlink file of at most ``cap_bytes``; Refused otherwise."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise Refused("not found") from None
    except OSError as exc:
        raise Refused(f"cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        raise Refused(f"is a symlink (→ {target}); symlinks are not followed, commit the file itself")
    if not stat.S_ISREG(st.st_mode):
        raise Refused("is not a regular file")
    if st.st_size > cap_bytes:
        raise Refused(f"is {st.st_size / 1e6:.1f} MB, over the {cap_bytes / (1 << 20):g} MB limit; it was not read")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise Refused(f"cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise Refused("is not a regular file")
        data = fh.read(cap_bytes + 1)
    if len(data) > cap_bytes:
        raise Refused(f"grew over the {cap_bytes / (1 << 20):g} MB limit while being read")
    return data


def decode_utf8(data: bytes, what: str) -> str:
    """Text of a student file; a clear Refused naming the first bad byte when it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(f"{what} is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from None


@dataclass
class Staged:
    """One exercise folder of one submission, as the grader will see it."""

    exercise: Exercise
    root: Path  # the private copy (exercises/<id>/ layout)
    found: bool  # the submission has this exercise folder at all
    refused: dict[str, str] = field(default_factory=dict)  # relative path → reason

    def notes_for(self, *rels: str) -> list[str]:
        """Refusal notes for files at or under any of ``rels`` (so a failing check can say why)."""
        out = []
        for path, reason in sorted(self.refused.items()):
            if any(path == r.rstrip("/") or path.startswith(r.rstrip("/") + "/") for r in rels):
                out.append(f"{path} was not taken: {reason}")
        return out


def symlink_reason(link: Path, root: Path) -> str:
    """Why a symlink is refused, saying where it points (and whether that is outside the submission)."""
    try:
        target = os.readlink(link)
    except OSError:
        return "is a symlink; symlinks are not followed, commit the file itself"
    resolved = os.path.normpath(os.path.join(os.path.dirname(link), target))
    inside = resolved == str(root) or resolved.startswith(str(root) + os.sep)
    where = "" if inside else ", outside your submission"
    return f"is a symlink (→ {target}{where}); symlinks are not followed, commit the file itself"


def _symlink_component(base: Path, rel: str) -> Path | None:
    current = base
    for part in Path(rel).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def locate(submission: Path, exercise: Exercise) -> Path | None:
    """The exercise folder inside a submission: ``<sub>/exercises/<id>``, ``<sub>/<id>``, or the submission itself."""
    for candidate in (submission / "exercises" / exercise.id, submission / exercise.id):
        if candidate.is_symlink() or (candidate.parent != submission and candidate.parent.is_symlink()):
            continue
        if candidate.is_dir():
            return candidate
    if (submission / exercise.module_file).exists() and submission.name == exercise.id:
        return submission
    return None


def stage(source: Path | None, exercise: Exercise, dest: Path) -> Staged:
    """Copy ``student_files`` from ``source`` (a submission's exercise folder) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    staged = Staged(exercise=exercise, root=dest, found=source is not None)
    if source is None:
        return staged
    cap = int(exercise.limits.max_file_mb * (1 << 20))
    budget = [TOTAL_FACTOR * cap, MAX_FILES]

    def take(rel: str) -> None:
        if budget[1] <= 0:
            staged.refused[rel] = f"over the limit of {MAX_FILES} files per exercise"
            return
        try:
            data = read_capped(source / rel, min(cap, budget[0]))
        except Refused as exc:
            if str(exc) != "not found":
                staged.refused[rel] = str(exc)
            return
        budget[0] -= len(data)
        budget[1] -= 1
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def walk(rel_dir: str) -> None:
        try:
            entries = sorted(os.scandir(source / rel_dir), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_symlink():
                staged.refused[rel] = symlink_reason(Path(entry.path), source)
            elif entry.is_dir(follow_symlinks=False):
                walk(rel)
            else:
                take(rel)

    for listed in exercise.student_files:
        rel = listed.rstrip("/")
        link = _symlink_component(source, rel)
        if link is not None:
            reason = symlink_reason(link, source)
            if link != source / rel:
                reason = f"goes through {link.relative_to(source)}, which {reason}"
            staged.refused[rel] = reason
            continue
        if (source / rel).is_dir():
            walk(rel)
        elif not listed.endswith("/"):
            take(rel)
    return staged
