"""Schemas: the registry, strict integers, error locations, and the fast path's agreement."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from course_core.artifacts.fastcheck import compile_check
from course_core.artifacts.schemas import fast_check, first_error, schema_names, validate_input, validator
from course_core.errors import UserError
from course_core.grading.exercise import tomllib


def test_every_schema_has_an_absolute_id_and_compiles():
    for name in schema_names():
        schema = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())
        assert schema["$id"].startswith("https://") and schema["$id"].endswith(f"/{name}.schema.json")
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        validator(name)


def test_integers_are_strict():
    row = {"id": "a", "prompt": "p", "expected_answer": 42}
    assert first_error(row, "dataset_row") is None
    for bad in (42.0, True, "42", None):
        assert first_error({**row, "expected_answer": bad}, "dataset_row")[0] == "$.expected_answer"


def test_errors_name_file_line_and_json_path():
    with pytest.raises(UserError) as exc:
        validate_input({"id": "a", "samples": [{"completion": "x", "sum_logprob": "low"}]}, "selection_pack_row",
                       path="pack.jsonl", line=7)
    assert str(exc.value).startswith("pack.jsonl:7, field 'samples[0].sum_logprob'")


def test_fast_path_accepts_the_shipped_rows():
    """The fast path must actually be used for the hot row schemas, not fall back every time."""
    for name, path in [("dataset_row", "data/datasets/math_dev.jsonl"), ("completion_row", "data/rollouts/frozen_rollouts_dev.jsonl"),
                       ("selection_pack_row", "data/rollouts/selection_pack_dev.jsonl")]:
        fast = fast_check(name)
        assert fast is not None
        rows = [json.loads(line) for line in (REPO / path).read_text().splitlines()]
        assert all(fast(row) for row in rows)


def test_unknown_keywords_fall_back_to_jsonschema():
    assert compile_check({"type": "object", "oneOf": [{}]}) is None
    assert compile_check({"enum": [True, "x"]}) is None  # booleans: left to jsonschema (True is not 1 there)
    numeric = compile_check({"enum": [1, 2.5, None]})
    assert [numeric(v) for v in (1, 1.0, 2.5, None, True, "1")] == [True, True, True, True, False, False]
    assert compile_check({"type": "string", "maxLength": 3})("abcd") is False


def test_prefix_items_check_each_position_and_items_the_rest():
    pair = compile_check({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False})
    assert [pair(v) for v in ([1, "a"], [1], [], ["a"], [1, 2], [1, "a", 2])] == [True, True, True, False, False, False]
    tail = compile_check({"type": "array", "prefixItems": [{"type": "integer"}], "items": {"type": "boolean"}})
    assert [tail(v) for v in ([1, True, False], [1], [True], [1, True, 3])] == [True, True, False, False]
    nested = compile_check({"type": "array", "prefixItems": [{"type": "object", "required": ["a"]}, False]})
    assert [nested(v) for v in ([{"a": 1}], [{}], [{"a": 1}, 2])] == [True, False, False]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _valid_rows() -> dict[str, list[dict]]:
    """Valid rows of each hot kind, from the shipped data and a real eval and selection run."""
    import tempfile

    from course_core.learning.bandit import BanditConfig
    from course_core.learning.bandit_run import run_bandit, run_testbed
    from course_core.measurement.evaluate import run_eval
    from course_core.selection.best_of_n import run_selection

    def first(path: str, k: int = 5) -> list[dict]:
        return [json.loads(line) for line in (REPO / path).read_text().splitlines()[:k]]

    out = {
        "dataset_row": first("data/datasets/math_dev.jsonl"),
        "completion_row": first("data/rollouts/frozen_rollouts_dev.jsonl"),
        "selection_pack_row": first("data/rollouts/selection_pack_dev.jsonl", 2),
        "rollout_sidecar": [json.loads((REPO / "data/rollouts/frozen_rollouts_dev.sampling.json").read_text())],
    }
    with tempfile.TemporaryDirectory() as tmp:
        ev = run_eval(REPO / "data/datasets/math_dev.jsonl", REPO / "data/rollouts/frozen_rollouts_dev.jsonl", f"{tmp}/e").outdir
        sel = run_selection(REPO / "data/datasets/math_dev.jsonl", REPO / "data/rollouts/selection_pack_dev.jsonl", f"{tmp}/s", 4).outdir
        out["eval_result_row"] = [json.loads(x) for x in (ev / "results.jsonl").read_text().splitlines()[:20]]
        out["selection_result_row"] = [json.loads(x) for x in (sel / "results.jsonl").read_text().splitlines()[:5]]
        out["manifest"] = [json.loads((ev / "manifest.json").read_text())]
        out["eval_summary"] = [json.loads((ev / "summary.json").read_text())]
        out["selection_summary"] = [json.loads((sel / "summary.json").read_text())]
        out["bandit_summary"] = [  # one bandit, many, and the testbed (averaged_steps: prefixItems)
            run_bandit(BanditConfig(steps=10), f"{tmp}/b1", args={}, plot=False).summary,
            run_bandit(BanditConfig(steps=10, runs=4), f"{tmp}/b4", args={}, plot=False).summary,
            run_testbed("sutton-barto", runs=4, steps=12, seed=0, outdir=f"{tmp}/t", args={}, plot=False).summary,
        ]
    out["exercise"] = [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted((REPO / "exercises").glob("*/exercise.toml"))]
    return out


VALID = _valid_rows()


@pytest.mark.parametrize("name", sorted(VALID))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_fast_path_never_accepts_what_jsonschema_rejects(name, data):
    """Mutate one field of a valid row (replace it with any JSON value, or delete it)."""
    fast = fast_check(name)
    base = data.draw(st.sampled_from(VALID[name]))
    assert fast is None or fast(base)
    props = sorted(set(base) | set(validator(name).schema.get("properties", {})))
    key = data.draw(st.sampled_from(props) | st.text(max_size=4))
    mutated = dict(base)
    if data.draw(st.booleans()):
        mutated.pop(key, None)
    else:
        mutated[key] = data.draw(json_values)
    if fast is not None and fast(mutated):
        assert validator(name).is_valid(mutated), mutated


def _paths(value, prefix=()):
    """Every (path, value) inside a JSON value, the value itself included."""
    yield prefix, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield from _paths(inner, (*prefix, key))


@pytest.mark.parametrize("name", sorted(VALID))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fast_path_never_accepts_what_jsonschema_rejects_deep_inside(name, data):
    """Replace any value at any depth (a sample inside a pack, an interval's bound) with any JSON value."""
    import copy

    fast = fast_check(name)
    base = copy.deepcopy(data.draw(st.sampled_from(VALID[name])))
    path, _ = data.draw(st.sampled_from(list(_paths(base))[1:]))
    parent = base
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and data.draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(json_values)
    if fast is not None and fast(base):
        assert validator(name).is_valid(base), base


def test_refs_are_inlined_as_the_referencing_library_resolves_them():
    """The standard-library inlining (no jsonschema import on the happy path) against referencing's own resolver."""
    from referencing import Registry, Resource

    from course_core.artifacts.schemas import resolved_schema

    documents = {}
    for file in (REPO / "schemas").glob("*.schema.json"):
        contents = json.loads(file.read_text())
        documents[file.name.removesuffix(".schema.json")] = contents
    registry = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in documents.values())

    def inline(node, resolver):
        if isinstance(node, list):
            return [inline(item, resolver) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            resolved = resolver.lookup(node["$ref"])
            rest = {k: inline(v, resolver) for k, v in node.items() if k != "$ref"}
            target = inline(resolved.contents, resolved.resolver)
            return {"allOf": [target], **rest} if rest else target
        return {k: (v if k == "$defs" else inline(v, resolver)) for k, v in node.items()}

    for name, contents in documents.items():
        assert resolved_schema(name) == inline(contents, registry.resolver(contents["$id"])), name


def test_the_hot_row_schemas_compile_and_a_valid_run_never_imports_jsonschema(tmp_path):
    for name in ("dataset_row", "completion_row", "selection_pack_row", "eval_result_row", "selection_result_row", "manifest",
                 "bandit_summary", "bandit_log_row"):
        assert fast_check(name) is not None, name
    code = (
        "import sys; from course_core.measurement.evaluate import run_eval; "
        "from course_core.selection.best_of_n import run_selection; "
        f"run_eval('data/datasets/math_dev.jsonl', 'data/rollouts/frozen_rollouts_dev.jsonl', {str(tmp_path / 'e')!r}); "
        f"run_selection('data/datasets/math_dev.jsonl', 'data/rollouts/selection_pack_dev.jsonl', {str(tmp_path / 's')!r}, 4); "
        "from course_core.learning.bandit import BanditConfig; from course_core.learning.bandit_run import run_bandit; "
        f"run_bandit(BanditConfig(steps=30, runs=3), {str(tmp_path / 'b')!r}, args={{}}, plot=False); "
        "print(sorted(m for m in ('jsonschema', 'referencing', 'sqlite3') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "[]"
