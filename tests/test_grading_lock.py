"""Lock: the student's regression tests in a sandbox of their own, the module under test in another."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import REPO
from course_core.grading.exercise import load_exercise
from course_core.grading.lock import Variant, judge, run_all, variants
from course_core.grading.sandbox import isolation

TOY = load_exercise(REPO / "tests" / "fixtures" / "ex_toy")
SOLUTIONS = REPO / "tests" / "fixtures" / "solutions" / "ex_toy"
CONFTEST = TOY.folder / "tests" / "conftest.py"
HONEST_TESTS = REPO / "tests" / "adversarial" / "_honest" / "ex_toy" / "tests" / "test_regression.py"


def _tests(tmp_path: Path, source: str, name: str = "test_regression.py") -> Path:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


def _runs(tests: Path, *found: Variant) -> list:
    runs = run_all(TOY, tests, CONFTEST, list(found))
    return [runs[i] for i in range(len(found))]


WHEAT = Variant("wheat", "reference", SOLUTIONS / "toy.py", "hidden")
FLOORS = Variant("chaff", "mean_floors", SOLUTIONS / "chaffs" / "mean_floors.py", "hidden")


def test_variants_are_wheats_then_public_then_hidden_chaffs() -> None:
    found = variants(TOY, None, SOLUTIONS)
    assert [(v.role, v.name, v.visibility) for v in found] == [
        ("wheat", "reference", "hidden"),
        ("chaff", "mean_empty_zero", "visible"),
        ("chaff", "add_subtracts", "hidden"),
        ("chaff", "clip_ignores_upper", "hidden"),
        ("chaff", "mean_floors", "hidden"),
    ]


def test_a_public_chaff_is_its_patch_on_the_reference_or_at_home_on_the_students_module(tmp_path: Path) -> None:
    patch = TOY.folder / "chaffs" / "mean_empty_zero.py"
    staff = next(v for v in variants(TOY, None, SOLUTIONS) if v.name == "mean_empty_zero")
    assert (staff.path, staff.patch, staff.student_code) == (SOLUTIONS / "toy.py", patch, False)
    own = tmp_path / "toy.py"
    own.write_text("def add(a, b):\n    return a + b\n\ndef mean(xs):\n    return sum(xs) / len(xs)\n\ndef clip(x, lo, hi):\n    return min(max(x, lo), hi)\n")
    home = next(v for v in variants(TOY, own, None) if v.name == "mean_empty_zero")
    assert (home.path, home.patch, home.student_code) == (own, patch, True)
    hidden = next(v for v in variants(TOY, own, SOLUTIONS) if v.name == "mean_floors")
    assert (hidden.path, hidden.patch) == (SOLUTIONS / "chaffs" / "mean_floors.py", None)  # a hidden chaff is a whole module


@pytest.mark.slow
def test_at_home_the_public_chaff_runs_on_the_students_module(tmp_path: Path) -> None:
    """Without the instructors' files the lock runs the student's tests on their own module, and on it with the
    public chaff's mistake put in: a function only the student's module has is there in the chaff's run too."""
    own = tmp_path / "toy.py"
    own.write_text("def add(a, b):\n    return a + b\n\ndef mean(xs):\n    return sum(xs) / len(xs)\n\n"
                   "def clip(x, lo, hi):\n    return min(max(x, lo), hi)\n\ndef extra():\n    return 7\n")
    found = variants(TOY, own, None)

    def statuses(source: str) -> dict[str, str]:
        return {c["id"].rsplit(".", 1)[-1]: c["status"] for c in judge(TOY, _tests(tmp_path, source), CONFTEST, found)}

    only_own = "def test_extra(student):\n    assert student.extra() == 7\n"
    assert statuses(only_own) == {"your_module": "passed", "mean_empty_zero": "failed"}  # not caught: extra() ran there too
    catches = only_own + "import pytest\ndef test_empty_mean_is_an_error(student):\n    with pytest.raises(Exception):\n        student.mean([])\n"
    assert statuses(catches) == {"your_module": "passed", "mean_empty_zero": "passed"}
    home = [c for c in judge(TOY, _tests(tmp_path, catches), CONFTEST, found) if c["id"].endswith("mean_empty_zero")]
    assert home[0]["feedback"] == "caught by `test_empty_mean_is_an_error`"  # the student's own module: names are theirs


