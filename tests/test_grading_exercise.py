"""exercise.toml loading: the contract (docs/exercise_contract.md), and every mistake named by field."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from course_core.errors import UserError
from course_core.grading import evidence, reflect
from course_core.grading.exercise import FIELD_KINDS, Limits, discover, exercise_ids, load_exercise
from course_core.grading.staging import stage as stage_folder

TOY = REPO / "tests" / "fixtures" / "ex_toy"


def test_the_toy_exercise_loads_with_its_limits_and_stages() -> None:
    ex = load_exercise(TOY)
    assert (ex.id, ex.module, ex.module_file, ex.loop) == ("ex_toy", "toy", "toy.py", "A")
    assert ex.limits == Limits(timeout_s=3, cpu_s=5, memory_mb=256, max_processes=32, max_file_mb=1, max_disk_mb=8)
    assert ex.forbidden_imports == ["course_core.measurement.stats"] and ex.preload == []
    assert list(ex.stages) == ["build", "sabotage", "reflect", "repair"]
    assert ex.stages["repair"].lock_points == 10
    assert [f["kind"] for f in ex.stages["reflect"].fields] == ["equals_json", "one_of", "answer_key"]


@pytest.mark.skipif(not (REPO / "exercises").is_dir(), reason="no exercises yet")
def test_every_kit_exercise_follows_the_contract() -> None:
    for ex in discover(REPO / "exercises"):
        assert ex.folder.name == ex.id
        assert (ex.folder / ex.module_file).is_file()
        assert (ex.folder / "tests" / "conftest.py").is_file()
        for stage in ex.stages.values():
            for rel in stage.tests:
                assert (ex.folder / rel).is_file(), rel


def _toy_copy(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "ex_toy"
    shutil.copytree(TOY, folder)
    toml = folder / "exercise.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def _line_of(folder: Path, new: str, field: str) -> int:
    """The line the edit put ``field``'s key on (its last key, when the edit spans lines)."""
    text = (folder / "exercise.toml").read_text(encoding="utf-8")
    last = field.rsplit(".", 1)[-1].split("[")[0]
    if not re.search(rf"(?<!\w){last} =", new) and field.startswith("stages."):  # a rule across keys: the named key in its table, or the table
        table = "[" + ".".join(field.split(".")[:2]) + "]"
        start = text.index(table)
        key, following = text.find(f"\n{last} =", start), text.find("\n[", start + 1)
        return text[: key + 1 if key != -1 and (following == -1 or key < following) else start].count("\n") + 1
    at = text.index(new)
    inside = new.find(f"{last} =")
    return text[: at + max(inside, 0)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ('check = "json_value"', 'check = "json_valu"', "stages.sabotage.checks[0].check", "did you mean 'json_value'"),
        ('op = "eq"', 'op = "equals"', "stages.sabotage.checks[0].op", "expected one of lt, le, gt, ge, eq, ne"),
        ('pointer = "/answer"', 'pointr = "/answer"', "stages.sabotage.checks[0].pointr", "did you mean 'pointer'"),
        ('id = "ex_toy"', 'id = "ex_other"', "id", "differs from its folder name"),
        ('loop = "A"', 'loop = "D"', "loop", "one of A, B, C"),
        ('student_files = ["toy.py", ', 'student_files = [', "student_files", "must list the module under test"),
        ('"evidence/"]', '"../evidence/"]', "student_files[3]", "relative path inside the exercise folder"),
        ("timeout_s = 3", "timeout_s = -1", "limits.timeout_s", "positive"),
        ("lock_points = 10", "lock_points = 99", "stages.repair.lock_points", "cannot exceed"),
        ("min_words = 5", 'min_words = "five"', "stages.reflect.prose[0].min_words", "a word count"),
        ('one_of = ["blue"]', 'one_of = ["blue"]\nleaves = true', "stages.reflect.fields[1].leaves", "equals_manifest_diff only"),
        ('one_of = ["blue"]', 'equals_manifest_diff = ["evidence/a", "evidence/b"]\nleaves = "yes"', "stages.reflect.fields[1].leaves", "true or false"),
        ("points = 40", 'points = "forty"', "stages.build.points", 'expected a whole number of points (not negative): the report shows them as written, got "forty"'),
        ("timeout_s = 3", "timeout = 3", "limits.timeout", "did you mean 'timeout_s'"),
        ('title = "Toy arithmetic"', 'titel = "Toy arithmetic"', "titel", "did you mean 'title'"),
        # points are exercise.toml's integers, and every share of a stage has its files
        ("[stages.sabotage]\npoints = 3", "[stages.sabotage]\npoints = 10", "stages.sabotage.points", "add up to 3 points, not 10"),
        ("key = \"colour\"\npoints = 1", "key = \"colour\"\npoints = 1.5", "stages.reflect.fields[1].points", "expected a whole number of points"),
        ("hidden_points = 10\n", "", "stages.build.hidden_points", "exactly when the stage has hidden_tests"),
        ("hidden_points = 20", "hidden_points = 25", "stages.repair.hidden_points", "leave -5 for the visible tests"),
        ("hidden_points = 20", "hidden_points = 15", "stages.repair.points", "with no visible tests it must be 0"),
        ("hidden_chaff_points = 6", "hidden_chaff_points = 11", "stages.repair.hidden_chaff_points", "cannot exceed"),
        ("hidden_chaff_points = 6", "hidden_chaff_points = 10", "stages.repair.hidden_chaff_points", "the public chaffs (mean_empty_zero.py) share"),
    ],
)
def test_a_broken_exercise_toml_names_the_file_line_and_field(tmp_path: Path, old: str, new: str, field: str, words: str) -> None:
    folder = _toy_copy(tmp_path, old, new)
    with pytest.raises(UserError) as caught:
        load_exercise(folder)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert caught.value.path == str(folder / "exercise.toml")
    assert caught.value.line == _line_of(folder, new, field)


