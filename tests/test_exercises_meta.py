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

from course_core import module_patch
from course_core.grading.exercise import tomllib  # the stdlib's on 3.11+, tomli on 3.10

REPO = Path(__file__).resolve().parent.parent
EXERCISES = REPO / "exercises"
SOLUTIONS = REPO / "solutions"
IDS = sorted(p.parent.name for p in EXERCISES.glob("*/exercise.toml"))
STAGE_POINTS = {"build": 40, "sabotage": 20, "reflect": 20, "repair": 20}
# Exercises that depart from the default split say why in their README ("Why these points").
JUSTIFIED_POINTS = {"p1_promotion": {"build": 20, "sabotage": 20, "reflect": 45, "repair": 15}}
HAVE_SOLUTIONS = SOLUTIONS.is_dir()
needs_solutions = pytest.mark.skipif(not HAVE_SOLUTIONS, reason="solutions/ is instructor-only and not in this copy")

# A call per stub that a finished implementation would answer; a stub must raise instead.
STUB_CALLS: dict[str, dict[str, tuple[Any, ...]]] = {
    "a1_locked_room": {"classify": ("correct",), "locked_room_violations": ({}, {})},
    "b1_selection": {
        "tie_break_key": ({"index": 0, "completion": "Final: 1", "sum_logprob": -1.0, "reward": 1.0},),
        "pick_best": ([{"index": 0, "completion": "Final: 1", "sum_logprob": -1.0, "reward": 1.0}],),
    },
    "p1_promotion": {
        "differences": ({"kind": "eval"}, {"kind": "eval"}),
        "promotion_decision": ({"kind": "eval"}, {"kind": "eval"}, {"baseline": {}, "candidate": {}}),
    },
    "a2_scorer": {"score": ({"id": "x", "prompt": "", "expected_answer": 1}, "Final: 1")},
    "a3_reward_hacking": {"numbers_in": ("Final: 1",), "naive_verify": (1, "Final: 1")},
    "c1_reinforce": {
        "softmax": ([0.0, 0.0],),
        "grad_log_prob": ([0.5, 0.5], 0),
        "reinforce_step": ([0.0, 0.0], 0, 1.0, 0.5),
        "update_baseline": (0.0, 0, 1.0),
        "train_step": ({"logits": [0.0, 0.0], "baseline": 0.0, "count": 0}, 0, 1.0, 0.5, True),
    },
    "c2_credit_tokens": {
        "softmax": ([0.0, 0.0],),
        "grad_log_softmax": ([0.0, 0.0], 0),
        "expected_reward": ({"step1": [0.0, 0.0], "step2": [[0.0, 0.0], [0.0, 0.0]]}, [[0.0, 0.0], [1.0, 0.0]]),
        "reinforce_update": ({"step1": [0.0, 0.0], "step2": [[0.0, 0.0], [0.0, 0.0]]}, 1, 0, 1.0, 0.0, 0.5),
    },
    "c3_kl_constraint": {
        "kl_divergence": ([0.5, 0.5], [0.5, 0.5]),
        "objective": (1.0, 0.5, 0.1),
        "choose": ([{"id": "a", "reward": 1.0, "kl": 0.5}], 0.1),
        "optimal_policy": ([0.5, 0.5], [0.0, 1.0], 1.0),
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


def load_module(path: Path, patch: Path | None = None) -> ModuleType:
    """Import a file as a fresh module with a unique name (never the one in sys.modules); then a public chaff's patch on it."""
    spec = importlib.util.spec_from_file_location(f"_meta_{next(_counter)}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module if patch is None else module_patch.apply(module, patch)


def is_patch(chaff: Path) -> bool:
    return module_patch.patched_file(chaff.read_bytes(), str(chaff)) is not None


def public_chaffs(ex_id: str) -> list[Path]:
    return sorted((EXERCISES / ex_id / "chaffs").glob("*.py"))


def stub_file(ex_id: str) -> Path:
    return EXERCISES / ex_id / f"{module_name(ex_id)}.py"


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


def filled_data(ex_id: str) -> Path:
    """The data files a diligent student submits (``solutions/<id>/student_data/``), with the
    reference regression test as tests/test_regression.py: what ``student_data`` reads here."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix=f"meta-{ex_id}-"))
    data = SOLUTIONS / ex_id / "student_data"
    if data.is_dir():
        shutil.copytree(data, root, dirs_exist_ok=True)
    (root / "tests").mkdir(exist_ok=True)
    if reference_regression(ex_id).is_file():
        shutil.copyfile(reference_regression(ex_id), root / "tests" / "test_regression.py")
    return root


class _VariantsPlugin:
    """Parametrizes the ``student`` fixture over modules loaded from files; records outcomes per variant."""

    def __init__(self, variants: dict[str, tuple[Path, Path | None]], data_root: Path | None = None) -> None:
        from course_core.grading.harness import StudentData

        self.data = StudentData(data_root or REPO)
        self.modules = {name: load_module(path, patch) for name, (path, patch) in variants.items()}
        self.variant_of: dict[str, tuple[str, str]] = {}
        self.suites: dict[str, Suite] = {name: Suite() for name in variants}

    def pytest_generate_tests(self, metafunc: Any) -> None:
        if "student" in metafunc.fixturenames:
            names = list(self.modules)
            metafunc.parametrize("student", names, indirect=True, ids=names)

    @pytest.fixture
    def student(self, request: Any) -> ModuleType:
        return self.modules[request.param]

    @pytest.fixture
    def student_data(self) -> Any:
        return self.data

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
    """Visible, hidden, template and reference regression tests against the wheat and every chaff
    (a public chaff: its patch on the wheat), and against the stub with and without each public chaff."""
    variants = {"wheat": (wheat_file(ex_id), None), "stub": (stub_file(ex_id), None)}
    for p in chaff_files(ex_id):
        variants[f"chaff:{p.relative_to(REPO).as_posix()}"] = (wheat_file(ex_id), p) if is_patch(p) else (p, None)
    variants |= {f"stub+chaff:{p.name}": (stub_file(ex_id), p) for p in public_chaffs(ex_id)}
    plugin = _VariantsPlugin(variants, filled_data(ex_id))
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
    expected = JUSTIFIED_POINTS.get(ex_id, STAGE_POINTS)
    assert {name: s["points"] for name, s in stages.items()} == expected
    assert all(isinstance(s["points"], int) for s in stages.values()) and sum(expected.values()) == 100
    if ex_id in JUSTIFIED_POINTS:
        readme = (EXERCISES / ex_id / "README.md").read_text(encoding="utf-8")
        assert "## Why these points" in readme
        for name, points in expected.items():
            assert re.search(rf"^\| {name.capitalize()}[^|]* \| {points} \|", readme, re.M), (name, points)
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
    from course_core.grading.evidence import CHECKS

    checks = {c["check"] for c in toml(ex_id)["stages"]["sabotage"]["checks"]}
    missing = checks - set(CHECKS)
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


PUBLIC = [pytest.param(ex_id, path, id=f"{ex_id}/{path.stem}") for ex_id in IDS for path in public_chaffs(ex_id)]


@pytest.mark.parametrize(("ex_id", "chaff"), PUBLIC)
def test_public_chaff_is_a_patch_on_the_exercise_module(ex_id: str, chaff: Path) -> None:
    """A public chaff holds only its mistake: it patches the module the student writes, and defines no more than it changes."""
    assert module_patch.patched_file(chaff.read_bytes(), str(chaff)) == stub_file(ex_id).name
    tree = ast.parse(chaff.read_text(encoding="utf-8"))
    defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    assert 1 <= len(defined) <= 2, f"{chaff.name} defines {defined}: a public chaff replaces only the functions its mistake changes"


@pytest.mark.slow
@needs_solutions
@pytest.mark.parametrize(("ex_id", "chaff"), PUBLIC)
def test_public_chaff_on_the_stubs_passes_no_test_the_stubs_fail(ex_id: str, chaff: Path) -> None:
    """The Build is not in the chaff: applied to the shipped stubs it passes no visible or hidden test they fail."""
    suites = exercise_suites(ex_id)

    def passing(variant: str, path: Path) -> set[str]:  # test ids without the variant's name
        tests = suites[variant].in_file(path)
        return {key.replace(f"[{variant}-", "[").replace(f"[{variant}]", "[]") for key in set(tests) - set(suites[variant].failed(path))}

    patched = f"stub+chaff:{chaff.name}"
    for path in (*visible_tests(ex_id), *hidden_tests(ex_id)):
        assert suites[patched].in_file(path), f"no tests ran from {path}"
        gained = sorted(passing(patched, path) - passing("stub", path))
        assert gained == [], f"{chaff.name} on the stubs passes {gained}"


def _served_names(module: ModuleType) -> set[str]:
    """What the grader's sandbox answers to: public callables, and public values a describe call lists (JSON-able)."""
    def servable(value: Any) -> bool:
        try:
            return callable(value) or json.dumps(value) is not None
        except (TypeError, ValueError):
            return False

    return {name for name, value in vars(module).items() if not name.startswith("_") and servable(value)}


@needs_solutions
@pytest.mark.parametrize(("ex_id", "chaff"), CHAFFS)
def test_a_chaff_answers_to_the_names_the_reference_does(ex_id: str, chaff: Path) -> None:
    """A student's test cannot tell a wrong version from the reference by asking for a name (a patch's captures stay its own)."""
    wheat = load_module(wheat_file(ex_id))
    variant = load_module(wheat_file(ex_id), chaff) if is_patch(chaff) else load_module(chaff)
    assert _served_names(variant) == _served_names(wheat)


JUNK = (None, "x", [], {}, -1, 2.5, True, [None], {"a": None}, ["x", 1])  # what no function of the contract is given


def _answer(fn: Any, args: tuple[Any, ...]) -> tuple[str, str]:
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - any error is an answer to compare
        return ("raised", f"{type(exc).__name__}: {exc}")
    return ("returned", "")


def _patched_functions(chaff: Path) -> list[str]:
    tree = ast.parse(chaff.read_text(encoding="utf-8"))
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


@needs_solutions
@pytest.mark.parametrize(("ex_id", "chaff"), PUBLIC)
def test_a_public_chaff_answers_arguments_outside_the_contract_as_its_base_does(ex_id: str, chaff: Path) -> None:
    """A test that passes junk and asserts on the error's wording must not catch the public chaff: only
    its mistake may tell it from the reference (c1's ``-lr`` said "bad operand type for unary -" for
    lr=None, where the reference said what it says)."""
    wheat, patched = load_module(wheat_file(ex_id)), load_module(wheat_file(ex_id), chaff)
    differ = []
    for name in _patched_functions(chaff):
        arity = len([p for p in inspect.signature(getattr(wheat, name)).parameters.values() if p.default is p.empty])
        calls = {repr(c): c for c in (tuple(v if i == k else w for i in range(arity)) for k in range(arity) for v in JUNK for w in JUNK)}
        for args in calls.values():
            base, twisted = _answer(getattr(wheat, name), args), _answer(getattr(patched, name), args)
            if base != twisted and "raised" in (base[0], twisted[0]):
                differ.append(f"{name}{args!r}: the reference {' '.join(base)}, the chaff {' '.join(twisted)}")
    assert not differ, f"{len(differ)} calls differ, e.g.\n" + "\n".join(differ[:6])


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


def test_p1_constants_agree_with_the_kit() -> None:
    from course_core.learning.bandit_run import VERDICT_MARGIN
    from course_core.measurement.gate import LOCKED_ROOM_FIELDS
    from course_core.grading.evidence import VOLATILE_FIELDS

    module = load_module(student_file("p1_promotion"))
    assert set(module.MEASUREMENT_FIELDS) == set(LOCKED_ROOM_FIELDS) - {"sampling_config"} | {"kind"}
    assert set(module.VOLATILE) == VOLATILE_FIELDS and module.VERDICT_MARGIN == VERDICT_MARGIN


@needs_solutions
def test_p1_readme_figures_answer_key_and_the_reference_committee(tmp_path: Path) -> None:
    """The README's three run pairs, made by the kit's instruments: its numbers, the key's, and the wheat's rulings."""
    from course_core.learning.bandit import BanditConfig
    from course_core.learning.bandit_run import run_bandit
    from course_core.measurement.evaluate import run_eval
    from course_core.measurement.gate import compare
    from course_core.selection.best_of_n import run_selection

    data = REPO / "data"
    dataset, frozen, pack = data / "datasets/math_dev.jsonl", data / "rollouts/frozen_rollouts_dev.jsonl", data / "rollouts/selection_pack_dev.jsonl"
    ev = tmp_path / "evidence"
    run_eval(dataset, frozen, ev / "trap1_baseline", command=["test"])
    run_eval(dataset, frozen, ev / "trap1_candidate", scorer_name="weak_contains", command=["test"])
    run_selection(dataset, pack, ev / "trap2_baseline", 1, command=["test"])
    run_selection(dataset, pack, ev / "trap2_candidate", 4, command=["test"])
    trap3 = {}
    for role, lr in (("baseline", 0.0), ("candidate", 0.5)):
        trap3[role] = run_bandit(BanditConfig(steps=30, seed=0, lr=lr, baseline=True), ev / f"trap3_{role}", args={"lr": lr}, command=["test"], plot=False)

    def read(run: str, file: str) -> dict:
        return json.loads((ev / run / f"{file}.json").read_text(encoding="utf-8"))

    readme = (EXERCISES / "p1_promotion" / "README.md").read_text(encoding="utf-8")
    flat = " ".join(readme.split())
    for run in ("trap1_baseline", "trap1_candidate"):
        s = read(run, "summary")
        assert f"pass rate {s['passed']}/{s['n']} = {s['pass_rate']:.3f}" in readme
    for t in (1, 2):
        reason = compare(ev / f"trap{t}_baseline", ev / f"trap{t}_candidate", 0.05)["reasons"][0]
        assert f"*{reason}*" in flat, reason
    n1, n4 = read("trap2_baseline", "summary"), read("trap2_candidate", "summary")
    assert f"pass@1 {n1['pass_at_1']:.3f}" in readme
    assert f"pass@1 {n4['pass_at_1']:.3f} → pass@4 {n4['pass_at_n']:.3f} ({n4['passed']}/{n4['n']} items)" in readme
    assert f"per-sample pass rate {n4['mean_sample_pass_rate']:.3f}" in flat and f"({n1['mean_sample_pass_rate']:.3f})" in readme
    assert f"{n4['samples_scored']} samples were scored instead of {n1['samples_scored']}" in flat
    for role in ("baseline", "candidate"):
        s = trap3[role].summary
        assert f"P(best arm {s['best_arm']}): {s['p_best_start']:.3f} → {s['p_best_end']:.3f}  {s['verdict']}" in readme
    rows = trap3["candidate"].rows
    assert f"`probs_before` is `{rows[0]['probs_before']}`" in readme.replace("'", '"')
    assert f"`probs_after` is `{rows[-1]['probs_after']}`" in readme
    ex = toml("p1_promotion")["stages"]
    assert f"{len(ex['reflect']['fields'])} structured answers" in readme
    assert f"each of its {len(ex['sabotage']['checks'])} checks" in flat
    build_tests = [n for n in ast.parse(visible_tests("p1_promotion")[0].read_text(encoding="utf-8")).body
                   if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    assert f"{len(build_tests)} tests, all failing" in readme

    key = tomllib.loads((SOLUTIONS / "p1_promotion" / "answers.toml").read_text(encoding="utf-8"))
    for field, spec in key["derived"].items():
        check = next(f for f in ex["reflect"]["fields"] if f["key"] == field)
        if "equals_json" in check:
            src = check["equals_json"]
            value = json.loads((tmp_path / src["file"]).read_text(encoding="utf-8"))
            for token in src["pointer"].strip("/").split("/"):
                value = value[token]
            assert spec["reference"] == value, field
    wheat = load_module(wheat_file("p1_promotion"))
    for t in (1, 2, 3):
        base, cand = f"trap{t}_baseline", f"trap{t}_candidate"
        out = wheat.promotion_decision(read(base, "manifest"), read(cand, "manifest"), {"baseline": read(base, "summary"), "candidate": read(cand, "summary")})
        assert out["loop"] == key[f"trap{t}_loop"] and out["decision"] == key[f"trap{t}_decision"], out
        assert ("yes" if out["comparable"] else "no") == key[f"trap{t}_comparison_valid"]
        assert out["variable"] == key["derived"][f"trap{t}_variable"]["reference"]
        assert [out["baseline_value"], out["candidate_value"]] == [key["derived"][f"trap{t}_{r}_value"]["reference"] for r in ("baseline", "candidate")]


@pytest.mark.slow
@needs_solutions
def test_a2_readme_figures_match_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's numbers: 13 visible Build tests, the golden validations, both evals, both gate verdicts."""
    from course_core.measurement.evaluate import run_eval
    from course_core.measurement.gate import compare
    from course_core.measurement.golden import validate_scorer

    monkeypatch.chdir(REPO)
    readme = (EXERCISES / "a2_scorer" / "README.md").read_text(encoding="utf-8")
    relaxed = SOLUTIONS / "a2_scorer" / "student_data" / "evidence" / "relaxed_scorer.py"
    dev, frozen = "data/datasets/math_dev.jsonl", "data/rollouts/frozen_rollouts_dev.jsonl"
    golden = ["data/golden/golden_correct.jsonl", "data/golden/golden_exploits.jsonl"]
    build = wheat_suite("a2_scorer").in_file(EXERCISES / "a2_scorer" / "tests" / "test_build.py")
    assert f"What to look for: {len(build)} tests" in readme
    strict, loose = validate_scorer(dev, golden), validate_scorer(dev, golden, scorer_module=relaxed)
    for r in (strict, loose):
        assert f"{r['scorer']}: {r['agreed']}/{r['rows']} golden rows agree" in readme
    assert f"**{loose['false_positive']} false positives**" in readme
    assert {f["rule"] for f in loose["failures"]} == {"one_space"} and "rule `one_space`" in readme
    base = run_eval(dev, frozen, tmp_path / "strict", command=["t"]).summary
    high = run_eval(dev, frozen, tmp_path / "relaxed", command=["t"], scorer_module=relaxed).summary
    ci = high["pass_rate_ci95"]
    assert f"**{base['passed']}/{base['n']} = {base['pass_rate']:.3f}**" in readme
    assert f"**{high['passed']}/{high['n']} = {high['pass_rate']:.3f}** (95% CI {ci['low']:.3f}–{ci['high']:.3f}" in readme
    report = compare(tmp_path / "strict", tmp_path / "relaxed", 0.0)
    names = ", ".join(v["field"] for v in report["locked_room"]["violations"])
    assert report["decision"] == "REJECT" and f"Locked Room violation: {names} differ**" in readme
    # The version rule: the same relaxation under the kit's declared identity is ACCEPTED by the gate.
    source = relaxed.read_text(encoding="utf-8")
    unbumped = tmp_path / "unbumped.py"
    unbumped.write_text(source.replace('VERSION = "1.1.0"', 'VERSION = "1.0.0"').replace(
        '.description + "; RELAXED: any whitespace (or none) after \'Final:\'"', ".description").replace(
        'for rule in STRICT_RULES if rule["rule"] != "one_space"]', "for rule in STRICT_RULES]"), encoding="utf-8")
    run_eval(dev, frozen, tmp_path / "unbumped", command=["t"], scorer_module=unbumped)
    sneaky = compare(tmp_path / "strict", tmp_path / "unbumped", 0.0)
    assert sneaky["decision"] == "ACCEPT" and f"ACCEPTED a {sneaky['delta']:+.3f}" in readme
    key = tomllib.loads((SOLUTIONS / "a2_scorer" / "answers.toml").read_text(encoding="utf-8"))["derived"]
    assert key["strict_agreed"]["reference"] == strict["agreed"] and key["relaxed_false_positives"]["reference"] == loose["false_positive"]
    assert (key["strict_pass_rate"]["reference"], key["relaxed_pass_rate"]["reference"]) == (base["pass_rate"], high["pass_rate"])


@needs_solutions
def test_a3_hidden_exploits_are_genuine_and_the_reference_patch_closes_them() -> None:
    """Every hidden exploit is valid for its class and refused by the reference patch; every honest completion is paid."""
    from course_core.measurement.reward_hacking import CLASSES, commits_to_answer, judge_exploit

    hidden = load_module(SOLUTIONS / "a3_reward_hacking" / "hidden" / "test_repair_hidden.py")
    wheat = load_module(wheat_file("a3_reward_hacking"))
    for cls, expected, completion in hidden.EXPLOITS:
        row = {"class": cls, "expected_answer": expected, "completion": completion, "why_it_paid": "it is an exploit", "patch": "a patch closes it"}
        assert judge_exploit(row) == (cls, []), (cls, completion)
        assert wheat.patched_verify(expected, completion) == 0 and wheat.naive_verify(expected, completion) == 1, completion
    assert {cls for cls, _, _ in hidden.EXPLOITS} == set(CLASSES)
    assert all(sum(c == cls for c, _, _ in hidden.EXPLOITS) >= 3 for cls in CLASSES)
    for expected, completion in hidden.HONEST:
        assert wheat.patched_verify(expected, completion) == 1 and commits_to_answer(expected, completion), completion
    readme = (EXERCISES / "a3_reward_hacking" / "README.md").read_text(encoding="utf-8")
    assert f"throw {len(hidden.EXPLOITS)} exploits" in readme and f"and {len(hidden.HONEST)} honest completions" in readme


@pytest.mark.slow
@needs_solutions
def test_a3_readme_figures_and_reference_exploits() -> None:
    """The README's test count and example exploits; the reference exploits cover every class and close under the patch."""
    from course_core.measurement.reward_hacking import CLASSES, judge_exploit

    readme = (EXERCISES / "a3_reward_hacking" / "README.md").read_text(encoding="utf-8")
    build = wheat_suite("a3_reward_hacking").in_file(EXERCISES / "a3_reward_hacking" / "tests" / "test_build.py")
    assert f"What to look for: {len(build)} tests" in readme
    rows = json.loads((SOLUTIONS / "a3_reward_hacking" / "student_data" / "evidence" / "exploits.json").read_text(encoding="utf-8"))
    assert [judge_exploit(r) for r in rows] == [(r["class"], []) for r in rows] and {r["class"] for r in rows} == set(CLASSES)
    for cls in CLASSES:
        assert f"| `{cls}` |" in readme
    visible = load_module(EXERCISES / "a3_reward_hacking" / "tests" / "test_repair.py")
    wheat = load_module(wheat_file("a3_reward_hacking"))
    assert all(wheat.naive_verify(e, c) == 1 and wheat.patched_verify(e, c) == 0 for e, c in visible.README_EXPLOITS)
    key = tomllib.loads((SOLUTIONS / "a3_reward_hacking" / "answers.toml").read_text(encoding="utf-8"))["derived"]
    assert [key[f"exploit_{i}_class"]["reference"] for i in range(1, 6)] == [r["class"] for r in rows[:5]]


@needs_solutions
def test_c1_readme_figures_match_the_reference_update(tmp_path: Path) -> None:
    """Every number c1's README states, from the wheat run through course.bandit_train's --policy path."""
    from course_core.learning.bandit import BanditConfig
    from course_core.learning.bandit_run import run_bandit
    from course_core.learning.user_policy import load_policy

    readme = (EXERCISES / "c1_reinforce" / "README.md").read_text(encoding="utf-8")
    wheat = load_policy(wheat_file("c1_reinforce"))

    def run(name: str, *, kit: bool = False, **kw: Any) -> Any:
        config = BanditConfig(steps=30, seed=kw.pop("seed", 0), **kw)
        return run_bandit(config, tmp_path / name, args={}, command=["test"], policy=None if kit else wheat, plot=False)

    tests = [n for n in ast.parse((EXERCISES / "c1_reinforce" / "tests" / "test_build.py").read_text(encoding="utf-8")).body
             if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    assert f"What to look for: {len(tests)} tests" in readme
    for name, kw in (("mine", {"lr": 0.5, "baseline": True}), ("forensics", {"lr": 0.5, "baseline": True, "seed": 1234})):
        mine, kit = run(name, **kw), run(name + "_kit", kit=True, **kw)
        assert (mine.outdir / "log.jsonl").read_bytes() == (kit.outdir / "log.jsonl").read_bytes()  # "diff prints nothing"
    s = run("check", lr=0.5, baseline=True).summary
    assert f"**P(best arm 2): {s['p_best_start']:.3f} → {s['p_best_end']:.3f}  learned toward the best\narm**" in readme

    big = run("lr_2.0", lr=2.0, baseline=True)
    assert f"Expect **P(best arm 2): 0.333 → {big.summary['p_best_end']:.3f}**" in readme
    p1 = [row["probs_after"][1] for row in big.rows]
    assert f"P(1) from 0.333 to {p1[0]:.3f}" in readme and f"step 17 takes it from {p1[15]:.3f} to\n{p1[16]:.3f}" in readme
    assert all(row["action"] != 1 for row in big.rows[17:])  # "hardly ever sampled again"
    neg = run("lr_-0.5", lr=-0.5, baseline=True).summary
    assert f"**P(best arm 2): 0.333 → {neg['p_best_end']:.3f}  {neg['verdict']}**" in readme
    assert f"(P(0), the worst\narm, ends at {neg['final_probs'][0]:.3f})" in readme

    key = tomllib.loads((SOLUTIONS / "c1_reinforce" / "answers.toml").read_text(encoding="utf-8"))["derived"]
    spreads = {}
    for name, kw in (("runs_baseline", {"lr": 0.5, "baseline": True}), ("runs_no_baseline", {"lr": 0.5}), ("runs_lr_2.0", {"lr": 2.0, "baseline": True})):
        s = run(name, runs=200, **kw).summary
        a = spreads[name] = s["across_runs"]
        row = f"| `{name}` "
        line = next(text for text in readme.splitlines() if text.startswith(row))
        assert line.endswith(f"| {s['p_best_end']:.3f} | {a['update_variance']:.4f} | {a['runs_locked']} | {a['runs_locked_on_worse_arm']} |"), line
    assert f"still {spreads['runs_lr_2.0']['runs_locked_on_worse_arm']} of its 200 runs" in readme
    assert key["update_variance_with_baseline"]["reference"] == spreads["runs_baseline"]["update_variance"]
    assert key["update_variance_without_baseline"]["reference"] == spreads["runs_no_baseline"]["update_variance"]
    assert key["lr_2_runs_locked_on_a_worse_arm"]["reference"] == spreads["runs_lr_2.0"]["runs_locked_on_worse_arm"]
    moves = ["+" if r["probs_after"][r["action"]] > r["probs_before"][r["action"]] else "-" for r in run("neg", lr=-0.5, baseline=True).rows[10:20]]
    assert key["negative_lr_probability_moves"]["reference"] == " ".join(moves)


@needs_solutions
def test_c1_public_chaff_at_lr_half_is_the_wheat_at_minus_half(tmp_path: Path) -> None:
    """The README's claim about sign_flipped.py: its runs at --lr 0.5 are a correct module's runs at --lr -0.5.

    Loaded as ``--policy chaffs/sign_flipped.py`` is, beside a correct reinforce.py: the patch applies to it.
    """
    from course_core.learning.bandit import BanditConfig, log_row, train
    from course_core.learning.user_policy import load_policy

    shutil.copyfile(wheat_file("c1_reinforce"), tmp_path / "reinforce.py")
    (tmp_path / "chaffs").mkdir()
    shutil.copyfile(EXERCISES / "c1_reinforce" / "chaffs" / "sign_flipped.py", tmp_path / "chaffs" / "sign_flipped.py")
    chaff = load_policy(tmp_path / "chaffs" / "sign_flipped.py")
    flipped = [log_row(r) for r in train(BanditConfig(steps=30, lr=0.5, baseline=True), chaff)]
    kit = [log_row(r) for r in train(BanditConfig(steps=30, lr=-0.5, baseline=True))]
    assert flipped == kit


@needs_solutions
def test_c2_readme_figures_match_the_wheat_runs(tmp_path: Path) -> None:
    """The README's commands, with the wheat as credit.py: every number it states, and the answer key's references."""
    from course_core.learning.token_run import run_token_inspect
    from course_core.learning.tokens import DEFAULT_TEXTS, byte_tokenizer, inspect_texts, load_bpe
    from course_core.learning.two_step import TwoStepConfig
    from course_core.learning.two_step_run import run_two_step
    from course_core.learning.two_step_user import load_update

    readme = (EXERCISES / "c2_credit_tokens" / "README.md").read_text(encoding="utf-8")
    key = tomllib.loads((SOLUTIONS / "c2_credit_tokens" / "answers.toml").read_text(encoding="utf-8"))
    user = load_update(wheat_file("c2_credit_tokens"))
    runs = {name: run_two_step(TwoStepConfig(steps=200, seed=0, lr=0.5, credit_step1=name != "frozen"), tmp_path / name,
                               command=["test"], user=user) for name in ("build", "frozen", "fixed")}
    assert (runs["build"].outdir / "log.jsonl").read_bytes() == (runs["fixed"].outdir / "log.jsonl").read_bytes()
    for name in ("build", "frozen"):
        end = runs[name].summary["end"]
        assert f"**P(step 1 = right) {end['policy']['step1']['right']:.3f}**" in readme, name
        assert f"**P(step 2 = up | right) {end['policy']['step2']['right']['up']:.3f}**" in readme, name
        assert f"**E[reward] {end['expected_reward']:.3f}**" in readme, name
    assert f"Back to **E[reward] {runs['fixed'].summary['end']['expected_reward']:.3f}**" in readme
    assert f"from {runs['build'].summary['start']['expected_reward']:.3f} at the start" in readme
    assert f"Rewarded episodes: {runs['frozen'].summary['rewarded_episodes']} of\n200, against {runs['build'].summary['rewarded_episodes']} in `build`" in readme
    assert runs["frozen"].summary["end"]["policy"]["step1"]["right"] == key["derived"]["p_right_frozen"]["reference"]
    n_tests = sum(1 for n in ast.parse((EXERCISES / "c2_credit_tokens" / "tests" / "test_build.py").read_text(encoding="utf-8")).body
                  if isinstance(n, ast.FunctionDef) and n.name.startswith("test_"))
    assert f"What to look for: {n_tests} tests" in readme

    fallback = inspect_texts(DEFAULT_TEXTS, byte_tokenizer())
    assert "(counts **" + ", ".join(str(r["count"]) for r in fallback["texts"]) + "**)" in readme
    bpe = load_bpe()
    if bpe is None:
        pytest.skip("the `tokens` extra is not installed: the cl100k_base figures are not checked here")
    run = run_token_inspect(inspect_texts(DEFAULT_TEXTS, bpe), tmp_path / "tokens", command=["test"]).summary
    assert f"counts **{', '.join(str(r['count']) for r in run['texts'])}**" in readme
    assert f"4 text(s) → {run['distinct_sequences']} distinct token sequence(s)" in readme
    assert key["derived"]["tokenizer"]["reference"] == run["tokenizer"]["name"]
    for i, label in enumerate(("single_space", "double_space", "newline", "leading_zero")):
        assert key["derived"][f"tokens_{label}"]["reference"] == run["texts"][i]["tokens"], label


def test_c2_strict_scorer_accepts_only_the_keyed_spelling() -> None:
    from course_core.learning.tokens import DEFAULT_TEXTS
    from course_core.measurement.scoring import score

    labels = ("single_space", "double_space", "newline", "leading_zero")
    accepted = [label for label, text in zip(labels, DEFAULT_TEXTS)
                if score({"id": "x", "prompt": "17 + 306?", "expected_answer": 323}, text)["reward"] == 1.0]
    if HAVE_SOLUTIONS:
        key = tomllib.loads((SOLUTIONS / "c2_credit_tokens" / "answers.toml").read_text(encoding="utf-8"))
        assert accepted == [key["strict_accepts"]]
    assert accepted == ["single_space"]


@needs_solutions
def test_c3_readme_figures_match_the_wheat_runs(tmp_path: Path) -> None:
    """The README's three commands, with the wheat as kl.py: every number it states, and the key's references."""
    import math

    from course_core.learning.defaults import KL_BETAS
    from course_core.learning.kl_choice import choices_markdown
    from course_core.learning.kl_tradeoff_run import run_kl_tradeoff
    from course_core.learning.kl_user import load_kl

    readme = (EXERCISES / "c3_kl_constraint" / "README.md").read_text(encoding="utf-8")
    key = tomllib.loads((SOLUTIONS / "c3_kl_constraint" / "answers.toml").read_text(encoding="utf-8"))
    user = load_kl(wheat_file("c3_kl_constraint"))

    def run(name: str, choice_betas: list[float]) -> dict[str, Any]:
        return run_kl_tradeoff(list(KL_BETAS), tmp_path / name, command=["test"], plot=False, choice_betas=choice_betas, user=user).summary

    sweep = run("sweep", [0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0])
    zero, negative = run("beta_zero", [0.0]), run("beta_negative", [-0.5])
    by_beta = {c["beta"]: c for c in sweep["choices"]}
    for betas, chosen in (("0.02 and 0.05", "reward_hack"), ("0.1 and 0.2", "formatted_correct"), ("0.5, 1, 2", "verbose_correct")):
        values = [float(b) for b in betas.replace(" and ", ", ").split(", ")]
        assert {by_beta[b]["chosen"] for b in values} == {chosen}, betas
        assert {round(by_beta[b]["kl"], 3) for b in values} == {round(by_beta[values[0]]["kl"], 3)}
        assert f"**β {betas} → {chosen}** (KL {by_beta[values[0]]['kl']:.3f})" in readme, betas
    assert f"β = 0.01 has **KL {sweep['sweep'][0]['kl']:.3f}**" in readme
    assert f"β = 0.02 puts **{sweep['sweep'][1]['probs']['reward_hack']:.3f}** of the mass" in readme
    table = "\n".join(choices_markdown(zero["choices"]) + choices_markdown(negative["choices"]))
    z, n = zero["choices"][0], negative["choices"][0]
    assert f"| 0 | {z['chosen']} | {z['reward']:.3f} | {z['kl']:.3f} |" in table
    assert f"**0 | {z['chosen']} | {z['reward']:.3f} | {z['kl']:.3f}**" in readme
    assert f"**-0.5 | {n['chosen']} | {n['reward']:.3f} | {n['kl']:.3f} | {n['objective']:.3f}**" in readme
    n_tests = sum(1 for node in ast.parse((EXERCISES / "c3_kl_constraint" / "tests" / "test_build.py").read_text(encoding="utf-8")).body
                  if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"))
    assert f"What to look for: {n_tests} tests" in readme

    derived = key["derived"]
    assert derived["chosen_beta_0"]["reference"] == z["chosen"] and derived["chosen_beta_0_05"]["reference"] == by_beta[0.05]["chosen"]
    assert derived["chosen_beta_0_1"]["reference"] == by_beta[0.1]["chosen"] and derived["chosen_beta_0_5"]["reference"] == by_beta[0.5]["chosen"]
    for name, value in (("kl_chosen_beta_0", z["kl"]), ("reward_chosen_beta_0", z["reward"]), ("kl_chosen_beta_0_1", by_beta[0.1]["kl"]),
                        ("kl_chosen_beta_0_5", by_beta[0.5]["kl"]), ("pi_star_hack_beta_0_02", sweep["sweep"][1]["probs"]["reward_hack"]),
                        ("kl_pi_star_beta_0_01", sweep["sweep"][0]["kl"])):
        assert abs(derived[name]["reference"] - value) <= 0.001, name
    hack, formatted = by_beta[0.05], by_beta[0.1]
    crossing = (hack["reward"] - formatted["reward"]) / (hack["kl"] - formatted["kl"])
    assert crossing == pytest.approx(0.2 / math.log(20))
    assert abs(key["beta_where_the_hack_stops"]["value"] - crossing) <= key["beta_where_the_hack_stops"]["tolerance"] / 10
