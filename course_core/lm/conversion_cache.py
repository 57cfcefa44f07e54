"""SmolLM2's GGUF file converted once into a transformers directory, kept in the user's cache.

transformers parses the whole metadata of a GGUF file (here a 49,152-token vocabulary and its
merges) three times to load one model: for its configuration, its tokenizer and its weights.
Loading SmolLM2 that way took 27-30 s of CPU per command on this project's 2-core machines (9 s
since :func:`course_core.lm.smollm2._gguf_parsed_once` has gguf parse the file once); the same
model saved as a transformers directory loads in well under a second. The first load writes
the conversion here; a later load uses it only while every file still has the sha256 recorded
when it was written, and converts again otherwise.

Where: ``$RLF_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/rl-foundations-llm``, else
``~/.cache/rl-foundations-llm``; under it ``smollm2/`` holds one folder (about 540 MB) per GGUF
file and converter version. ``RLF_CACHE_DIR=off`` converts every time and writes nothing.
Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

CACHE_ENV = "RLF_CACHE_DIR"
RECORD = "conversion.json"  # written last: {"files": {name: "sha256:<hex>"}} for every other file
CHUNK = 1 << 20


def cache_root() -> Path | None:
    """The kit's cache folder, or None when ``$RLF_CACHE_DIR`` is ``off``."""
    chosen = os.environ.get(CACHE_ENV, "")
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "rl-foundations-llm"


def conversion_dir(kind: str, source_sha256: str, converter: str) -> Path | None:
    """Where the conversion of the file with ``source_sha256`` by ``converter`` (names and versions) lives."""
    root = cache_root()
    if root is None:
        return None
    digest = source_sha256.removeprefix("sha256:")[:16]
    return root / kind / f"{digest}-{converter}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def verified(directory: Path) -> bool:
    """True when ``directory`` holds exactly the files its record lists, each with its recorded sha256."""
    try:
        files = json.loads((directory / RECORD).read_text(encoding="utf-8"))["files"]
        present = {p.name for p in directory.iterdir()} - {RECORD}
        return isinstance(files, dict) and bool(files) and present == set(files) and all(
            _sha256(directory / name) == digest for name, digest in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def store(directory: Path, write: Callable[[Path], None]) -> bool:
    """Write a conversion with ``write(folder)`` beside ``directory``, record it, and rename it into place.

    Best effort: a full disk, a read-only cache or another process's conversion landing first
    leaves no partial folder and returns False (the caller already holds the converted model).
    Other conversions of the same source (older converter versions) are removed once this one lands.
    """
    staging: Path | None = None
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.partial-", dir=directory.parent))
        write(staging)
        files = {p.name: _sha256(p) for p in sorted(staging.iterdir()) if p.is_file()}
        (staging / RECORD).write_text(json.dumps({"files": files}, indent=2) + "\n", encoding="utf-8")
        for name in (*files, RECORD):  # transformers writes the weights 0600: a cache a class shares must be readable
            os.chmod(staging / name, 0o644)
        os.chmod(staging, 0o755)
        if directory.exists():
            if verified(directory):  # another process's conversion landed first: keep it
                return True
            shutil.rmtree(directory)  # ours, and unsound: replaced
        os.rename(staging, directory)
        staging = None
    except Exception:  # noqa: BLE001 - a cache that cannot be written costs the next load time, never this command
        return False
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    source = directory.name.split("-", 1)[0]
    for other in directory.parent.glob(f"{source}-*"):
        if other != directory and (other / RECORD).exists():
            shutil.rmtree(other, ignore_errors=True)
    return True
