"""JSON Schemas (Draft 2020-12) for every input and artifact, with strict integers and a compiled fast path.

Schemas live in ``schemas/<name>.schema.json`` with absolute ``$id``s; cross-file ``$ref``s are
inlined from those files (and anything else resolves through a :mod:`referencing` registry),
never over the network. Integers are strict: ``42.0`` is not an integer here (plain JSON Schema
would accept it). A row is first put to its schema's compiled predicate
(:func:`fast_check`); only when that is not sure does jsonschema decide, and word the error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin

from course_core.errors import ArtifactBug, UserError
from course_core.paths import SCHEMAS_DIR


@lru_cache(maxsize=None)
def _documents() -> tuple[dict[str, Any], dict[str, str]]:
    """Every schema file's contents by ``$id``, and each schema name's ``$id`` (standard library only)."""
    documents, ids = {}, {}
    for file in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        contents = json.loads(file.read_text(encoding="utf-8"))
        documents[contents["$id"]] = contents
        ids[file.name.removesuffix(".schema.json")] = contents["$id"]
    return documents, ids


@lru_cache(maxsize=None)
def _registry() -> Any:
    from referencing import Registry, Resource

    documents, _ = _documents()
    return Registry().with_resources((uri, Resource.from_contents(doc)) for uri, doc in documents.items())


def schema_names() -> list[str]:
    return sorted(_documents()[1])


def _lookup(ref: str, base: str) -> tuple[Any, str] | None:
    """The subschema ``ref`` points to (relative to the document ``base``) and its document, or None.

    Resolves what the kit's schemas use: a document of the registry by its ``$id``, then a JSON
    Pointer fragment. Anything else is left to jsonschema's own resolution.
    """
    documents, _ = _documents()
    document, _, fragment = urljoin(base, ref).partition("#")
    node = documents.get(document)
    if node is None or (fragment and not fragment.startswith("/")):
        return None
    for token in fragment.split("/")[1:] if fragment else []:
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return node, document


def _inline_refs(node: Any, base: str) -> Any:
    """Replace each ``$ref`` by the subschema it resolves to (relative to the document ``base``).

    Resolving once, when a schema is first used, instead of on every instance, makes validating a
    streamed row several times faster; the result is the same schema. Refs inside a resolved
    subschema resolve relative to the document it came from. A ref this cannot resolve stays,
    for jsonschema (and the registry) to follow.
    """
    if isinstance(node, list):
        return [_inline_refs(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and (found := _lookup(node["$ref"], base)) is not None:
        target, document = found
        rest = {k: _inline_refs(v, base) for k, v in node.items() if k != "$ref"}
        resolved = _inline_refs(target, document)
        return {"allOf": [resolved], **rest} if rest else resolved
    return {k: (v if k == "$defs" else _inline_refs(v, base)) for k, v in node.items()}


@lru_cache(maxsize=None)
def resolved_schema(name: str) -> dict[str, Any]:
    """``schemas/<name>.schema.json`` with its cross-file ``$ref``s inlined."""
    documents, ids = _documents()
    if name not in ids:
        raise KeyError(f"no schema named {name!r} in {SCHEMAS_DIR}")
    return _inline_refs(documents[ids[name]], ids[name])


@lru_cache(maxsize=None)
def validator(name: str) -> Any:
    """A Draft 2020-12 validator for ``schemas/<name>.schema.json``, with strict integers."""
    import jsonschema
    from jsonschema import Draft202012Validator

    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    cls = jsonschema.validators.extend(Draft202012Validator, type_checker=checker)
    return cls(resolved_schema(name), registry=_registry())


@lru_cache(maxsize=None)
def fast_check(name: str) -> Callable[[Any], bool] | None:
    """The compiled "certainly valid" predicate of a schema (see :mod:`course_core.artifacts.fastcheck`), or None.

    A True from it is final; anything else must go to :func:`first_error`. Building it needs
    neither jsonschema nor referencing, so a run whose rows are all valid never imports them.
    """
    from course_core.artifacts.fastcheck import compile_check

    return compile_check(resolved_schema(name))


def first_error(instance: Any, name: str) -> tuple[str, str] | None:
    """(JSON path, message) of the most relevant error, or None when ``instance`` is valid."""
    fast = fast_check(name)
    if fast is not None and fast(instance):
        return None  # certainly valid (see course_core.artifacts.fastcheck); otherwise jsonschema decides
    from jsonschema.exceptions import best_match

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
