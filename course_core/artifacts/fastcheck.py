"""A compiled fast path for validating many small rows against one schema.

``compile_check(schema)`` turns a (ref-free) schema into the source of a Python function,
compiles it once, and returns it: a predicate that answers "certainly valid" (True) or "not
sure" (False). Only a True is trusted: on False the caller asks jsonschema, which also words
the error. The predicate therefore never needs to be right about invalid rows, only never
wrong about valid ones; a keyword it does not know makes the whole schema fall back to
jsonschema (``compile_check`` returns None).

The generated code is straight-line: exact ``type(x) is ...`` tests, one dictionary lookup
per property, no generator expressions. Values of any type that JSON decoding cannot produce
(subclasses of ``str``, ``Decimal``, ...) are "not sure". ``tests/test_schemas.py`` checks
that the predicate never accepts what jsonschema rejects.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that never affect validity of an instance.
_ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"}

# The exact Python type of each JSON type, as json/orjson decode it ("integer" is strict: 42.0 is not one).
_TYPE_TEST = {
    "object": "type({x}) is dict",
    "array": "type({x}) is list",
    "string": "type({x}) is str",
    "integer": "type({x}) is int",
    "number": "type({x}) in _NUMBER",
    "boolean": "type({x}) is bool",
    "null": "{x} is None",
}
# The exact Python types of each JSON type, for testing a whole list at once.
_PY_TYPES = {"object": (dict,), "array": (list,), "string": (str,), "integer": (int,), "number": (int, float),
             "boolean": (bool,), "null": (type(None),)}
# Which JSON type a keyword constrains (it holds vacuously for values of any other type).
_KEYWORD_KIND = {
    "required": "object", "properties": "object", "additionalProperties": "object", "minProperties": "object",
    "propertyNames": "object",
    "items": "array", "prefixItems": "array", "minItems": "array", "maxItems": "array",
    "minLength": "string", "maxLength": "string", "pattern": "string",
    "minimum": "number", "maximum": "number", "exclusiveMinimum": "number", "exclusiveMaximum": "number",
}
# A bound keyword: the measured quantity and the comparison a valid value passes.
_BOUNDS = {
    "minimum": ("{x}", ">="), "maximum": ("{x}", "<="), "exclusiveMinimum": ("{x}", ">"), "exclusiveMaximum": ("{x}", "<"),
    "minLength": ("len({x})", ">="), "maxLength": ("len({x})", "<="),
    "minItems": ("len({x})", ">="), "maxItems": ("len({x})", "<="), "minProperties": ("len({x})", ">="),
}
_SUPPORTED = set(_KEYWORD_KIND) | {"type", "enum", "const", "anyOf", "allOf", "if", "then", "else"}
# JSON Schema's own type tests (jsonschema's, with the kit's strict integers), for deciding an
# ``if`` exactly: the branch taken must be the one jsonschema takes.
_EXACT_TYPE = {
    "object": "isinstance({x}, dict)",
    "array": "isinstance({x}, list)",
    "string": "isinstance({x}, str)",
    "integer": "(isinstance({x}, int) and not isinstance({x}, bool))",
    "number": "(isinstance({x}, _Number) and not isinstance({x}, bool))",
    "boolean": "isinstance({x}, bool)",
    "null": "{x} is None",
}


class _Unsupported(Exception):
    pass


def compile_check(schema: Any) -> Check | None:
    """A predicate that returns True only for instances certainly valid under ``schema``."""
    gen = _Generator()
    try:
        entry = gen.function(schema)
    except _Unsupported:
        return None
    namespace = dict(gen.constants)
    exec(compile("\n".join(gen.lines), "<fastcheck>", "exec"), namespace)  # noqa: S102 - our own generated code
    check: Check = namespace[entry]
    return check


class _Generator:
    """Emits one ``def`` per schema that needs its own function (the root and each anyOf branch)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {"_NUMBER": (int, float), "_MISSING": object(), "_JSON_TYPES": frozenset(
            {dict, list, str, int, float, bool, type(None)}), "_Number": numbers.Number}
        self.names = 0
        # (value, id of its schema) -> the variable each required property was read into
        self.required_values: dict[tuple[str, int], dict[str, str]] = {}

    def fresh(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def constant(self, value: Any) -> str:
        name = self.fresh("_c")
        self.constants[name] = value
        return name

    def function(self, schema: Any) -> str:
        name = self.fresh("_check")
        body: list[str] = []
        self.emit(schema, "v", body, 1)
        self.lines += [f"def {name}(v):", *body, "    return True", ""]
        return name

    def emit(self, schema: Any, x: str, out: list[str], depth: int) -> None:
        """Append statements that ``return False`` unless the value in ``x`` is certainly valid."""
        pad = "    " * depth
        if schema is True or schema == {}:
            return
        if not isinstance(schema, dict):
            raise _Unsupported(repr(schema))
        unknown = set(schema) - _ANNOTATIONS - _SUPPORTED
        if unknown:
            raise _Unsupported(", ".join(sorted(unknown)))
        known = None  # the one JSON type the value is known to have once the type test passed
        if "type" in schema:
            names = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
            if not names or not all(n in _TYPE_TEST for n in names):
                raise _Unsupported("type")
            out.append(f"{pad}if not ({' or '.join(_TYPE_TEST[n].format(x=x) for n in names)}): return False")
            known = names[0] if len(names) == 1 else None
        elif any(k in _KEYWORD_KIND for k in schema):
            # Type-specific keywords are guarded by exact type tests below; a value of an exotic
            # type (a str subclass, a Decimal) would slip past them, so it is "not sure".
            out.append(f"{pad}if type({x}) not in _JSON_TYPES: return False")
        required = [k for k in schema.get("required", []) if isinstance(k, str)]
        if len(required) != len(schema.get("required", [])):
            raise _Unsupported("required")
        for kind, test in self.bounds(schema, x):
            guard = _guard(kind, known, x)
            if guard is not None:
                out.append(f"{pad}if {f'{guard} and ' if guard else ''}not {test}: return False")
        for key, value in sorted(schema.items(), key=lambda kv: kv[0] != "required"):  # required first: see properties
            kind = _KEYWORD_KIND.get(key)
            if key in _BOUNDS:
                continue  # done above, chained
            if kind is not None:
                guard = _guard(kind, known, x)
                if guard is None:
                    continue  # the value has another type: the keyword holds vacuously
                self.keyword(key, value, schema, x, out, depth, guard, known)
            elif key in ("enum", "const"):
                out.append(f"{pad}if not ({self.literal(list(value) if key == 'enum' else [value], x)}): return False")
            elif key == "anyOf":
                if not value:
                    raise _Unsupported("anyOf")
                branches = [self.expression(sub, x) or f"{self.function(sub)}({x})" for sub in value]
                out.append(f"{pad}if not ({' or '.join(branches)}): return False")
            elif key == "allOf":
                for sub in value:
                    self.emit(sub, x, out, depth)
            elif key == "if":
                # The branch is decided exactly (the one jsonschema takes); the branch's own check is the usual one.
                out.append(f"{pad}if {self.exact(value, x)}:")
                for branch in ("then", "else"):
                    before = len(out)
                    self.emit(schema.get(branch, True), x, out, depth + 1)
                    if len(out) == before:
                        out.append(f"{pad}    pass")
                    if branch == "then":
                        out.append(f"{pad}else:")

    def bounds(self, schema: dict, x: str) -> list[tuple[str, str]]:
        """(kind, one chained comparison) for each quantity the schema bounds, e.g. ``1 <= len(x) <= 200``."""
        found: dict[str, dict[str, tuple[str, Any]]] = {}
        for key, value in schema.items():
            if key in _BOUNDS:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise _Unsupported(key)
                measured, op = _BOUNDS[key]
                side = "low" if op in (">=", ">") else "high"
                group = found.setdefault(_KEYWORD_KIND[key] + " " + measured, {})
                if side in group:  # e.g. minimum and exclusiveMinimum together: keep both, unchained
                    group[f"{side}{len(group)}"] = (op, value)
                else:
                    group[side] = (op, value)
        tests = []
        for name, group in found.items():
            kind, measured = name.split(" ", 1)
            m = measured.format(x=x)
            low, high = group.pop("low", None), group.pop("high", None)
            flip = {">=": "<=", ">": "<"}
            chain = (f"{low[1]!r} {flip[low[0]]} " if low else "") + m + (f" {high[0]} {high[1]!r}" if high else "")
            tests.append((kind, chain))
            tests += [(kind, f"{m} {op} {value!r}") for op, value in group.values()]
        return tests

    def exact(self, schema: Any, x: str) -> str:
        """An expression true exactly when ``x`` is valid under ``schema`` (type, properties, required only)."""
        if schema is True or schema == {}:
            return "True"
        if not isinstance(schema, dict) or set(schema) - _ANNOTATIONS - {"type", "properties", "required", "const", "enum"}:
            raise _Unsupported("if: only type, properties, required and string constants are decided exactly")
        parts = []
        for key in ("const", "enum"):
            if key in schema:
                values = [schema[key]] if key == "const" else list(schema[key])
                if not all(isinstance(v, str) for v in values):
                    raise _Unsupported("if: only string constants are decided exactly")
                parts.append(f"(isinstance({x}, str) and {x} in {self.constant(frozenset(values))})")
        if "type" in schema:
            names = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
            if not names or not all(n in _EXACT_TYPE for n in names):
                raise _Unsupported("type")
            parts.append("(" + " or ".join(_EXACT_TYPE[n].format(x=x) for n in names) + ")")
        if "required" in schema:
            parts.append(f"(not isinstance({x}, dict) or ({' and '.join(f'{k!r} in {x}' for k in schema['required']) or 'True'}))")
        for prop, sub in schema.get("properties", {}).items():
            parts.append(f"(not isinstance({x}, dict) or {prop!r} not in {x} or {self.exact(sub, f'{x}[{prop!r}]')})")
        return "(" + " and ".join(parts or ["True"]) + ")"

    def whole_list(self, items: Any, x: str) -> str | None:
        """A test of a whole list ``x`` against an ``items`` schema that only names types (and strings' minLength 1)."""
        if not isinstance(items, dict) or set(items) - _ANNOTATIONS - {"type", "minLength"}:
            return None
        names = [items.get("type")] if isinstance(items.get("type"), str) else list(items.get("type") or [])
        if not names or not all(n in _PY_TYPES for n in names) or items.get("minLength", 1) != 1:
            return None
        if "minLength" in items and names != ["string"]:
            return None
        test = f"{self.constant(frozenset(t for n in names for t in _PY_TYPES[n]))}.issuperset(map(type, {x}))"
        return test + (f' and "" not in {x}' if "minLength" in items else "")

    def expression(self, schema: Any, x: str) -> str | None:
        """``schema`` as one boolean expression, if it only tests a type, bounds and literals; else None."""
        if not isinstance(schema, dict) or set(schema) - _ANNOTATIONS - set(_BOUNDS) - {"type", "enum", "const"}:
            return None
        names = [schema["type"]] if isinstance(schema.get("type"), str) else list(schema.get("type", []))
        if "type" in schema and (not names or not all(n in _TYPE_TEST for n in names)):
            raise _Unsupported("type")
        known = names[0] if len(names) == 1 else None
        parts = [f"({' or '.join(_TYPE_TEST[n].format(x=x) for n in names)})"] if names else [f"type({x}) in _JSON_TYPES"]
        for kind, test in self.bounds(schema, x):
            guard = _guard(kind, known, x)
            if guard is not None:
                parts.append(f"({test})" if not guard else f"(not {guard} or {test})")
        for key in ("enum", "const"):
            if key in schema:
                parts.append(f"({self.literal(list(schema[key]) if key == 'enum' else [schema[key]], x)})")
        return "(" + " and ".join(parts) + ")"

    def literal(self, values: list[Any], x: str) -> str:
        """The test that ``x`` equals one of ``values`` as JSON Schema compares (1 == 1.0, but True != 1)."""
        strings = [v for v in values if isinstance(v, str)]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(strings) + len(numbers) + values.count(None) != len(values):
            raise _Unsupported("enum/const of booleans, arrays or objects")
        tests = []
        if strings:
            tests.append(f"(type({x}) is str and {x} in {self.constant(frozenset(strings))})")
        if numbers:
            tests.append(f"(type({x}) in _NUMBER and {x} in {self.constant(frozenset(numbers))})")
        if None in values:
            tests.append(f"{x} is None")
        return " or ".join(tests) or "False"

    def keyword(self, key: str, value: Any, schema: dict, x: str, out: list[str], depth: int, guard: str, known: str | None) -> None:
        pad = "    " * depth
        when = f"{guard} and " if guard else ""
        if key == "pattern":
            out.append(f"{pad}if {when}{self.constant(re.compile(value))}.search({x}) is None: return False")
        elif key == "required":
            if not value:
                return
            if guard:
                out.append(f"{pad}if {when}({' or '.join(f'{k!r} not in {x}' for k in value)}): return False")
                return
            # A dict for certain: each required property is read once, here (a missing one is a
            # KeyError), and "properties" tests what was read.
            read = self.required_values.setdefault((x, id(schema)), {})
            out.append(f"{pad}try:")
            for k in dict.fromkeys(value):
                read[k] = self.fresh("_v")
                out.append(f"{pad}    {read[k]} = {x}[{k!r}]")
            out += [f"{pad}except KeyError:", f"{pad}    return False"]
        elif key == "properties":
            if not isinstance(value, dict):
                raise _Unsupported("properties")
            inner, body_depth = out, depth
            if guard:
                out.append(f"{pad}if {guard}:")
                body_depth += 1
            read = self.required_values.pop((x, id(schema)), {})
            for prop, sub in value.items():
                if sub is True or sub == {}:
                    continue
                y, ipad = self.fresh("_v"), "    " * body_depth
                if prop in read:
                    self.emit(sub, read[prop], inner, body_depth)
                else:
                    inner.append(f"{ipad}{y} = {x}.get({prop!r}, _MISSING)")
                    inner.append(f"{ipad}if {y} is not _MISSING:")
                    before = len(inner)
                    self.emit(sub, y, inner, body_depth + 1)
                    if len(inner) == before:
                        inner.append(f"{ipad}    pass")
            if guard and out[-1] == f"{pad}if {guard}:":
                out.append(f"{pad}    pass")
        elif key == "additionalProperties":
            if "patternProperties" in schema:
                raise _Unsupported("patternProperties")
            allowed = self.constant(frozenset(schema.get("properties", {})))
            if value is False:
                out.append(f"{pad}if {when}not {allowed}.issuperset({x}): return False")
            elif value is not True and value != {}:
                k, y = self.fresh("_k"), self.fresh("_v")
                self.each(out, depth, guard, f"for {k}, {y} in {x}.items():", value, y, f"if {k} not in {allowed}:")
        elif key == "propertyNames":
            k = self.fresh("_k")
            self.each(out, depth, guard, f"for {k} in {x}:", value, k)
        elif key == "prefixItems":
            if not isinstance(value, list):
                raise _Unsupported("prefixItems")
            for i, sub in enumerate(value):  # item i, when the list has one
                if sub is True or sub == {}:
                    continue
                if sub is False:
                    out.append(f"{pad}if {when}len({x}) > {i}: return False")
                    continue
                y = self.fresh("_v")
                out += [f"{pad}if {when}len({x}) > {i}:", f"{pad}    {y} = {x}[{i}]"]
                self.emit(sub, y, out, depth + 1)
        elif key == "items":  # with prefixItems, the items after the prefix
            start = len(schema.get("prefixItems", []))
            rest = f"{x}[{start}:]" if start else x
            if value is True or value == {}:
                return
            if value is False:
                out.append(f"{pad}if {when}len({x}) > {start}: return False")
                return
            whole = self.whole_list(value, rest)
            if whole is not None:  # every item tested at C speed, no Python loop
                out.append(f"{pad}if {when}not ({whole}): return False")
                return
            y = self.fresh("_v")
            self.each(out, depth, guard, f"for {y} in {rest}:", value, y)

    def each(self, out: list[str], depth: int, guard: str, loop: str, sub: Any, y: str, only: str = "") -> None:
        """``loop`` (under ``if guard:`` when there is one, its body under ``only`` when given) checking ``y`` against ``sub``."""
        for line in (f"if {guard}:" if guard else "", loop, only):
            if line:
                out.append("    " * depth + line)
                depth += 1
        before = len(out)
        self.emit(sub, y, out, depth)
        if len(out) == before:
            out.append("    " * depth + "pass")


def _guard(kind: str, known: str | None, x: str) -> str | None:
    """The test under which a keyword about ``kind`` values applies: "" (always), or None (never)."""
    if known is None:
        return _TYPE_TEST[kind].format(x=x)
    if known == kind or (kind == "number" and known == "integer"):
        return ""
    return None
