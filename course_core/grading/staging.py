"""Staging: copy the files a submission may contribute into a private directory, and nothing else.

Only the paths an exercise.toml lists in ``student_files`` are taken. The submission is
walked with one open directory descriptor per path component (``O_NOFOLLOW | O_DIRECTORY``),
so no symlink is followed at any component, even one swapped in while grading runs; only
regular files are read, each at most ``max_file_mb``; whatever is refused is recorded with a
reason the student can act on. Every exercise of a submission is staged before anything reads
any of it, and the grader then works on the private copy only, so a submission can neither
alter the kit nor other submissions, nor change between the checks that read it.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_core.grading.exercise import Exercise

MAX_FILES = 2000  # files and folders per exercise folder
MAX_DEPTH = 16  # folders below a listed student folder
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
    # what the checks worked out from this copy, kept for the checks after them (the copy is private
    # and does not change while it is graded): by name, e.g. "loaded_runs", "rederived"
    memo: dict[str, dict[Any, Any]] = field(default_factory=dict, repr=False, compare=False)

    def notes_for(self, *rels: str) -> list[str]:
        """Refusal notes for files at or under any of ``rels`` (so a failing check can say why)."""
        out = []
        for path, reason in sorted(self.refused.items()):
            if any(path == r.rstrip("/") or path.startswith(r.rstrip("/") + "/") for r in rels):
                out.append(f"{path} was not taken: {reason}")
        return out


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)


def _link_reason(dir_fd: int, name: str) -> str:
    try:
        target = os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return "is a symlink; symlinks are not followed, commit the file itself"
    where = ", outside your submission" if target.startswith("/") or ".." in Path(target).parts else ""
    return f"is a symlink (→ {target}{where}); symlinks are not followed, commit the file itself"


def _open_child(dir_fd: int, name: str) -> tuple[int | None, str | None, str]:
    """(fd, None, kind) for a real directory or regular file named ``name`` in ``dir_fd``; (None, why, kind) else.

    Every open is relative to an already open directory and refuses a symlink, so nothing can
    be swapped in between looking and reading.
    """
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None, None, "missing"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})", "other"
    if stat.S_ISLNK(st.st_mode):
        return None, _link_reason(dir_fd, name), "link"
    kind = "dir" if stat.S_ISDIR(st.st_mode) else "file" if stat.S_ISREG(st.st_mode) else "other"
    if kind == "other":
        return None, "is not a regular file", kind
    try:
        fd = os.open(name, _DIR_FLAGS if kind == "dir" else _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            return None, "was replaced by a symlink while being read; symlinks are not followed", "link"
        return None, f"cannot be opened ({exc.strerror})", kind
    opened = os.fstat(fd)
    if (stat.S_ISDIR(opened.st_mode) != (kind == "dir")) or (kind == "file" and not stat.S_ISREG(opened.st_mode)):
        os.close(fd)
        return None, "changed while being read", kind
    return fd, None, kind


def _read_fd(fd: int, cap_bytes: int) -> bytes:
    with os.fdopen(fd, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > cap_bytes:
            raise Refused(f"is {size / 1e6:.1f} MB, over the {cap_bytes / (1 << 20):g} MB limit; it was not read")
        data = fh.read(cap_bytes + 1)
    if len(data) > cap_bytes:
        raise Refused(f"grew over the {cap_bytes / (1 << 20):g} MB limit while being read")
    return data


def _walk_to(root_fd: int, parts: tuple[str, ...]) -> tuple[int | None, str | None, str]:
    """Open ``parts`` below ``root_fd`` one component at a time, never through a symlink."""
    fd = os.dup(root_fd)
    for i, part in enumerate(parts):
        child, why, kind = _open_child(fd, part)
        os.close(fd)
        if child is None:
            if why and kind == "link" and i < len(parts) - 1:
                why = f"goes through {'/'.join(parts[: i + 1])}, which {why}"
            return None, why, kind
        if kind != "dir" and i < len(parts) - 1:
            os.close(child)
            return None, None, "missing"
        fd = child
    return fd, None, "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"


def _locate_fd(root_fd: int, root_name: str, exercise: Exercise) -> int | None:
    """The exercise folder inside a submission: ``<sub>/exercises/<id>``, ``<sub>/<id>``, or the submission itself."""
    for parts in (("exercises", exercise.id), (exercise.id,)):
        fd, _, kind = _walk_to(root_fd, parts)
        if fd is not None and kind == "dir":
            return fd
        if fd is not None:
            os.close(fd)
    if root_name == exercise.id:
        try:
            st = os.stat(exercise.module_file, dir_fd=root_fd, follow_symlinks=False)
        except OSError:
            return None
        if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
            return os.dup(root_fd)
    return None


def stage_submission(submission: Path, exercise: Exercise, dest: Path) -> Staged:
    """Find the exercise in a submission (never through a symlink) and stage it into ``dest``."""
    try:
        root_fd = os.open(submission, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return stage_fd(None, exercise, dest)
    try:
        folder_fd = _locate_fd(root_fd, submission.resolve().name, exercise)
    finally:
        os.close(root_fd)
    try:
        return stage_fd(folder_fd, exercise, dest)
    finally:
        if folder_fd is not None:
            os.close(folder_fd)


def stage(source: Path | None, exercise: Exercise, dest: Path) -> Staged:
    """Copy ``student_files`` from ``source`` (an exercise folder) into ``dest``."""
    if source is None:
        return stage_fd(None, exercise, dest)
    try:
        fd = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return stage_fd(None, exercise, dest)
    try:
        return stage_fd(fd, exercise, dest)
    finally:
        os.close(fd)


def stage_fd(folder_fd: int | None, exercise: Exercise, dest: Path) -> Staged:
    """Copy ``student_files`` from an open exercise folder into the private ``dest``: an fd walk, no symlink anywhere."""
    dest.mkdir(parents=True, exist_ok=True)
    staged = Staged(exercise=exercise, root=dest, found=folder_fd is not None)
    if folder_fd is None:
        return staged
    cap = exercise.limits.max_file_bytes
    budget = [TOTAL_FACTOR * cap, MAX_FILES]

    def take(fd: int, rel: str) -> None:
        if budget[1] <= 0:
            os.close(fd)
            staged.refused[rel] = f"over the limit of {MAX_FILES} files per exercise"
            return
        try:
            data = _read_fd(fd, min(cap, budget[0]))
        except Refused as exc:
            staged.refused[rel] = str(exc)
            return
        budget[0] -= len(data)
        budget[1] -= 1
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def walk(dir_fd: int, rel_dir: str, depth: int = 1) -> None:
        if depth > MAX_DEPTH:
            staged.refused[rel_dir] = f"is nested more than {MAX_DEPTH} folders deep; it was not read"
            return
        try:
            names = sorted(os.listdir(dir_fd))
        except OSError:
            return
        for name in names:
            if budget[1] <= 0:
                staged.refused[f"{rel_dir}/{name}"] = f"over the limit of {MAX_FILES} files and folders per exercise"
                return
            rel = f"{rel_dir}/{name}"
            fd, why, kind = _open_child(dir_fd, name)
            if fd is None:
                if why:
                    staged.refused[rel] = why
            elif kind == "dir":
                budget[1] -= 1
                try:
                    walk(fd, rel, depth + 1)
                finally:
                    os.close(fd)
            else:
                take(fd, rel)

    for listed in exercise.student_files:
        rel = listed.rstrip("/")
        fd, why, kind = _walk_to(folder_fd, tuple(Path(rel).parts))
        if fd is None:
            if why:
                staged.refused[rel] = why
        elif kind == "dir":
            try:
                walk(fd, rel)
            finally:
                os.close(fd)
        elif listed.endswith("/"):
            os.close(fd)
        else:
            take(fd, rel)
    return staged
