"""JSON from untrusted hands, parsed so that every value is safe to compute with.

``json.loads`` turns ``1e400`` into ``inf`` and ``10**400`` into an int that ``float()``
refuses; it recurses once per nesting level. Here a number must be finite and an integer at
most MAX_INT_DIGITS digits long (so ``float()`` of it never overflows), nesting is bounded,
and ``NaN``/``Infinity`` are not JSON. Every refusal is a ValueError whose message says what
was wrong, in the kit's words.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_INT_DIGITS = 300  # float(10**300) is fine; float(10**309) overflows
MAX_DEPTH = 200


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large to be a finite number")
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


def loads(text: str | bytes) -> Any:
    """Parse ``text`` strictly; ValueError (never RecursionError or OverflowError later) when it is not safe JSON."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    openings = text.count("[") + text.count("{")  # no deeper than this: most replies need no depth check at all
    if openings > MAX_DEPTH and _depth_of_brackets(text) > MAX_DEPTH:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite, parse_int=_bounded_int)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    if openings > MAX_DEPTH and nested_too_deep(value):
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    return value


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


__all__ = ["MAX_DEPTH", "MAX_INT_DIGITS", "loads", "nested_too_deep"]