@pytest.mark.slow
def test_a_public_chaff_that_does_not_apply_is_an_error_not_a_catch(tmp_path: Path) -> None:
    """At home the patch runs on the student's module: one without the function it captures makes every test
    fail there, which must not read as caught."""
    own = tmp_path / "toy.py"
    own.write_text("def add(a, b):\n    return a + b\n\ndef average(xs):\n    return sum(xs) / len(xs)\n\ndef clip(x, lo, hi):\n    return min(max(x, lo), hi)\n")
    tests = _tests(tmp_path, "def test_add(student):\n    assert student.add(1, 2) == 3\n")
    checks = {c["id"].rsplit(".", 1)[-1]: c for c in judge(TOY, tests, CONFTEST, variants(TOY, own, None))}
    assert checks["mean_empty_zero"]["status"] == "error" and checks["mean_empty_zero"]["fraction"] == 0
    assert "chaffs/mean_empty_zero.py could not be applied to your toy.py: NameError: name 'mean' is not defined" in checks["mean_empty_zero"]["feedback"]


@pytest.mark.slow
def test_an_error_reaches_the_suite_without_the_line_it_came_from(tmp_path: Path) -> None:
    """The line a variant raised at is its file's layout, not its behaviour: a suite that reads it could tell
    every chaff (each a file of its own) from the reference without testing anything."""
    tests = _tests(tmp_path, (
        "import pytest\n"
        "def test_the_error_says_what_not_where(student):\n"
        "    with pytest.raises(ValueError) as info:\n"
        "        student.mean([])\n"
        "    assert '(at ' not in str(info.value) and 'toy.py' not in str(info.value), str(info.value)\n"
    ))
    (run,) = _runs(tests, WHEAT)
    assert run.status == "passed", run


@pytest.mark.slow
def test_an_exit_status_the_suite_chose_is_never_shown(tmp_path: Path) -> None:
    """pytest.exit(returncode=N) let a suite write any number (a reference output, encoded) into the report."""
    tests = _tests(tmp_path, "import pytest\ndef test_x(student):\n    pytest.exit('bye', returncode=int(student.mean([3, 5]) * 1000) + 987654321)\n")
    (run,) = _runs(tests, WHEAT)
    assert run.status == "error" and "987658321" not in run.detail and "4000" not in run.detail, run.detail
    assert run.detail == "your test run ended with an error: an exit status pytest does not use"


@pytest.mark.slow
def test_a_suite_run_has_one_wall_clock_its_relayed_calls_included(tmp_path: Path) -> None:
    """The suite's own clock stops while a call is out: calls of most of a second each, many of them, took minutes
    per variant. The run's budget (RUN_BUDGET × timeout_s) counts them."""
    import dataclasses

    from course_core.grading.harness import Worker
    from course_core.grading.lock import SuiteSandbox

    slow = tmp_path / "slow" / "toy.py"
    slow.parent.mkdir()
    slow.write_text("import time\ndef add(a, b):\n    time.sleep(0.4)\n    return a + b\n")
    exercise = dataclasses.replace(TOY, limits=dataclasses.replace(TOY.limits, timeout_s=1.0))
    tests = _tests(tmp_path, "def test_many(student):\n    for _ in range(12):\n        student.add(1, 2)\n")
    worker = Worker({"module": "toy", "limits": exercise.limits.as_dict(), "preload": [], "variants": {"v": slow}})
    suite = SuiteSandbox(exercise, tests, CONFTEST)
    try:
        run = suite.run(worker, "v")
    finally:
        suite.close()
        worker.stop()
    assert run.status == "error" and "did not finish within 2 s, their calls included" in run.detail, run


