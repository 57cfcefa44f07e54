"""JSON Lines: the fast reader and writer give exactly what the standard library gives.

Reading: every line orjson takes must yield the object json.loads yields (same types: an integer
stays an int however long); every line it refuses goes to json, so errors keep json's words.
Writing: dumps_line is json.dumps with the kit's settings, byte for byte, errors included.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_core.artifacts.jsonl import BadLine, _stdlib_line, dumps_line, iter_jsonl
from course_core.errors import UserError

scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                      max_leaves=12)
objects = st.dictionaries(st.text(max_size=8), values, max_size=6)


def _typed(value):
    """A value with every number tagged by its type, so 1 and 1.0 (equal in Python) differ here."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, repr(value))


def _read(path: Path) -> list:
    return [(line, _typed(obj)) for line, obj in iter_jsonl(path)]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(objects, min_size=1, max_size=5), ascii_only=st.booleans(), spaced=st.booleans())
def test_reading_gives_json_loads_objects(tmp_path, rows, ascii_only, spaced):
    separators = (", ", ": ") if spaced else (",", ":")
    lines = [json.dumps(r, ensure_ascii=ascii_only, separators=separators) for r in rows]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _read(path) == [(i, _typed(json.loads(text))) for i, text in enumerate(lines, start=1)]


# Lines where orjson and json differ (json accepts more, or reads numbers differently): each must
# come out as json reads it, or fail with json's message (or, for a number no instrument can
# compute with, the kit's: see the test after this one).
AWKWARD = [
    '{"n": 123456789012345678901234567890}', '{"n": -9223372036854775809}', '{"n": 18446744073709551616}',
    '{"n": 9223372036854775807}', '{"n": 1e400}', '{"n": -1e400}', '{"n": NaN}', '{"n": Infinity}', '{"n": -Infinity}',
    '{"s": "\\ud800"}', '{"s": "\\udfff\\ud800"}', '{"a": 1, "a": 2}', '{"a": 1, "b": 2, "a": 3}', '{"n": -0}',
    '{"n": 1.0}', '{"n": 1E2}', '{"n": 0.1}', '\x0c{"a": 1}\x0b', '\u00a0{"a": 1}\u2028', '  {"a": 1}  ',
    '{"s": "digits 1234567890123456789012 in a string"}', '[1, 2]', '"text"', '{"a": 1} {"b": 2}', '{"a": }', '{oops',
    '{"n": 01}', '{"s": "\x01"}', '\ufeff{"a": 1}',
]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_lines_read_as_json_reads_them(tmp_path, text):
    path = tmp_path / "one.jsonl"
    path.write_bytes(b'{"first": 1}\n' + text.encode("utf-8", "surrogatepass") + b"\r\n")
    expected, expected_error = _stdlib_line(text.encode("utf-8", "surrogatepass"), 2), None
    if isinstance(expected, BadLine):
        expected_error = str(UserError(expected.message, path=path, line=2, field=expected.field, hint=expected.hint))
    elif not isinstance(expected, dict):
        expected_error = f"{path}:2: expected a JSON object, got {type(expected).__name__}"
    try:
        got = _read(path)[1:]
    except UserError as exc:
        assert str(exc) == expected_error
    else:
        assert expected_error is None and got == [(2, _typed(expected))]


