"""exercise.toml loading: the contract (docs/exercise_contract.md), and every mistake named by field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO
from course_core.errors import UserError
from course_core.grading.exercise import Limits, discover, exercise_ids, load_exercise

TOY = REPO / "tests" / "fixtures" / "ex_toy"


def test_the_toy_exercise_loads_with_its_limits_and_stages() -> None:
    ex = load_exercise(TOY)
    assert (ex.id, ex.module, ex.module_file, ex.loop) == ("ex_toy", "toy", "toy.py", "A")
    assert ex.limits == Limits(timeout_s=3, cpu_s=5, memory_mb=512, max_processes=32, max_file_mb=1, max_disk_mb=8)
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


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ('check = "json_value"', 'check = "json_valu"', "stages.sabotage.checks[0].check", "did you mean 'json_value'"),
        ('op = "eq"', 'op = "equals"', "stages.sabotage.checks[0].op", "op must be one of"),
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
        # points are exercise.toml's integers, and every share of a stage has its files
        ("[stages.sabotage]\npoints = 3", "[stages.sabotage]\npoints = 10", "stages.sabotage.points", "add up to 3 points, not 10"),
        ("key = \"colour\"\npoints = 1", "key = \"colour\"\npoints = 1.5", "stages.reflect.fields[1].points", "whole numbers"),
        ("hidden_points = 10\n", "", "stages.build.hidden_points", "exactly when the stage has hidden_tests"),
        ("hidden_points = 20", "hidden_points = 25", "stages.repair.hidden_points", "leave -5 for the visible tests"),
        ("hidden_points = 20", "hidden_points = 15", "stages.repair.points", "with no visible tests it must be 0"),
        ("hidden_chaff_points = 6", "hidden_chaff_points = 11", "stages.repair.hidden_chaff_points", "cannot exceed"),
        ("hidden_chaff_points = 6", "hidden_chaff_points = 10", "stages.repair.hidden_chaff_points", "the public chaffs (mean_empty_zero.py) share"),
    ],
)
def test_a_broken_exercise_toml_names_the_field(tmp_path: Path, old: str, new: str, field: str, words: str) -> None:
    folder = _toy_copy(tmp_path, old, new)
    with pytest.raises(UserError) as caught:
        load_exercise(folder)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert caught.value.path == str(folder / "exercise.toml")


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