KEYRING_SUITE = """
import ctypes, platform
libc = ctypes.CDLL(None, use_errno=True)
ADD_KEY, KEYCTL = {"x86_64": (248, 250), "aarch64": (217, 219)}[platform.machine()]

def test_no_key_from_an_earlier_run(student):
    found = libc.syscall(KEYCTL, 10, ctypes.c_long(-4), b"user", b"kit_probe", 0)  # KEYCTL_SEARCH the user keyring
    libc.syscall(ADD_KEY, b"user", b"kit_probe", b"run", 3, ctypes.c_long(-4))
    assert found == -1, "a key an earlier run added is still there"
"""


@pytest.mark.slow
@pytest.mark.skipif(os.uname().machine not in ("x86_64", "aarch64"), reason="keyctl's syscall number is known for these")
def test_a_key_one_run_adds_is_gone_by_the_next(tmp_path: Path) -> None:
    """The uid's kernel keyring outlived a run's processes: a channel from the reference's run to a chaff's."""
    first, second = _runs(_tests(tmp_path, KEYRING_SUITE), WHEAT, WHEAT)
    assert (first.status, second.status) == ("passed", "passed"), (first, second)


@pytest.mark.slow
def test_exit_codes_map_to_passed_failed_error(tmp_path: Path) -> None:
    passed, failed = _runs(HONEST_TESTS, WHEAT, FLOORS)
    assert passed.status == "passed"
    assert failed.status == "failed" and failed.failing == ["tests/test_regression.py::test_mean_is_exact"]
    empty, quits = _runs(_tests(tmp_path, "x = 1\n"), WHEAT, WHEAT)
    assert (empty.status, empty.detail) == ("error", "your test run ended with an error: no tests were collected")
    (quits,) = _runs(_tests(tmp_path, "import os\nos._exit(0)\n"), WHEAT)
    assert quits.status == "error"


@pytest.mark.slow
@pytest.mark.skipif(not isolation().contained, reason="needs user namespaces (the bubblewrap sandbox)")
def test_values_reach_the_suite_as_json_and_the_module_is_out_of_reach(tmp_path: Path) -> None:
    tests = _tests(tmp_path, (
        "import os, glob, sys\n"
        "def test_a_pair_is_a_list(student):\n"
        "    assert student.clip(5, 0, 3) == 3 and isinstance(student.mean([1, 2]), float)\n"
        "def test_no_source_in_reach(student):\n"
        "    assert 'toy' not in sys.modules\n"
        "    roots = [r for r in os.listdir('/') if r not in ('usr', 'proc', 'dev', 'lib', 'lib64', 'bin', 'sbin')]\n"
        "    found = [p for r in roots for p in glob.glob(f'/{r}/**/*.py', recursive=True) if 'toy' in os.path.basename(p) or 'chaff' in p]\n"
        "    assert found == []\n"
        "def test_the_module_is_a_proxy(student):\n"
        "    assert not hasattr(student, '__file__') and 'sandbox' in repr(student)\n"
    ))
    (run,) = _runs(tests, WHEAT)
    assert run.status == "passed", run


@pytest.mark.slow
def test_honest_tests_catch_every_chaff() -> None:
    checks = judge(TOY, HONEST_TESTS, CONFTEST, variants(TOY, None, SOLUTIONS))
    assert [c["status"] for c in checks] == ["passed"] * 3
    assert {c["pool"]: c["raw"] for c in checks} == {"lock": 1.0, "lock_hidden": 1.0}  # exercise.toml splits the points between the pools
    assert checks[-1]["name"] == "your tests catch the 3 hidden wrong versions"
    # the public chaff is the reference with its mistake: which tests fail there is a channel out of it, so no names
    assert [c["feedback"] for c in checks if c["id"].endswith("chaff.mean_empty_zero")] == ["caught"]