def test_bad_lines_go_to_on_error_with_the_same_words(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"a": 1}\n{oops\n[1]\n{"n": NaN}\n{"b": "\xff"}\n{"c": 123456789012345678901234567890}\n')
    seen: list[tuple[int, str]] = []
    rows = list(iter_jsonl(path, on_error=lambda line, why: seen.append((line, why))))
    assert [line for line, _ in rows] == [1, 6] and rows[1][1]["c"] == 123456789012345678901234567890
    assert seen == [(2, "invalid JSON: Expecting property name enclosed in double quotes (column 2)"),
                    (3, "expected a JSON object, got list"), (4, "invalid JSON value: NaN is not valid JSON"),
                    (5, "line is not valid UTF-8 (byte 7)")]


def test_a_file_of_many_blocks_reads_line_by_line_as_json_reads_it(tmp_path):
    """Lines are read, and searched for long integers, a block at a time: a long integer in any block, a line
    longer than a block, and a last line without its newline must all come out as json reads them."""
    from course_core.artifacts.jsonl import _BLOCK

    lines = [json.dumps({"i": i, "pad": "x" * (i % 50)}) for i in range(3 * _BLOCK // 40)]
    lines[len(lines) // 2] = '{"n": 123456789012345678901234567890, "m": -98765432109876543210}'
    lines[len(lines) // 3] = json.dumps({"long": "y" * (2 * _BLOCK)})
    lines[-1] = '{"last": 18446744073709551616}'
    path = tmp_path / "big.jsonl"
    path.write_text("\r\n".join(lines[:10]) + "\r\n" + "\n".join(lines[10:]), encoding="utf-8")
    assert _read(path) == [(i, _typed(json.loads(text))) for i, text in enumerate(lines, start=1)]


def test_a_bom_counts_on_the_first_line_only_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\r\n   \n{"b": 2}\n')
    assert [(line, obj) for line, obj in iter_jsonl(path)] == [(1, {"a": 1}), (4, {"b": 2})]
    path.write_bytes(b'{"a": 1}\n\xef\xbb\xbf{"b": 2}\n')
    with pytest.raises(UserError, match="BOM") as exc:
        list(iter_jsonl(path))
    assert exc.value.line == 2
    path.write_bytes(b'{"a": 1}\n{"b": "\xff"}\n')
    with pytest.raises(UserError, match=r"not valid UTF-8 \(byte 7\)"):
        list(iter_jsonl(path))


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(row=objects)
def test_dumps_line_is_json_dumps_byte_for_byte(row):
    assert dumps_line(row) == json.dumps(row, ensure_ascii=False, separators=(", ", ": "), allow_nan=False) + "\n"


def test_dumps_line_refuses_what_json_refuses_with_its_words():
    loop: list = []
    loop.append(loop)
    for bad in ({"x": float("nan")}, {"x": [float("inf")]}, {"x": loop}, {"x": {1j}}):
        with pytest.raises((ValueError, TypeError)) as ours:
            dumps_line(bad)
        with pytest.raises((ValueError, TypeError)) as theirs:
            json.dumps(bad, ensure_ascii=False, separators=(", ", ": "), allow_nan=False)
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))


@pytest.mark.parametrize("text, field, said", [
    ('{"id": "a", "samples": [{"completion": "x", "sum_logprob": -1e400}]}', "samples[0].sum_logprob", "-1e400 is beyond the range"),
    ('{"id": "a", "samples": [{"completion": "x", "sum_logprob": NaN}]}', "samples[0].sum_logprob", "NaN is not valid JSON"),
    ('{"id": "a", "expected_answer": -Infinity}', "expected_answer", "-Infinity is not valid JSON"),
    ('{"id": "a", "meta": {"n": %s}}' % ("9" * 400), "meta.n", "an integer of 400 digits"),
    ('{"id": "a", "deep": %s}' % ("[" * 5000 + "]" * 5000), None, "nested more than 200 levels deep"),
    ('{"id": "a", "completion": "Final: 2\\udc80"}', "completion", "a string with a lone surrogate (\\udc80) is not text"),
    ('{"id": "a", "samples": [{"completion": "\\ud83d\\ude00 \\ud800"}]}', "samples[0].completion", "lone surrogate (\\ud800)"),
])
def test_a_number_no_instrument_can_compute_with_is_refused_with_its_line_and_field(tmp_path, text, field, said):
    """json.loads reads these (as inf, nan, a 400-digit int, a string no UTF-8 file can hold, or a
    RecursionError); the instruments then crashed on them, so they are refused where they are read,
    naming the place."""
    path = tmp_path / "rows.jsonl"
    path.write_text('{"id": "ok"}\n' + text + "\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        list(iter_jsonl(path))
    assert (info.value.line, info.value.field) == (2, field) and said in info.value.message
    seen = []
    assert [n for n, _ in iter_jsonl(path, on_error=lambda n, why: seen.append((n, why)))] == [1]
    assert seen[0][0] == 2 and said in seen[0][1]
