"""Where a value sits in a TOML file: the line of a key path, for errors that name file, line and field.

The standard library's TOML parser keeps no positions, so the text is scanned once more: each
``[table]`` and ``[[array.of.tables]]`` header, and each ``key = value`` line under it, gives
the line of one key path. A value inside an inline table or a one-line array is reported at its
key's line; a path the scan does not find, at the line of its longest found prefix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")
_PART = re.compile(r"[A-Za-z0-9_-]+|\"([^\"]*)\"|'([^']*)'")


def _parts(dotted: str) -> list[str]:
    return [m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(0) for m in _PART.finditer(dotted)]


def key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Every table and key path the text defines → its 1-based line (arrays of tables by index)."""
    lines: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    counts: dict[tuple[str, ...], int] = {}
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:  # inside a multi-line string: nothing here is a key
            if line.count(in_string) % 2:
                in_string = None
            continue
        header = _HEADER.match(line)
        if header:
            path = tuple(_parts(header.group(2)))
            if header.group(1) == "[[":
                counts[path] = counts.get(path, -1) + 1
                table = (*path, counts[path])
            else:
                table = path
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, *_parts(key.group(1))), number)
        for quote in ('"""', "'''"):
            if line.count(quote) % 2:
                in_string = quote
    return lines


def line_of(text: str, path: Sequence[str | int]) -> int | None:
    """The line of ``path`` (or of its longest prefix the text defines); None when not even a prefix is there."""
    found = key_lines(text)
    for end in range(len(path), 0, -1):
        if tuple(path[:end]) in found:
            return found[tuple(path[:end])]
    return None


def dotted(path: Sequence[str | int]) -> str:
    """A key path as the kit names fields: ``stages.sabotage.checks[0].op``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


__all__ = ["dotted", "key_lines", "line_of"]
