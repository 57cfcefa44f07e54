"""Streaming JSON Lines reading and writing, with errors that name the file and line.

Reading accepts a UTF-8 byte-order mark and CRLF line endings, skips blank lines, and never
holds more than one line in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from course_core.errors import UserError


def check_input_file(path: str | Path, role: str) -> Path:
    """Return ``path`` as a Path if it is a readable, non-empty regular file, else raise UserError."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"{role} file does not exist", path=p, hint="check the path (relative paths start from the current directory)")
    if p.is_dir():
        raise UserError(f"expected a {role} file but this is a directory", path=p, hint="pass the .jsonl file inside it")
    if not p.is_file():
        raise UserError(f"{role} path is not a regular file", path=p)
    if p.stat().st_size == 0:
        raise UserError(f"{role} file is empty", path=p, hint="a JSONL file holds one JSON object per line")
    return p


def iter_jsonl(
    path: str | Path, role: str = "input", on_error: Callable[[int, str], None] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSONL file (1-based lines).

    A line that is not one JSON object raises UserError, unless ``on_error`` is given: then it
    is called with the line number and what is wrong, the line is skipped, and a file with no
    good line is not an error either (the caller counts what it got).
    """
    p = check_input_file(path, role)

    def bad(lineno: int, message: str, hint: str | None = None) -> None:
        """Raise, or report the line and let the loop skip it."""
        if on_error is None:
            raise UserError(message, path=p, line=lineno, hint=hint)
        on_error(lineno, message)

    seen_any = False
    with p.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad(lineno, f"line is not valid UTF-8 (byte {exc.start})")
                continue
            text = text.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                bad(lineno, f"invalid JSON: {exc.msg} (column {exc.colno})", "each line must be one complete JSON object")
                continue
            except ValueError as exc:  # e.g. an integer beyond Python's digit limit
                bad(lineno, f"invalid JSON value: {exc}")
                continue
            if not isinstance(obj, dict):
                bad(lineno, f"expected a JSON object, got {type(obj).__name__}")
                continue
            seen_any = True
            yield lineno, obj
    if not seen_any and on_error is None:
        raise UserError(f"{role} file has no records (only blank lines)", path=p)


def dumps_line(obj: dict[str, Any]) -> str:
    """One JSON line with the dict's own key order: stable bytes for identical input."""
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "), allow_nan=False) + "\n"


def write_rows(
    path: Path, rows: Iterable[dict[str, Any]], schema: str, observe: Callable[[dict[str, Any]], None] | None = None
) -> None:
    """Write ``rows`` as JSON Lines, streaming, each checked against the kit's own ``schema`` first (a kit bug if not).

    ``observe`` sees every row once it is written (running totals, so a run never holds its rows).
    """
    from course_core.artifacts.schemas import check_artifact

    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            check_artifact(row, schema, artifact=path.name)
            fh.write(dumps_line(row))
            if observe is not None:
                observe(row)
