"""JSON from untrusted hands, parsed so that every value is safe to compute with.

``json.loads`` turns ``1e400`` into ``inf`` and ``10**400`` into an int that ``float()``
refuses; it recurses once per nesting level. Here a number must be finite and an integer at
most MAX_INT_DIGITS digits long (so ``float()`` of it never overflows), nesting is bounded,
and ``NaN``/``Infinity`` are not JSON. Every refusal is an :class:`UnsafeJSON` (a ValueError)
whose message says what was wrong, in the kit's words, and whose ``field`` names the value's
JSON path when it is one number. Used for a student's files and a sandbox's replies (grading)
and for any input line the standard library has to read (``artifacts/jsonl.py``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

MAX_INT_DIGITS = 300  # float(10**300) is fine; float(10**309) overflows
MAX_DEPTH = 200


class UnsafeJSON(ValueError):
    """JSON that cannot be computed with safely: ``kind`` says what ("number", "nesting" or "text", a
    lone surrogate), ``field`` the JSON path of the offending value, if known."""

    def __init__(self, message: str, field: str | None = None, kind: str = "number") -> None:
        super().__init__(message)
        self.field = field
        self.kind = kind


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is beyond the range of a 64-bit float")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text.lstrip('-'))} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def nested_too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return False


def loads(text: str | bytes, *, text_only: bool = False, nonfinite: bool = False) -> Any:
    """Parse ``text`` strictly; ValueError (never RecursionError or OverflowError later) when it is not safe JSON.

    ``text_only``: a string (or key) holding a lone surrogate (``"\\udc80"``) is refused too, as
    what no UTF-8 file can hold (an input row the kit will write back out). ``nonfinite``:
    ``NaN``, ``±Infinity`` and ``1e400`` are read as the floats they stand for, for a caller that
    treats such a value as absent (a server's logprob of ``-Infinity``).
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    openings = text.count("[") + text.count("{")  # no deeper than this: most replies need no depth check at all
    if openings > MAX_DEPTH and _depth_of_brackets(text) > MAX_DEPTH:
        raise UnsafeJSON(f"nested more than {MAX_DEPTH} levels deep", kind="nesting")
    try:
        value = (json.loads(text, parse_int=_bounded_int) if nonfinite else
                 json.loads(text, parse_constant=_no_constant, parse_float=_finite, parse_int=_bounded_int))
    except RecursionError:
        raise UnsafeJSON(f"nested more than {MAX_DEPTH} levels deep", kind="nesting") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # one of the hooks above refused a number: find where it is
        raise UnsafeJSON(str(exc), _number_path(text)) from None
    if openings > MAX_DEPTH and nested_too_deep(value):
        raise UnsafeJSON(f"nested more than {MAX_DEPTH} levels deep", kind="nesting")
    if text_only and _SURROGATE_ESCAPE.search(text):
        found = _surrogate_path(value)
        if found is not None:
            where, char = found
            raise UnsafeJSON(f"a string with a lone surrogate (\\u{ord(char):04x}) is not text", where, kind="text")
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # how a surrogate gets into a JSON text at all
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_path(value: Any) -> tuple[str | None, str] | None:
    """(JSON path or None, the surrogate) of the first string or key holding a lone surrogate."""
    for where, item in _walk(value):
        hit = _SURROGATE.search(item) if isinstance(item, str) else None
        if hit:
            return where or None, hit.group()
    return None


def _number_path(text: str) -> str | None:
    """The JSON path (``samples[0].sum_logprob``, jsonschema's spelling) of the first unsafe number in ``text``."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    for where, item in _walk(value):
        if isinstance(item, float) and not math.isfinite(item) or (
                isinstance(item, int) and not isinstance(item, bool) and len(str(abs(item))) > MAX_INT_DIGITS):
            return where or None
    return None


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """(JSON path, item) for every leaf of ``value`` and every key (with its dict's path): depth first, leaves in document order, a dict's keys before its values."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            children = []
            for k, v in item.items():
                yield where, k
                children.append((v, f"{where}.{k}" if where else k))
            stack += reversed(children)
        elif isinstance(item, list):
            stack += reversed([(v, f"{where}[{i}]") for i, v in enumerate(item)])
        else:
            yield where, item


def _depth_of_brackets(text: str) -> int:
    """An upper bound of the nesting depth, ignoring strings (cheap, linear): refuse before recursing."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


__all__ = ["MAX_DEPTH", "MAX_INT_DIGITS", "UnsafeJSON", "loads", "nested_too_deep"]
