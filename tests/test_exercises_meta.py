"""Meta-tests of the exercise content, without the grading engine.

Each exercise's files agree with its exercise.toml; the stubs students start from import and
raise NotImplementedError naming their test; the reference solution passes the visible and
hidden tests; every chaff fails at least one hidden test; the reference regression test passes
on the wheat and fails on every chaff; the REFLECT.md templates parse; the numbers the READMEs
promise are the ones the kit's instruments produce on data/.

Exercise tests run in-process through a nested pytest session whose ``student`` fixture is the
module under test, loaded from its file with importlib (the conftest, which needs the grading
harness, is bypassed).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import itertools
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from course_core.grading.exercise import tomllib  # the stdlib's on 3.11+, tomli on 3.10

REPO = Path(__file__).resolve().parent.parent
EXERCISES = REPO / "exercises"
SOLUTIONS = REPO / "solutions"
IDS = sorted(p.parent.name for p in EXERCISES.glob("*/exercise.toml"))
STAGE_POINTS = {"build": 40, "sabotage": 20, "reflect": 20, "repair": 20}
HAVE_SOLUTIONS = SOLUTIONS.is_dir()
needs_solutions = pytest.mark.skipif(not HAVE_SOLUTIONS, reason="solutions/ is instructor-only and not in this copy")

# A call per stub that a finished implementation would answer; a stub must raise instead.
STUB_CALLS: dict[str, dict[str, tuple[Any, ...]]] = {
    "a1_locked_room": {"classify": ("correct",), "locked_room_violations": ({}, {})},
    "b1_selection": {
        "tie_break_key": ({"index": 0, "completion": "Final: 1", "sum_logprob": -1.0, "reward": 1.0},),
        "pick_best": ([{"index": 0, "completion": "Final: 1", "sum_logprob": -1.0, "reward": 1.0}],),
    },
}


def toml(ex_id: str) -> dict[str, Any]:
    return tomllib.loads((EXERCISES / ex_id / "exercise.toml").read_text(encoding="utf-8"))


def module_name(ex_id: str) -> str:
    return toml(ex_id)["module"]


def student_file(ex_id: str) -> Path:
    return EXERCISES / ex_id / f"{module_name(ex_id)}.py"


def wheat_file(ex_id: str) -> Path:
    return SOLUTIONS / ex_id / f"{module_name(ex_id)}.py"


def chaff_files(ex_id: str) -> list[Path]:
    return sorted((SOLUTIONS / ex_id / "chaffs").glob("*.py")) + sorted((EXERCISES / ex_id / "chaffs").glob("*.py"))


_counter = itertools.count()


def load_module(path: Path) -> ModuleType:
    """Import a file as a fresh module with a unique name (never the one in sys.modules)."""
    spec = importlib.util.spec_from_file_location(f"_meta_{next(_counter)}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------
# One nested pytest session per exercise: every test runs once per variant (wheat, each chaff).


@dataclass
class Suite:
    """The outcomes of one variant: nodeid (without the variant) -> passed / failed / skipped."""

    outcomes: dict[str, str] = field(default_factory=dict)

    def in_file(self, path: Path) -> dict[str, str]:
        rel = path.relative_to(REPO).as_posix()
        return {k: v for k, v in self.outcomes.items() if k.split("::")[0] == rel}

    def failed(self, path: Path) -> list[str]:
        return sorted(k for k, v in self.in_file(path).items() if v != "passed")


class _VariantsPlugin:
    """Parametrizes the ``student`` fixture over modules loaded from files; records outcomes per variant."""

    def __init__(self, variants: dict[str, Path]) -> None:
        self.modules = {name: load_module(path) for name, path in variants.items()}
        self.variant_of: dict[str, tuple[str, str]] = {}
        self.suites: dict[str, Suite] = {name: Suite() for name in variants}

    def pytest_generate_tests(self, metafunc: Any) -> None:
        if "student" in metafunc.fixturenames:
            names = list(self.modules)
            metafunc.parametrize("student", names, indirect=True, ids=names)

    @pytest.fixture
    def student(self, request: Any) -> ModuleType:
        return self.modules[request.param]

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        for item in items:
            name = item.callspec.params["student"]
            self.variant_of[item.nodeid] = (name, f"{item.path.relative_to(REPO).as_posix()}::{item.originalname}[{item.callspec.id}]")

    def pytest_runtest_logreport(self, report: Any) -> None:
        name, key = self.variant_of[report.nodeid]
        outcomes = self.suites[name].outcomes
        if (report.when == "call" or report.outcome != "passed") and outcomes.get(key) in (None, "passed"):
            outcomes[key] = report.outcome


def visible_tests(ex_id: str) -> list[Path]:
    return [EXERCISES / ex_id / t for t in toml(ex_id)["stages"]["build"]["tests"]]


def hidden_tests(ex_id: str) -> list[Path]:
    stages = toml(ex_id)["stages"]
    return [SOLUTIONS / ex_id / t for name in ("build", "repair") for t in stages[name].get("hidden_tests", [])]


def template_test(ex_id: str) -> Path:
    return EXERCISES / ex_id / toml(ex_id)["stages"]["repair"]["student_tests"]


def reference_regression(ex_id: str) -> Path:
    return SOLUTIONS / ex_id / "reference_regression_test.py"


@cache
def exercise_suites(ex_id: str) -> dict[str, Suite]:
    """Visible, hidden, template and reference regression tests against the wheat and every chaff."""
    variants = {"wheat": wheat_file(ex_id)} | {f"chaff:{p.relative_to(REPO).as_posix()}": p for p in chaff_files(ex_id)}
    plugin = _VariantsPlugin(variants)
    files = (*visible_tests(ex_id), *hidden_tests(ex_id), template_test(ex_id), reference_regression(ex_id))
    code = pytest.main(
        [
            *(str(p) for p in files),
            "-q", "--tb=no", "--no-header", "-p", "no:cacheprovider", "--noconftest",
            "--import-mode=importlib", "--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml"),
        ],
        plugins=[plugin],
    )
    assert code in (0, 1), f"nested pytest session for {ex_id} ended with exit code {code}"
    return plugin.suites


def wheat_suite(ex_id: str) -> Suite:
    return exercise_suites(ex_id)["wheat"]


def chaff_suite(ex_id: str, chaff: Path) -> Suite:
    return exercise_suites(ex_id)[f"chaff:{chaff.relative_to(REPO).as_posix()}"]


CHAFFS = [pytest.param(ex_id, path, id=f"{ex_id}/{path.stem}") for ex_id in IDS for path in chaff_files(ex_id)]


# --------------------------------------------------------------------------------------------
# exercise.toml agrees with the files present.


def test_the_pilot_exercises_exist() -> None:
    assert {"a1_locked_room", "b1_selection"} <= set(IDS)


@pytest.mark.parametrize("ex_id", IDS)
def test_toml_names_its_folder_and_module(ex_id: str) -> None:
    data = toml(ex_id)
    assert data["id"] == ex_id
    assert data["loop"] in ("A", "B", "C")
    assert student_file(ex_id).is_file()
    assert wheat_file(ex_id).is_file() or not HAVE_SOLUTIONS
    assert f"{data['module']}.py" in data["student_files"]


@pytest.mark.parametrize("ex_id", IDS)
def test_every_student_file_exists(ex_id: str) -> None:
    for rel in toml(ex_id)["student_files"]:
        path = EXERCISES / ex_id / rel
        assert path.is_dir() if rel.endswith("/") else path.is_file(), rel


@pytest.mark.parametrize("ex_id", IDS)
def test_points_sum_to_100_in_the_four_stages(ex_id: str) -> None:
    stages = toml(ex_id)["stages"]
    assert {name: s["points"] for name, s in stages.items()} == STAGE_POINTS
    assert stages["repair"]["lock_points"] <= stages["repair"]["points"]
    for name, items in (("sabotage", ["checks"]), ("reflect", ["fields", "prose"])):
        assert sum(c["points"] for key in items for c in stages[name].get(key, [])) == stages[name]["points"], name


@pytest.mark.parametrize("ex_id", IDS)
def test_test_files_named_in_the_toml_exist(ex_id: str) -> None:
    instructor = [*hidden_tests(ex_id), reference_regression(ex_id)] if HAVE_SOLUTIONS else []
    for path in [*visible_tests(ex_id), template_test(ex_id), *instructor]:
        assert path.is_file(), path
    assert (EXERCISES / ex_id / "tests" / "conftest.py").is_file()
    assert template_test(ex_id).relative_to(EXERCISES / ex_id).as_posix() in toml(ex_id)["student_files"]


@pytest.mark.parametrize("ex_id", IDS)
def test_evidence_paths_point_into_evidence(ex_id: str) -> None:
    stages = toml(ex_id)["stages"]
    paths: list[str] = []
    for check in stages["sabotage"]["checks"]:
        paths += [check[k] for k in ("run", "baseline", "candidate", "file") if k in check] + check.get("runs", [])
    for f in stages["reflect"]["fields"]:
        spec = f.get("equals_json") or f.get("equals_sha256") or {}
        paths += [spec["file"]] if isinstance(spec, dict) and "file" in spec else []
        paths += f.get("equals_manifest_diff", [])
    assert paths and all(p.startswith("evidence/") for p in paths), paths


@needs_solutions
@pytest.mark.parametrize("ex_id", IDS)
def test_at_least_three_hidden_chaffs(ex_id: str) -> None:
    assert len(list((SOLUTIONS / ex_id / "chaffs").glob("*.py"))) >= 3


@needs_solutions
@pytest.mark.parametrize("ex_id", IDS)
def test_answer_key_covers_every_answer_key_field(ex_id: str) -> None:
    keyed = {f["key"] for f in toml(ex_id)["stages"]["reflect"]["fields"] if "answer_key" in f}
    key = tomllib.loads((SOLUTIONS / ex_id / "answers.toml").read_text(encoding="utf-8"))
    assert keyed and keyed == set(key) - {"derived"}
    derived = set(key["derived"])
    assert derived == {f["key"] for f in toml(ex_id)["stages"]["reflect"]["fields"]} - keyed


@pytest.mark.parametrize("ex_id", IDS)
def test_the_engine_loads_the_toml(ex_id: str) -> None:
    exercise = pytest.importorskip("course_core.grading.exercise")
    checks = {c["check"] for c in toml(ex_id)["stages"]["sabotage"]["checks"]}
    missing = checks - set(exercise.EVIDENCE_CHECKS)
    if missing:
        pytest.xfail(f"the engine does not know evidence check(s) {sorted(missing)} yet (docs/exercise_contract.md lists them)")
    loaded = exercise.load_exercise(EXERCISES / ex_id)
    assert loaded.id == ex_id and sum(s.points for s in loaded.stages.values()) == 100


# --------------------------------------------------------------------------------------------
# REFLECT.md templates.


def parse_reflect(text: str) -> tuple[dict[str, str], list[str]]:
    """(answers block as key -> value, the '## ' headings after it)."""
    block = re.search(r"^```answers\n(.*?)^```", text, re.S | re.M)
    assert block, "no ```answers block"
    answers = {}
    for line in block.group(1).splitlines():
        key, sep, value = line.partition(":")
        assert sep, f"not a 'key: value' line: {line!r}"
        answers[key.strip()] = value.strip()
    headings = re.findall(r"^## (\S+)\s*$", text[block.end():], re.M)
    return answers, headings


@pytest.mark.parametrize("ex_id", IDS)
def test_reflect_template_parses_and_matches_the_toml(ex_id: str) -> None:
    answers, headings = parse_reflect((EXERCISES / ex_id / "REFLECT.md").read_text(encoding="utf-8"))
    reflect = toml(ex_id)["stages"]["reflect"]
    assert list(answers) == [f["key"] for f in reflect["fields"]]
    assert all(v == "" for v in answers.values())
    assert headings == [p["key"] for p in reflect["prose"]]


@pytest.mark.parametrize("ex_id", IDS)
def test_reflect_template_parses_with_the_engine(ex_id: str) -> None:
    engine = pytest.importorskip("course_core.grading.reflect")
    parsed = engine.parse((EXERCISES / ex_id / "REFLECT.md").read_text(encoding="utf-8"))
    reflect = toml(ex_id)["stages"]["reflect"]
    assert parsed.answers == {f["key"]: "" for f in reflect["fields"]}
    assert all(parsed.prose.get(p["key"]) == "" for p in reflect["prose"])


# --------------------------------------------------------------------------------------------
# The student files: the id as the spine, stubs that import and point at their tests.


@pytest.mark.parametrize("ex_id", IDS)
def test_stubs_raise_not_implemented_naming_the_exercise_and_test(ex_id: str) -> None:
    module = load_module(student_file(ex_id))
    for name, args in STUB_CALLS[ex_id].items():
        with pytest.raises(NotImplementedError) as info:
            getattr(module, name)(*args)
        message = str(info.value)
        assert message.startswith(f"{ex_id}.build: {name}") and "tests/test_build.py::test_" in message


@needs_solutions
@pytest.mark.parametrize("ex_id", IDS)
def test_stub_signatures_and_docstrings_match_the_wheat(ex_id: str) -> None:
    stub, wheat = load_module(student_file(ex_id)), load_module(wheat_file(ex_id))
    assert set(stub.__all__) == set(wheat.__all__)
    for name in stub.__all__:
        s, w = getattr(stub, name), getattr(wheat, name)
        if callable(s):
            assert inspect.signature(s) == inspect.signature(w), name
            assert s.__doc__ and w.__doc__ and s.__doc__.splitlines()[0] == w.__doc__.splitlines()[0], name
        else:
            assert s == w, name


@pytest.mark.parametrize("ex_id", IDS)
def test_todos_name_the_exercise_and_a_test_that_exists(ex_id: str) -> None:
    source = student_file(ex_id).read_text(encoding="utf-8")
    assert f"# {ex_id}.build — Task 1" in source
    todos = re.findall(r"TODO\(([a-z0-9_]+)\.build\):[^—]*—\s*\n?\s*#?\s*checked by (\S+)::(test_\w+)\*", source)
    assert len(todos) == len(STUB_CALLS[ex_id])
    for todo_id, test_file, prefix in todos:
        assert todo_id == ex_id
        tree = ast.parse((EXERCISES / ex_id / test_file).read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.FunctionDef) and n.name.startswith(prefix) for n in tree.body), prefix
    assert f"TODO({ex_id}.repair)" in template_test(ex_id).read_text(encoding="utf-8")
    assert f"# {ex_id} —" in (EXERCISES / ex_id / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("ex_id", IDS)
def test_every_graded_test_states_its_points(ex_id: str) -> None:
    for path in [*visible_tests(ex_id), *(hidden_tests(ex_id) if HAVE_SOLUTIONS else [])]:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                marks = [ast.unparse(d) for d in node.decorator_list]
                assert any(m.startswith("pytest.mark.points(") for m in marks), f"{path.name}::{node.name}"
                assert "student" in [a.arg for a in node.args.args], f"{path.name}::{node.name} never calls the student's code"


def test_a1_constants_agree_with_the_kit() -> None:
    from course_core.measurement.gate import LOCKED_ROOM_FIELDS
    from course_core.measurement.result_row import MISSING
    from course_core.measurement.scoring import OUTCOMES

    module = load_module(student_file("a1_locked_room"))
    assert module.LOCKED_ROOM_FIELDS == LOCKED_ROOM_FIELDS
    assert set(module.DATA_OUTCOMES) <= set(OUTCOMES) | {MISSING}


def test_b1_sabotage_function_is_random_among_the_best_only() -> None:
    module = load_module(student_file("b1_selection"))
    samples = [{"index": i, "completion": "Final: 7", "sum_logprob": -1.0, "reward": float(i % 2)} for i in range(8)]
    picks = {module.pick_best_random_tiebreak(samples) for _ in range(200)}
    assert picks <= {1, 3, 5, 7} and len(picks) > 1
    assert len({module.pick_best_random_tiebreak(samples, rng_seed=5) for _ in range(20)}) == 1


# --------------------------------------------------------------------------------------------
# Wheat, chaffs, and the reference regression test.


@pytest.mark.slow
@needs_solutions
@pytest.mark.parametrize("ex_id", IDS)
def test_wheat_passes_visible_hidden_and_regression_tests(ex_id: str) -> None:
    suite = wheat_suite(ex_id)
    for path in (*visible_tests(ex_id), *hidden_tests(ex_id), template_test(ex_id), reference_regression(ex_id)):
        assert suite.in_file(path), f"no tests ran from {path}"
        assert suite.failed(path) == [], path


@pytest.mark.slow
@needs_solutions
@pytest.mark.parametrize(("ex_id", "chaff"), CHAFFS)
def test_chaff_fails_a_hidden_test_and_the_reference_regression_test(ex_id: str, chaff: Path) -> None:
    suite = chaff_suite(ex_id, chaff)
    assert any(suite.failed(p) for p in hidden_tests(ex_id)), f"no hidden test catches {chaff.name}"
    assert suite.failed(reference_regression(ex_id)), f"reference_regression_test.py does not catch {chaff.name}"


@pytest.mark.slow
@needs_solutions
@pytest.mark.parametrize(("ex_id", "chaff"), CHAFFS)
def test_untouched_regression_template_catches_no_chaff(ex_id: str, chaff: Path) -> None:
    """A fresh copy earns no lock points: the template's example test passes on every chaff."""
    suite = chaff_suite(ex_id, chaff)
    assert suite.in_file(template_test(ex_id)) and suite.failed(template_test(ex_id)) == []