@pytest.mark.slow
def test_failing_on_the_reference_voids_the_chaffs_and_names_no_test(tmp_path: Path) -> None:
    tests = _tests(tmp_path, "def test_add_is_five(student):\n    assert student.add(2, 2) == 5\n\ndef test_sum(student):\n    assert student.add(1, 1) == 2\n")
    checks = {c["id"].rsplit(".", 1)[1]: c for c in judge(TOY, tests, CONFTEST, variants(TOY, None, SOLUTIONS))}
    assert checks["reference"]["status"] == "failed"
    assert "1 of your tests fail" in checks["reference"]["feedback"]
    assert "test_add_is_five" not in checks["reference"]["feedback"]  # names are the student's choice: aggregate only
    assert checks["hidden_chaffs"]["status"] == "failed" and checks["hidden_chaffs"]["fraction"] == 0
    assert "not counted" in checks["hidden_chaffs"]["feedback"]


@pytest.mark.slow
def test_hidden_chaffs_are_reported_as_a_count(tmp_path: Path) -> None:
    tests = _tests(tmp_path, "def test_add(student):\n    assert student.add(2, 3) == 5\n")
    checks = {c["id"].rsplit(".", 1)[1]: c for c in judge(TOY, tests, CONFTEST, variants(TOY, None, SOLUTIONS))}
    hidden = checks["hidden_chaffs"]
    assert (hidden["status"], hidden["fraction"], hidden["pool"]) == ("failed", pytest.approx(1 / 3), "lock_hidden")
    assert hidden["feedback"] == "your tests catch 1 of 3 hidden wrong versions"


def test_without_a_wheat_the_lock_is_not_run() -> None:
    checks = judge(TOY, HONEST_TESTS, CONFTEST, variants(TOY, None, None))
    assert [c["status"] for c in checks] == ["not_run"]
    assert "make the visible tests pass first" in checks[0]["feedback"]


PREPARED_RUNS = '''
import json, os, sys
from course_core.grading import worker
suite, files = sys.argv[1], sys.argv[2:]
os.environ["PYTEST_VERSION"] = __import__("pytest").__version__
prepared = worker._prepare([f"{suite}/test_run.py", "-c", "/dev/null", "--rootdir", suite, "-p", "no:cacheprovider", "-q",
                            "-p", "pytest_jsonreport.plugin", "--json-report-file=none"], suite)
found = {"prepared": prepared is not None, "runs": []}
for source in files:  # each run: a fresh fork of the prepared session, as the zygote makes it
    with open(f"{suite}/test_run.py", "w") as fh:
        fh.write(source)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        sys.stdout = open(os.devnull, "w")
        code = prepared.run()
        tests = {t["nodeid"]: t["outcome"] for t in prepared.plugin.report["tests"]}
        os.write(w, json.dumps([code, tests]).encode())
        os._exit(0)
    os.close(w)
    data = os.read(r, 1 << 16)
    os.waitpid(pid, 0)
    found["runs"].append(json.loads(data))
print(json.dumps(found))
'''


def test_each_suite_run_goes_on_from_one_prepared_session_start(tmp_path: Path) -> None:
    """The zygote configures pytest and starts its session once; each run's fork collects the file
    anew and exits as pytest.main would: 0 passed, 1 failed, 5 nothing collected, 2 interrupted."""
    import json
    import subprocess
    import sys

    sources = [
        "SEEN = []\ndef test_a():\n    SEEN.append(1)\n    assert SEEN == [1]\ndef test_b():\n    assert True\n",
        "SEEN = []\ndef test_a():\n    SEEN.append(1)\n    assert SEEN == [1]\ndef test_b():\n    assert False\n",
        "x = 1\n",
        "import pytest\ndef test_a():\n    pytest.exit('stop here')\n",
        "def test_a():\n    assert True\n",
    ]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", PREPARED_RUNS, str(tmp_path), *sources], capture_output=True, text=True, env=env,
                         cwd=tmp_path, check=True).stdout
    found = json.loads(out.splitlines()[-1])  # before it, pytest's terminal output (the zygote's is captured)
    assert found["prepared"], "the installed pytest no longer takes the prepared session: every run would configure pytest anew"
    assert [code for code, _ in found["runs"]] == [0, 1, 5, 2, 0]
    assert found["runs"][1][1] == {"test_run.py::test_a": "passed", "test_run.py::test_b": "failed"}
    assert found["runs"][4][1] == {"test_run.py::test_a": "passed"}  # nothing of an earlier run's file is left
