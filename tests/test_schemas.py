"""Schemas: the registry, strict integers, error locations, and the fast path's agreement."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from course_core.artifacts.fastcheck import compile_check
from course_core.artifacts.schemas import fast_check, first_error, schema_names, validate_input, validator
from course_core.errors import UserError


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
    assert compile_check({"type": "integer", "enum": [1, 2]}) is None  # numeric enums: left to jsonschema
    assert compile_check({"type": "string", "maxLength": 3})("abcd") is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _valid_rows() -> dict[str, list[dict]]:
    """Valid rows of each hot kind, from the shipped data and a real eval and selection run."""
    import tempfile

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
