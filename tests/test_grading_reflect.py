"""REFLECT.md: parsing answers and prose, and checking each answer against the evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, kit_run
from course_core.grading.exercise import load_exercise
from course_core.grading.reflect import check_field, count_words, load, parse
from course_core.grading.staging import stage

TOY = load_exercise(REPO / "tests" / "fixtures" / "ex_toy")

TEXT = """\
# Reflect

```answers
answer: `42`
colour: "Blue"
empty:
- secret: swordfish
```

## why
It is what the note says, twice over.

```text
## not a heading, inside a code block
```

## second
Short.
"""


def test_answers_and_prose_are_parsed() -> None:
    r = parse(TEXT)
    assert r.answers == {"answer": "42", "colour": "Blue", "empty": "", "secret": "swordfish"}
    assert set(r.prose) == {"Reflect", "why", "second"}
    assert r.prose["why"].startswith("It is what the note says")
    assert "not a heading" in r.prose["why"]
    assert count_words(r.prose["why"]) == 16  # the code block is part of the prose
    assert count_words("don't stop — well-known, ok") == 4


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parsing_is_total(text: str) -> None:
    parse(text)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text('secret = "swordfish"\n', encoding="utf-8")
    return path


def _staged(tmp_path: Path, reflect: bytes, note: dict | None = None):
    sub = tmp_path / "sub"
    (sub / "evidence").mkdir(parents=True)
    (sub / "REFLECT.md").write_bytes(reflect)
    # the toy's note_answer check reads note.json and needs answer = 42: only then may an answer read the file
    (sub / "evidence" / "note.json").write_text(json.dumps({"answer": 42, **(note or {})}), encoding="utf-8")
    return stage(sub, TOY, tmp_path / "staged")


def _fields() -> dict[str, dict]:
    return {f["key"]: f for f in TOY.stages["reflect"].fields}


def test_each_field_against_evidence_literal_and_key(tmp_path: Path, key: Path) -> None:
    st_ = _staged(tmp_path, TEXT.encode())
    r = load(st_)
    f = _fields()
    assert check_field(st_, r, f["answer"], key).status == "passed"
    assert check_field(st_, r, f["colour"], key).status == "passed"  # case-insensitive literal
    assert check_field(st_, r, f["secret"], key).status == "passed"
    pending = check_field(st_, r, f["secret"], None)
    assert pending.status == "pending_key" and "not counted" in pending.feedback


def test_wrong_answers_say_where_to_look_without_giving_secrets(tmp_path: Path, key: Path) -> None:
    st_ = _staged(tmp_path, b"```answers\nanswer: 41\ncolour: red\nsecret: guess\n```\n")
    r = load(st_)
    f = _fields()
    wrong = check_field(st_, r, f["answer"], key)
    assert wrong.status == "failed" and "evidence/note.json at /answer" in wrong.feedback
    assert "blue" not in check_field(st_, r, f["colour"], key).feedback.lower()
    assert "swordfish" not in check_field(st_, r, f["secret"], key).feedback


def test_missing_and_empty_answers(tmp_path: Path, key: Path) -> None:
    st_ = _staged(tmp_path, b"```answers\nanswer:\n```\n")
    r = load(st_)
    assert "has no value" in check_field(st_, r, _fields()["answer"], key).feedback
    assert "is missing from" in check_field(st_, r, _fields()["colour"], key).feedback


def test_a_non_utf8_reflection_is_feedback_not_a_crash(tmp_path: Path, key: Path) -> None:
    st_ = _staged(tmp_path, b"```answers\nanswer: 42\ncolour: bl\xfce\n```\n")
    r = load(st_)
    assert r.problem == "REFLECT.md is not valid UTF-8 (byte 32); save it as UTF-8"
    assert check_field(st_, r, _fields()["answer"], key).feedback == r.problem


def test_numbers_match_within_tolerance(tmp_path: Path) -> None:
    st_ = _staged(tmp_path, b"```answers\nrate: 0.5417\n```\n", {"rate": 0.5416666})
    spec = {"key": "rate", "points": 1, "kind": "equals_json",
            "equals_json": {"file": "evidence/note.json", "pointer": "/rate", "tolerance": 0.001}}
    assert check_field(st_, load(st_), spec, None).status == "passed"
    spec["equals_json"]["tolerance"] = 0.00001
    assert check_field(st_, load(st_), spec, None).status == "failed"


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_manifest_diff_answers_as_top_level_fields_or_as_leaves(tmp_path: Path) -> None:
    sub = tmp_path / "exercises" / "ex_toy"
    data = REPO / "data"
    for n in (1, 4):
        kit_run("course.selection_demo", "--dataset", data / "datasets/math_dev.jsonl", "--samples", data / "rollouts/selection_pack_dev.jsonl",
                "--n", str(n), "--outdir", sub / "evidence" / f"n{n}")
    runs = ["evidence/n1", "evidence/n4"]
    spec = {"key": "variable", "points": 1, "kind": "equals_manifest_diff", "equals_manifest_diff": runs}
    for answer, top, leaf in (("sampling_config", "passed", "failed"), ("sampling_config.n_used", "failed", "passed")):
        (sub / "REFLECT.md").write_text(f"```answers\nvariable: {answer}\n```\n", encoding="utf-8")
        st_ = stage(sub, TOY, tmp_path / f"staged_{answer}")
        assert check_field(st_, load(st_), spec, None).status == top, answer
        assert check_field(st_, load(st_), {**spec, "leaves": True}, None).status == leaf, answer


def test_a_list_is_answered_as_json(tmp_path: Path) -> None:
    tokens = ["Final", ":", " ", "323"]
    spec = {"key": "tokens", "points": 1, "kind": "equals_json",
            "equals_json": {"file": "evidence/note.json", "pointer": "/tokens"}}
    for text, status in ((b'["Final", ":", " ", "323"]', "passed"), (b'["Final",":"," ","323"]', "passed"),
                         (b'["Final", ": ", "323"]', "failed"), (b"Final : 323", "failed"), (b"['Final', ':', ' ', '323']", "failed")):
        st_ = _staged(tmp_path / status / str(len(text)), b"```answers\ntokens: " + text + b"\n```\n", {"tokens": tokens})
        assert check_field(st_, load(st_), spec, None).status == status, text


@pytest.mark.parametrize("answer", [b"[" * 50_000 + b"]" * 50_000, b"[NaN]", b"[1e400]", b"[" + b"9" * 400 + b"]"])
def test_a_list_answer_no_check_can_compare_is_a_wrong_answer_never_a_grader_error(tmp_path: Path, answer: bytes) -> None:
    """json.loads raised RecursionError on the first (a grader error for the exercise), and read the others."""
    spec = {"key": "tokens", "points": 1, "kind": "equals_json",
            "equals_json": {"file": "evidence/note.json", "pointer": "/tokens"}}
    st_ = _staged(tmp_path, b"```answers\ntokens: " + answer + b"\n```\n", {"tokens": [1]})
    verdict = check_field(st_, load(st_), spec, None)
    assert verdict.status == "failed" and "tokens" in verdict.feedback


def test_headings_and_fences_are_read_without_backtracking() -> None:
    """The old heading regex took minutes of CPU on one 3 KB line; these parsers are a single pass."""
    from course_core.grading.reflect import fence, heading

    assert heading("## why ##") == (2, "why") and heading("# a#b") == (1, "a#b") and heading("#x") is None
    assert heading("####### seven") is None and heading("##") is None
    assert fence("```answers") == ("```", "answers") and fence("~~~~") == ("~~~~", "") and fence("``` a b") is None
    line = "# a" + " " * 1_000_000 + "x#"
    assert heading(line) == (1, "a" + " " * 1_000_000 + "x#")
    reflection = parse("```answers\nanswer: 42\n```\n" + line + "\n## why\n" + "word " * 10)
    assert reflection.answers == {"answer": "42"} and reflection.prose["why"].split() == ["word"] * 10


@pytest.mark.slow  # re-derives its runs (a replay process)
def test_answers_are_read_only_from_what_sabotage_validated(tmp_path: Path) -> None:
    """A file no passing evidence check reads, or a run's file the instrument did not write, checks nothing."""
    spec = {"key": "rate", "points": 1, "kind": "equals_json", "equals_json": {"file": "evidence/loose.json", "pointer": "/rate"}}
    st_ = _staged(tmp_path / "a", b"```answers\nrate: 0.5\n```\n")
    (st_.root / "evidence" / "loose.json").write_text('{"rate": 0.5}', encoding="utf-8")
    verdict = check_field(st_, load(st_), spec, None)
    assert verdict.status == "failed" and "evidence/loose.json is not part of a run the kit made" in verdict.feedback
    st_ = _staged(tmp_path / "b", b"```answers\nanswer: 41\n```\n", {"answer": 41})  # note_answer (= 42) fails
    verdict = check_field(st_, load(st_), _fields()["answer"], None)
    assert verdict.status == "failed" and "does not pass the evidence check that reads it" in verdict.feedback
    sub = tmp_path / "c" / "exercises" / "ex_toy"
    kit_run("course.eval", "--dataset", REPO / "data/datasets/math_dev.jsonl", "--completions", REPO / "data/rollouts/frozen_rollouts_dev.jsonl",
            "--outdir", sub / "evidence" / "run")
    (sub / "evidence" / "run" / "extra.json").write_text('{"rate": 0.5}', encoding="utf-8")
    (sub / "REFLECT.md").write_text("```answers\nrate: 0.5\n```\n", encoding="utf-8")
    st_ = stage(sub, TOY, tmp_path / "c" / "staged")
    spec["equals_json"]["file"] = "evidence/run/extra.json"
    verdict = check_field(st_, load(st_), spec, None)
    assert verdict.status == "failed" and "evidence/run/extra.json is not one of the files the instrument wrote" in verdict.feedback