def test_a_missing_key_is_placed_at_its_table(tmp_path: Path) -> None:
    folder = _toy_copy(tmp_path, 'pointer = "/answer"\nop = "eq"', 'op = "eq"')
    with pytest.raises(UserError) as caught:
        load_exercise(folder)
    assert (caught.value.field, caught.value.message) == ("stages.sabotage.checks[0].pointer", "missing key 'pointer'")
    lines = (folder / "exercise.toml").read_text(encoding="utf-8").splitlines()
    assert lines[caught.value.line - 1] == "[[stages.sabotage.checks]]"
    assert "[[stages.sabotage.checks]]" not in lines[: caught.value.line - 1]  # the first check's table


def test_a_broken_exercise_toml_stops_the_grader_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    folder = _toy_copy(tmp_path, 'check = "json_value"', 'check = "jsonvalue"')
    done = run_cli("course.grade", "--exercises-root", str(tmp_path), "--out", str(tmp_path / "report"))
    toml, line = folder / "exercise.toml", _line_of(folder, 'check = "jsonvalue"', "check")
    assert done.returncode == 2, done.stderr
    assert f"{toml}:{line}" in done.stderr
    assert "field 'stages.sabotage.checks[0].check'" in done.stderr and "did you mean 'json_value'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "report").exists()


@pytest.mark.skipif(not (REPO / "exercises").is_dir(), reason="no exercises yet")
def test_every_shipped_exercise_toml_validates_against_the_schema() -> None:
    from course_core.artifacts.schemas import fast_check, validator
    from course_core.grading.exercise import tomllib

    tomls = sorted((REPO / "exercises").glob("*/exercise.toml"))
    assert len(tomls) == 8
    for toml in tomls:
        raw = tomllib.loads(toml.read_text(encoding="utf-8"))
        assert list(validator("exercise").iter_errors(raw)) == [], toml
        assert fast_check("exercise")(raw), f"{toml}: the compiled fast path should accept it (no jsonschema import)"


def _schema() -> dict:
    return json.loads((REPO / "schemas" / "exercise.schema.json").read_text(encoding="utf-8"))


def test_the_schemas_evidence_checks_are_the_graders() -> None:
    schema = _schema()["$defs"]["evidence_check"]
    named = set(schema["properties"]["check"]["enum"])
    assert named == set(evidence.CHECKS), "schemas/exercise.schema.json and evidence.CHECKS must list the same checks"
    assert {rule["if"]["properties"]["check"]["const"] for rule in schema["allOf"]} == named  # each with its keys


