"""Streaming JSON Lines reading and writing, with errors that name the file and line.

Reading accepts a UTF-8 byte-order mark and CRLF line endings, skips blank lines, and holds
one block of lines (about 64 KB, or one longer line) in memory at a time. Lines are decoded by
orjson when it reads them exactly as the standard library would, and by :mod:`json` otherwise
(see :func:`_stdlib_line`), so the objects, and every error message, are the standard library's.
What the standard library accepts but no instrument can use is refused, with the line and the
field it is in (:mod:`course_core.artifacts.strict_json`): a number no instrument can compute
with (``NaN``, ``Infinity``, ``1e400``, an integer of over 300 digits), nesting over 200
levels, and a string holding a lone surrogate (``"\\udc80"``: no UTF-8 file can hold it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from course_core.artifacts import strict_json
from course_core.errors import UserError

# orjson reads an integer literal outside [-2**63, 2**64) as a float, where json keeps the int.
# Such a literal has at least 19 digits in a row, so a line with a run of 19 digits (anywhere,
# strings included) goes to json. Everything else orjson either reads to the same objects as
# json (RFC 8259 JSON, correctly rounded floats, last duplicate key wins) or refuses (NaN,
# lone surrogates, a BOM, whitespace JSON does not allow), and a refused line goes to json too.
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_INTEGER = b"0" * 19
_BLOCK = 1 << 16  # bytes of lines read (and searched for such runs) at once
_BLANK = object()


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
    seen_any = False
    loads, refused = orjson.loads, orjson.JSONDecodeError
    lineno = 0
    with p.open("rb") as fh:
        while lines := fh.readlines(_BLOCK):
            # A run of digits never crosses a line, so a block without one has no line with one.
            suspect = _LONG_INTEGER in b"".join(lines).translate(_DIGITS_AS_ZERO)
            for raw in lines:
                lineno += 1
                if suspect and _LONG_INTEGER in raw.translate(_DIGITS_AS_ZERO):
                    obj = _stdlib_line(raw, lineno)
                else:
                    try:
                        obj = loads(raw)
                    except refused:
                        obj = _stdlib_line(raw, lineno)
                if type(obj) is not dict:
                    if obj is _BLANK:
                        continue
                    bad = obj if type(obj) is BadLine else BadLine(f"expected a JSON object, got {type(obj).__name__}")
                    if on_error is None:
                        raise UserError(bad.message, path=p, line=lineno, field=bad.field, hint=bad.hint)
                    on_error(lineno, bad.message)
                    continue
                seen_any = True
                yield lineno, obj
    if not seen_any and on_error is None:
        raise UserError(f"{role} file has no records (only blank lines)", path=p)


class BadLine(NamedTuple):
    """Why a line is not one JSON object (and what to do), as the standard library sees it."""

    message: str
    hint: str | None = None
    field: str | None = None


def _stdlib_line(raw: bytes, lineno: int) -> Any:
    """One line read by the standard library: the object, ``_BLANK``, or a :class:`BadLine`."""
    if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadLine(f"line is not valid UTF-8 (byte {exc.start})")
    text = text.strip()
    if not text:
        return _BLANK
    try:
        return strict_json.loads(text, text_only=True)
    except json.JSONDecodeError as exc:
        return BadLine(f"invalid JSON: {exc.msg} (column {exc.colno})", "each line must be one complete JSON object")
    except strict_json.UnsafeJSON as exc:
        hint = _TEXT_HINT if exc.kind == "text" else _UNSAFE_HINT if exc.field else None
        return BadLine(f"invalid JSON value: {exc}", hint, exc.field)
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        return BadLine(f"invalid JSON value: {exc}")


_TEXT_HINT = "a \\ud800-\\udfff escape is half of a character pair; write the character itself (or both halves)"
_UNSAFE_HINT = "JSON numbers must be finite and fit a 64-bit float (within ±1.8e308; NaN and Infinity are not JSON)"


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), allow_nan=False)
# json's own C encoder with _ENCODER's settings, built once (JSONEncoder.encode builds one per
# call), minus the circular-reference bookkeeping: a cycle recurses until RecursionError and is
# then handed to _ENCODER, which reports it as json does. Same text, same errors.
_C_ENCODE = (
    c_make_encoder(None, _ENCODER.default, encode_basestring, None, ": ", ", ", False, False, False)
    if c_make_encoder is not None else None
)


def dumps_line(obj: dict[str, Any]) -> str:
    """One JSON line with the dict's own key order: stable bytes for identical input."""
    if _C_ENCODE is not None:
        try:
            return "".join(_C_ENCODE(obj, 0)) + "\n"
        except RecursionError:
            pass
    return _ENCODER.encode(obj) + "\n"


def write_rows(
    path: Path,
    rows: Iterable[dict[str, Any]],
    schema: str,
    observe: Callable[[dict[str, Any]], None] | None = None,
    vouched: Callable[[dict[str, Any]], bool] | None = None,
    encode: Callable[[dict[str, Any]], str] = dumps_line,
) -> None:
    """Write ``rows`` as JSON Lines, streaming, each checked against the kit's own ``schema`` first (a kit bug if not).

    ``observe`` sees every row once it is written (running totals, so a run never holds its rows).
    A caller whose rows have a shape certain by construction but for what ``vouched`` tests
    passes it: a row it returns True for is written as it is, any other is checked against
    ``schema`` in full; and ``encode`` may then give the row's line as :func:`dumps_line` would.
    """
    from course_core.artifacts.schemas import check_artifact, fast_check

    valid = vouched or fast_check(schema) or (lambda row: False)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            if not valid(row):
                check_artifact(row, schema, artifact=path.name)
            fh.write(encode(row))
            if observe is not None:
                observe(row)
