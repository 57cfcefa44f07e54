"""Where the kit's own files are, named once; and the checks on folders a user names.

Every module that needs a kit path imports it from here; nothing else derives it from
``__file__``. Standard library only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from course_core.errors import UserError

KIT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = KIT_ROOT / "schemas"
DATA_DIR = KIT_ROOT / "data"


def check_input_folder(path: Path, flag: str) -> None:
    """``path`` (given as ``flag``) must be a folder this process can read; else a UserError."""
    try:
        if not path.is_dir():
            raise UserError(f"{flag} folder does not exist", path=path)
        next(path.iterdir(), None)
    except PermissionError:
        raise UserError(f"{flag} folder cannot be read (permission denied)", path=path) from None


def check_output_folder(path: Path, flag: str) -> None:
    """``path`` (given as ``flag``) must be, or be able to become, a folder this process can write to.

    Checked with a real write in the nearest existing folder, so it holds for this process's own
    rights (root, a read-only mount, ...), before any work starts.
    """
    try:
        if path.exists() and not path.is_dir():
            raise UserError(f"{flag} must be a folder, and this is a file", path=path, hint=f"choose another {flag}")
        existing = path
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            raise NotADirectoryError(str(existing))
        tempfile.TemporaryFile(dir=existing).close()
    except OSError:
        raise UserError("cannot write the reports there", path=path, hint=f"choose a folder you can write to with {flag}") from None
