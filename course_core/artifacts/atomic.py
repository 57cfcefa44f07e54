"""Atomic writes: a file or a folder appears whole, or the old one stays as it was.

Everything is written beside its target under a hidden temporary name and renamed into place
(``os.replace`` is atomic on POSIX within one file system). Standard library only (and the kit's UserError).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from course_core.errors import UserError


@contextmanager
def atomic_path(target: str | Path, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary sibling of ``target`` to write; on success it replaces ``target``.

    On any exception (Ctrl-C included) the temporary file is removed and ``target`` is untouched.
    """
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line endings) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def swap_into_place(tmp: Path, final: Path) -> None:
    """Rename the folder ``tmp`` to ``final``; an existing ``final`` is moved aside first, and put back if that fails."""
    if not final.exists():
        os.rename(tmp, final)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
    os.rename(final, old / final.name)
    try:
        os.rename(tmp, final)
    except BaseException:
        os.rename(old / final.name, final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def check_replaceable(target: Path, is_ours: Callable[[Path], bool], what: str, ours: str, hint: str) -> bool:
    """May a folder be written at ``target``? False if it is absent or empty, True if it holds an earlier
    one of ours (``is_ours``), else a UserError: anything else there is never overwritten.

    ``what`` names the target in messages ("--outdir"), ``ours`` says what an earlier one would be
    ("an earlier run of this kit"), ``hint`` what to do instead.
    """
    if not target.exists():
        if target.is_symlink():
            raise UserError(f"{what} is a symlink to {os.readlink(target)}, which does not exist", path=target, hint=hint)
        above = next((a for a in target.absolute().parents if a.exists() or a.is_symlink()), None)
        if above is not None and not above.is_dir():
            raise UserError(f"{what} would be inside {above}, which is not a directory", path=target, hint=hint)
        return False
    if not target.is_dir():
        raise UserError(f"{what} exists and is not a directory", path=target, hint=hint)
    if not any(target.iterdir()):
        return False
    if is_ours(target):
        return True
    raise UserError(f"{what} is not empty and does not hold {ours}; refusing to overwrite it", path=target, hint=hint)