@pytest.mark.parametrize(("ex_id", "chaff"), CHAFFS)
def test_chaff_names_its_mistake(ex_id: str, chaff: Path) -> None:
    doc = ast.get_docstring(ast.parse(chaff.read_text(encoding="utf-8")))
    assert doc and ("Mistake" in doc or "mistake" in doc), chaff.name
    assert re.fullmatch(r"[a-z][a-z0-9_]+", chaff.stem)


# --------------------------------------------------------------------------------------------
# The stubs as a student first meets them, through the real conftest (once the harness exists).


@pytest.mark.slow
def test_all_exercise_tests_collect_together_and_fail_on_the_stubs() -> None:
    """``python -m pytest exercises`` as a student types it: no collection error, every test fails on a stub."""
    if not (REPO / "course_core" / "grading" / "harness.py").is_file():
        pytest.skip("course_core/grading/harness.py (the student fixture) is not there yet")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises", "-q", "--tb=line", "-p", "no:cacheprovider"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # tests failed; 2 would be a collection error
    summary = proc.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ failed in .*", summary), summary
    assert "NotImplementedError" in proc.stdout
    for ex_id in IDS:
        assert f"exercises/{ex_id}/tests/test_build.py" in proc.stdout


# --------------------------------------------------------------------------------------------
# The numbers the READMEs promise.


