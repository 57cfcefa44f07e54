"""Run directories appear whole or not at all.

Everything is written into a hidden temporary sibling; on success it is renamed into place.
An ``--outdir`` that holds an earlier run of this kit is replaced (and the caller is told);
a directory holding anything else is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from course_core.errors import UserError

PRODUCER = "rl-foundations-llm"


@dataclass
class StagedRun:
    """Where to write (``path``), and where it will land (``final``)."""

    path: Path
    final: Path
    replaced: bool = False


def default_outdir(kind: str, root: str | Path = "runs") -> Path:
    """``runs/<kind>_<UTC timestamp>``, made unique if that name is already taken."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = Path(root) / f"{kind}_{stamp}"
    candidate, i = base, 1
    while candidate.exists():
        i += 1
        candidate = base.with_name(f"{base.name}_{i}")
    return candidate


def is_kit_run(path: Path) -> bool:
    """True if ``path`` holds only what an earlier run of this kit wrote there."""
    manifest = path / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or data.get("producer") != PRODUCER:
        return False
    listed = set(data.get("artifacts") or []) | {"manifest.json"}
    return all(entry.name in listed for entry in path.iterdir())


def check_outdir(outdir: Path) -> bool:
    """Refuse an outdir we must not overwrite. Returns True if it holds an earlier kit run."""
    if not outdir.exists():
        return False
    if not outdir.is_dir():
        raise UserError("--outdir exists and is not a directory", path=outdir, hint="choose another --outdir")
    if not any(outdir.iterdir()):
        return False
    if is_kit_run(outdir):
        return True
    raise UserError(
        "--outdir is not empty and does not hold an earlier run of this kit; refusing to overwrite it",
        path=outdir,
        hint="choose a new --outdir, or remove that directory yourself",
    )


@contextmanager
def staged_run(outdir: str | Path) -> Iterator[StagedRun]:
    """Yield a temporary directory to write a run into; rename it to ``outdir`` on success.

    On any exception (including Ctrl-C) the temporary directory is removed and ``outdir``
    is left exactly as it was.
    """
    final = Path(outdir)
    replaced = check_outdir(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a run directory is not
    staged = StagedRun(path=tmp, final=final, replaced=replaced)
    try:
        yield staged
        _commit(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _commit(tmp: Path, final: Path) -> None:
    if final.exists():
        check_outdir(final)  # re-check: something may have been written there while we worked
    swap_into_place(tmp, final)


def swap_into_place(tmp: Path, final: Path) -> None:
    """Rename ``tmp`` to ``final``; an existing ``final`` is moved aside first, and put back if that fails."""
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
