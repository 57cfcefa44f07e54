"""Atomic writes: a file or a folder appears whole, or the old one stays as it was.

Everything is written beside its target under a hidden temporary name and renamed into place
(``os.replace`` is atomic on POSIX within one file system). Standard library only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
