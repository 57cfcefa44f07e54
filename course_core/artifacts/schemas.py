"""JSON Schemas (Draft 2020-12) for every input and artifact, resolved through one registry.

Schemas live in ``schemas/<name>.schema.json`` with absolute ``$id``s; cross-file ``$ref``s
resolve through a :mod:`referencing` registry, never over the network. Integers are strict:
``42.0`` is not an integer here (plain JSON Schema would accept it).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from course_core.errors import ArtifactBug, UserError
from course_core.paths import SCHEMAS_DIR


@lru_cache(maxsize=None)
def _registry_and_ids() -> tuple[Any, dict[str, str]]:
    from referencing import Registry, Resource

    resources, ids = [], {}
    for file in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        contents = json.loads(file.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents)
        resources.append((contents["$id"], resource))
        ids[file.name.removesuffix(".schema.json")] = contents["$id"]
    return Registry().with_resources(resources), ids


def schema_names() -> list[str]:
    return sorted(_registry_and_ids()[1])


def _inline_refs(node: Any, resolver: Any) -> Any:
    """Replace each ``$ref`` by the subschema the registry resolves it to.

    Resolving once, when the validator is built, instead of on every instance, makes
    validating a streamed row several times faster; the result is the same schema. Refs
    inside a resolved subschema resolve relative to the document it came from.
    """
    if isinstance(node, list):
        return [_inline_refs(item, resolver) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        rest = {k: _inline_refs(v, resolver) for k, v in node.items() if k != "$ref"}
        target = _inline_refs(resolved.contents, resolved.resolver)
        return {"allOf": [target], **rest} if rest else target
    return {k: (v if k == "$defs" else _inline_refs(v, resolver)) for k, v in node.items()}


@lru_cache(maxsize=None)
def validator(name: str) -> Any:
    """A Draft 2020-12 validator for ``schemas/<name>.schema.json``, with strict integers."""
    import jsonschema
    from jsonschema import Draft202012Validator

    registry, ids = _registry_and_ids()
    if name not in ids:
        raise KeyError(f"no schema named {name!r} in {SCHEMAS_DIR}")
    schema = _inline_refs(registry.contents(ids[name]), registry.resolver(ids[name]))
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    cls = jsonschema.validators.extend(Draft202012Validator, type_checker=checker)
    return cls(schema, registry=registry)


@lru_cache(maxsize=None)
def _fast_check(name: str) -> Any:
    from course_core.artifacts.fastcheck import compile_check

    return compile_check(validator(name).schema)


def first_error(instance: Any, name: str) -> tuple[str, str] | None:
    """(JSON path, message) of the most relevant error, or None when ``instance`` is valid."""
    from jsonschema.exceptions import best_match

    fast = _fast_check(name)
    if fast is not None and fast(instance):
        return None  # certainly valid (see course_core.artifacts.fastcheck); otherwise jsonschema decides
    v = validator(name)
    if v.is_valid(instance):
        return None
    err = best_match(v.iter_errors(instance))
    json_path = err.json_path
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [key for key in err.validator_value if key not in err.instance]
        if missing:
            json_path = f"{json_path}.{missing[0]}"
    message = err.message if len(err.message) <= 300 else err.message[:300] + "…"
    return json_path, message


def validate_input(instance: Any, name: str, *, path: str | Path, line: int | None = None, what: str = "") -> None:
    """Raise UserError naming file, line and the JSON path of the first offending value."""
    found = first_error(instance, name)
    if found is None:
        return
    json_path, message = found
    label = what or name.replace("_", " ")
    field = json_path.removeprefix("$.") if json_path != "$" else None
    raise UserError(
        f"invalid {label}: {message}",
        path=path,
        line=line,
        field=field,
        hint=f"see schemas/{name}.schema.json for the expected shape",
    )


def check_artifact(instance: Any, name: str, *, artifact: str) -> None:
    """Artifacts the kit writes must satisfy their own schema; if not, that is a kit bug."""
    found = first_error(instance, name)
    if found is not None:
        json_path, message = found
        raise ArtifactBug(f"{artifact} fails schema {name!r} at {json_path}: {message}")
