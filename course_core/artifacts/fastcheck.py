"""A conservative fast path for validating many small rows against one schema.

``compile_check(schema)`` turns a (ref-free) schema into a Python predicate that answers
"certainly valid" (True) or "not sure" (False). Only a True is trusted: on False the caller
asks jsonschema, which also produces the error message. The predicate therefore never needs
to be right about invalid rows, only never wrong about valid ones; a keyword it does not know
makes the whole schema fall back to jsonschema (``compile_check`` returns None).

Streaming eval validates three rows per example; this keeps that cost small without
changing a single verdict (``tests/test_schemas.py`` checks agreement on generated rows).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that never affect validity of an instance.
_ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"}

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),  # strict: 42.0 is not an integer
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class _Unsupported(Exception):
    pass


def compile_check(schema: Any) -> Check | None:
    """A predicate that returns True only for instances certainly valid under ``schema``."""
    try:
        return _compile(schema)
    except _Unsupported:
        return None


def _compile(schema: Any) -> Check:
    if schema is True or schema == {}:
        return lambda v: True
    if not isinstance(schema, dict):
        raise _Unsupported
    checks: list[Check] = []
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        builder = _BUILDERS.get(key)
        if builder is None:
            raise _Unsupported(key)
        checks.append(builder(value, schema))
    return lambda v: all(check(v) for check in checks)


def _type(value: Any, _: dict) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    if not all(n in _TYPES for n in names):
        raise _Unsupported("type")
    tests = [_TYPES[n] for n in names]
    return lambda v: any(t(v) for t in tests)


def _required(value: list[str], _: dict) -> Check:
    return lambda v: not isinstance(v, dict) or all(k in v for k in value)


def _properties(value: dict[str, Any], _: dict) -> Check:
    subs = {k: _compile(s) for k, s in value.items()}
    return lambda v: not isinstance(v, dict) or all(subs[k](v[k]) for k in subs if k in v)


def _additional(value: Any, schema: dict) -> Check:
    if "patternProperties" in schema:
        raise _Unsupported("patternProperties")
    known = set(schema.get("properties", {}))
    sub = _compile(value) if value is not False else None
    if sub is None:
        return lambda v: not isinstance(v, dict) or all(k in known for k in v)
    return lambda v: not isinstance(v, dict) or all(sub(x) for k, x in v.items() if k not in known)


def _items(value: Any, _: dict) -> Check:
    sub = _compile(value)
    return lambda v: not isinstance(v, list) or all(sub(x) for x in v)


def _bound(op: Callable[[Any, Any], bool], kind: str) -> Callable[[Any, dict], Check]:
    def build(value: Any, _: dict) -> Check:
        if kind == "number":
            return lambda v: not _TYPES["number"](v) or op(v, value)
        if kind == "string":
            return lambda v: not isinstance(v, str) or op(len(v), value)
        if kind == "array":
            return lambda v: not isinstance(v, list) or op(len(v), value)
        return lambda v: not isinstance(v, dict) or op(len(v), value)

    return build


def _pattern(value: str, _: dict) -> Check:
    compiled = re.compile(value)
    return lambda v: not isinstance(v, str) or compiled.search(v) is not None


def _literal(values: list[Any]) -> Check:
    # Only strings are decided here: JSON Schema's equality of numbers and booleans has subtleties.
    if not all(isinstance(x, str) for x in values):
        raise _Unsupported("non-string enum/const")
    allowed = set(values)
    return lambda v: isinstance(v, str) and v in allowed


def _any_of(value: list[Any], _: dict) -> Check:
    subs = [_compile(s) for s in value]
    return lambda v: any(s(v) for s in subs)


def _all_of(value: list[Any], _: dict) -> Check:
    subs = [_compile(s) for s in value]
    return lambda v: all(s(v) for s in subs)


_BUILDERS: dict[str, Callable[[Any, dict], Check]] = {
    "type": _type,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "minimum": _bound(lambda a, b: a >= b, "number"),
    "maximum": _bound(lambda a, b: a <= b, "number"),
    "exclusiveMinimum": _bound(lambda a, b: a > b, "number"),
    "exclusiveMaximum": _bound(lambda a, b: a < b, "number"),
    "minLength": _bound(lambda a, b: a >= b, "string"),
    "maxLength": _bound(lambda a, b: a <= b, "string"),
    "minItems": _bound(lambda a, b: a >= b, "array"),
    "maxItems": _bound(lambda a, b: a <= b, "array"),
    "minProperties": _bound(lambda a, b: a >= b, "object"),
    "pattern": _pattern,
    "enum": lambda value, _: _literal(list(value)),
    "const": lambda value, _: _literal([value]),
    "anyOf": _any_of,
    "allOf": _all_of,
}