@needs_solutions
def test_a1_readme_figures_match_the_data(tmp_path: Path) -> None:
    from course_core.measurement.evaluate import run_eval

    dataset = REPO / "data" / "datasets" / "math_dev.jsonl"
    first = json.loads(dataset.read_text(encoding="utf-8").splitlines()[0])
    assert (first["id"], first["expected_answer"]) == ("dev-0001", 1655)
    frozen = json.loads((REPO / "data" / "rollouts" / "frozen_rollouts_dev.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (frozen["id"], frozen["completion"]) == ("dev-0001", "Final: 1654")
    modified = tmp_path / "math_dev_modified.jsonl"
    modified.write_text(dataset.read_text(encoding="utf-8").replace('"expected_answer": 1655,', '"expected_answer": 1654,', 1), encoding="utf-8")
    completions = REPO / "data" / "rollouts" / "frozen_rollouts_dev.jsonl"
    clean = run_eval(dataset, completions, tmp_path / "clean", command=["test"]).summary
    changed = run_eval(modified, completions, tmp_path / "modified", command=["test"]).summary
    readme = (EXERCISES / "a1_locked_room" / "README.md").read_text(encoding="utf-8")
    assert f"{clean['passed']}/{clean['n']} = {clean['pass_rate']:.3f}" in readme
    assert f"{changed['passed']}/{changed['n']} = {changed['pass_rate']:.3f}" in readme
    wheat = load_module(wheat_file("a1_locked_room"))
    classes: dict[str, int] = {}
    for line in (tmp_path / "clean" / "results.jsonl").read_text(encoding="utf-8").splitlines():
        c = wheat.classify(json.loads(line)["outcome"])
        classes[c] = classes.get(c, 0) + 1
    counter = ", ".join(f"'{k}': {v}" for k, v in sorted(classes.items(), key=lambda kv: -kv[1]))
    assert f"Counter({{{counter}}})" in readme
    key = tomllib.loads((SOLUTIONS / "a1_locked_room" / "answers.toml").read_text(encoding="utf-8"))["derived"]
    manifest = json.loads((tmp_path / "clean" / "manifest.json").read_text(encoding="utf-8"))
    assert key["baseline_pass_rate"]["reference"] == clean["pass_rate"]
    assert key["candidate_pass_rate"]["reference"] == changed["pass_rate"]
    assert key["clean_dataset_fingerprint"]["reference"] == manifest["dataset_fingerprint"]


@pytest.mark.slow
@needs_solutions
def test_b1_runner_end_to_end_and_readme_figures(tmp_path: Path) -> None:
    """run_selection.py as a student types it, with the wheat installed as selection.py in a copy."""
    folder = tmp_path / "exercises" / "b1_selection"
    folder.mkdir(parents=True)
    shutil.copy(EXERCISES / "b1_selection" / "run_selection.py", folder)
    shutil.copy(wheat_file("b1_selection"), folder / "selection.py")
    env = {"PYTHONPATH": str(REPO), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> Path:
        outdir = tmp_path / "runs" / args[-1]
        cmd = [sys.executable, str(folder / "run_selection.py"), *args[:-1], "--outdir", str(outdir)]
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return outdir

    det_1, det_2 = run("--n", "4", "det_1"), run("--n", "4", "det_2")
    sab = run("--sabotage", "--n", "4", "sab")
    assert (det_1 / "results.jsonl").read_bytes() == (det_2 / "results.jsonl").read_bytes()
    summary = json.loads((det_1 / "summary.json").read_text(encoding="utf-8"))
    readme = (EXERCISES / "b1_selection" / "README.md").read_text(encoding="utf-8")
    assert f"pass@1 {summary['pass_at_1']:.3f} → pass@4 {summary['pass_at_n']:.3f}" in readme
    assert f"({summary['passed']}/{summary['n']} items)" in readme
    key = tomllib.loads((SOLUTIONS / "b1_selection" / "answers.toml").read_text(encoding="utf-8"))["derived"]
    assert (key["pass_at_1"]["reference"], key["pass_at_4"]["reference"]) == (summary["pass_at_1"], summary["pass_at_n"])
    selectors = [json.loads((d / "manifest.json").read_text(encoding="utf-8"))["sampling_config"]["selector"] for d in (det_1, sab)]
    assert selectors == ["custom:selection.pick_best", "custom:selection.pick_best_random_tiebreak"]
    assert json.loads((sab / "summary.json").read_text(encoding="utf-8"))["pass_at_n"] == summary["pass_at_n"]

    from course_core.selection.best_of_n import run_selection

    kit = run_selection(REPO / "data/datasets/math_dev.jsonl", REPO / "data/rollouts/selection_pack_dev.jsonl", tmp_path / "kit", 4, command=["test"])
    assert (kit.outdir / "results.jsonl").read_bytes() == (det_1 / "results.jsonl").read_bytes()


def test_b1_runner_on_the_stub_is_a_clear_user_error() -> None:
    proc = subprocess.run(
        [sys.executable, "exercises/b1_selection/run_selection.py", "--n", "4", "--outdir", "runs/_meta_never_written"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "not implemented yet" in proc.stderr and "exercises/b1_selection/selection.py" in proc.stderr
    assert not (REPO / "runs" / "_meta_never_written").exists()