def test_the_schemas_answer_kinds_are_the_ones_reflect_judges(tmp_path: Path) -> None:
    common = {"key", "points", "feedback", "name", "tolerance", "leaves"}
    assert set(_schema()["$defs"]["field"]["properties"]) - common == set(FIELD_KINDS)
    staged = stage_folder(TOY, load_exercise(TOY), tmp_path / "staged")
    answered = reflect.parse("```answers\nk: 1\n```\n")
    shapes = {  # one value of each kind, as the schema admits it
        "equals_json": {"file": "evidence/note.json", "pointer": "/answer"}, "equals_manifest_diff": ["evidence/a", "evidence/b"],
        "equals_sha256": {"file": "evidence/note.json"}, "one_of": ["1"], "answer_key": True,
        "log_signs": {"file": "evidence/run/log.jsonl", "steps": [1, 2], "of": "advantage"}, "not_a_kind": True,
    }
    assert set(shapes) == {*FIELD_KINDS, "not_a_kind"}
    for kind, value in shapes.items():
        verdict = reflect.check_field(staged, answered, {"key": "k", "kind": kind, kind: value}, None)
        unknown = verdict.feedback.startswith("unknown field check")
        assert unknown == (kind == "not_a_kind"), (kind, verdict)


def test_invalid_toml_is_a_user_error(tmp_path: Path) -> None:
    folder = _toy_copy(tmp_path, "[stages.build]", "[stages.build")
    with pytest.raises(UserError, match="not valid TOML"):
        load_exercise(folder)


def test_an_unknown_exercise_id_suggests_the_closest(tmp_path: Path) -> None:
    assert exercise_ids(REPO / "tests" / "fixtures") == ["ex_toy"]
    with pytest.raises(UserError) as caught:
        discover(REPO / "tests" / "fixtures", ["ex_tyo"])
    assert "did you mean 'ex_toy'" in str(caught.value)


def test_only_the_selected_exercises_are_loaded(tmp_path: Path) -> None:
    shutil.copytree(TOY, tmp_path / "ex_toy")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "exercise.toml").write_text("id = [", encoding="utf-8")
    assert [e.id for e in discover(tmp_path, ["ex_toy"])] == ["ex_toy"]
    with pytest.raises(UserError):
        discover(tmp_path)


def test_forbidden_imports_are_dotted_module_names(tmp_path: Path) -> None:
    folder = _toy_copy(tmp_path, 'forbidden_imports = ["course_core.measurement.stats"]', 'forbidden_imports = ["course_core/stats.py"]')
    with pytest.raises(UserError) as caught:
        load_exercise(folder)
    assert caught.value.field == "forbidden_imports[0]" and "dotted module name" in str(caught.value)


@pytest.mark.skipif(not (REPO / "exercises").is_dir(), reason="no exercises yet")
def test_the_pilot_exercises_forbid_the_kit_reference_of_what_they_ask_for() -> None:
    found = {ex.id: ex for ex in discover(REPO / "exercises")}
    assert found["a1_locked_room"].forbidden_imports == ["course_core.measurement.gate"]
    assert found["b1_selection"].forbidden_imports == ["course_core.selection"]
    assert found["a1_locked_room"].preload == ["course_core.measurement.scoring"]


def test_toml_lines_finds_tables_arrays_of_tables_and_keys_but_not_text_in_strings() -> None:
    from course_core.grading.toml_lines import dotted, key_lines, line_of

    text = '\n'.join([
        'id = "x"',                      # 1
        'notes = """',                   # 2
        'fake = 1',                      # 3: inside a multi-line string
        '"""',                           # 4
        '[stages.sabotage]',             # 5
        'points = 1',                    # 6
        '[[stages.sabotage.checks]]',    # 7
        'id = "a"',                      # 8
        '[[stages.sabotage.checks]]',    # 9
        'check = "json_value"  # why',   # 10
        'equals_json = { file = "f" }',  # 11
    ])
    found = key_lines(text)
    assert found[("id",)] == 1 and ("fake",) not in found
    assert found[("stages", "sabotage", "points")] == 6
    assert found[("stages", "sabotage", "checks", 1, "check")] == 10
    assert line_of(text, ["stages", "sabotage", "checks", 0, "id"]) == 8
    assert line_of(text, ["stages", "sabotage", "checks", 1, "equals_json", "file"]) == 11  # inside an inline table: its key's line
    assert line_of(text, ["stages", "sabotage", "checks", 1, "pointer"]) == 9  # missing: the table it belongs in
    assert line_of(text, ["nowhere"]) is None
    assert dotted(["stages", "sabotage", "checks", 1, "op"]) == "stages.sabotage.checks[1].op"
