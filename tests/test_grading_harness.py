"""The student fixture's grader mode (a JSON proxy to a sandboxed worker) and its feedback."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from course_core.grading.harness import StudentError, StudentProxy, Worker, WorkerFailure, load_module, student_error
from course_core.grading.testrun import explain

LIMITS = {"timeout_s": 2, "cpu_s": 5, "memory_mb": 512, "max_processes": 16, "max_file_mb": 1}


def _worker(tmp_path: Path, source: str) -> Worker:
    path = tmp_path / "toy.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return Worker({"module": "toy", "module_path": str(path), "limits": LIMITS})


def test_student_errors_are_also_the_builtin_exception() -> None:
    err = student_error("ValueError", "no", "toy.py:3 in f")
    assert isinstance(err, ValueError) and isinstance(err, StudentError)
    assert str(err) == "ValueError: no (at toy.py:3 in f)"
    custom = student_error("MyOwnError", "x")
    assert type(custom) is StudentError
    assert not issubclass(WorkerFailure, Exception)  # pytest.raises(Exception) cannot swallow it


def test_the_proxy_returns_plain_json_values(tmp_path: Path) -> None:
    worker = _worker(tmp_path, "def pair(a, b=0):\n    return (a, {'b': b})\n")
    try:
        student = StudentProxy(worker)
        assert student.pair(1, b=2) == [1, {"b": 2}]  # tuples come back as lists
        with pytest.raises(AttributeError):
            student.pair = None
    finally:
        worker.stop()


@pytest.mark.slow
def test_exceptions_failures_and_restarts(tmp_path: Path) -> None:
    worker = _worker(
        tmp_path,
        """
        import sys
        calls = []
        def f(x):
            calls.append(x)
            if x == "value":
                raise ValueError("bad x")
            if x == "loop":
                while True:
                    pass
            if x == "exit":
                sys.exit(3)
            return len(calls)
        """,
    )
    student = StudentProxy(worker)
    try:
        assert student.f("a") == 1
        with pytest.raises(ValueError, match="bad x"):
            student.f("value")
        with pytest.raises(WorkerFailure, match="did not return within 2 s"):
            student.f("loop")
        assert student.f("b") == 1  # a fresh worker: module state starts over
        with pytest.raises(WorkerFailure, match=r"called sys.exit\(3\)"):
            student.f("exit")
        with pytest.raises(WorkerFailure, match="has no function nope"):
            student.nope()
    finally:
        worker.stop()


def test_an_import_failure_is_remembered(tmp_path: Path) -> None:
    worker = _worker(tmp_path, "def f(:\n")
    student = StudentProxy(worker)
    for _ in range(2):
        with pytest.raises(WorkerFailure, match="could not be imported: SyntaxError"):
            student.f()
    assert "student" in worker.import_failure  # remembered: the second call never reached the sandbox


def test_plain_mode_imports_the_real_module(tmp_path: Path) -> None:
    path = tmp_path / "toy_plain.py"
    path.write_text("def f():\n    return 42\n", encoding="utf-8")
    mod = load_module("toy_plain", path)
    assert mod.f() == 42 and load_module("toy_plain", path) is mod


class _Info:
    def __init__(self, exc: BaseException) -> None:
        self.value = exc

    def exconly(self) -> str:
        return f"{type(self.value).__name__}: {self.value}"


@pytest.mark.parametrize(
    ("exc", "visible", "hidden"),
    [
        (WorkerFailure("your code did not return within 3 s", "toy.f(123)"),
         "your code did not return within 3 s (call toy.f(123))", "your code did not return within 3 s"),
        (student_error("NotImplementedError", "f: do it"), "not implemented yet: f: do it", "not implemented yet"),
        (student_error("KeyError", "'secret 123'", "toy.py:4 in f"),
         "your code raised KeyError: 'secret 123' (at toy.py:4 in f)", "your code raised KeyError"),
        (student_error("Leak_5_0_3", "x", "toy.py:4 in f_5_0_3"),
         "your code raised Leak_5_0_3: x (at toy.py:4 in f_5_0_3)", "your code raised an exception of a class of your own"),
        (WorkerFailure("your toy.py could not be imported: ValueError: 123", hidden="your toy.py could not be imported"),
         "your toy.py could not be imported: ValueError: 123", "your toy.py could not be imported"),
        (AssertionError("assert 3 == 123"), "assert 3 == 123", "the result differs from what this hidden test expects"),
        (AssertionError("clip(5, 0, 3) should be 3\nassert 5 == 3"),
         "clip(5, 0, 3) should be 3\nassert 5 == 3", "clip(5, 0, 3) should be 3"),
        (TypeError("unhashable 123"), "TypeError: unhashable 123",
         "this hidden test stopped with TypeError (check the shape and types of what your code returns)"),
    ],
)
def test_feedback_is_short_and_hidden_tests_reveal_no_inputs(exc: BaseException, visible: str, hidden: str) -> None:
    assert explain(_Info(exc), hidden=False) == visible
    assert explain(_Info(exc), hidden=True) == hidden


def test_the_kit_conftest_is_the_two_line_contract() -> None:
    text = (REPO / "tests" / "fixtures" / "ex_toy" / "tests" / "conftest.py").read_text(encoding="utf-8")
    assert "student_fixture(\"toy\")" in text


def test_student_data_reads_capped_files_and_names_bad_lines(tmp_path):
    from course_core.grading.harness import StudentData

    (tmp_path / "p.jsonl").write_text('{"a": 1}\n\n{"a": 2}\n', encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\nnot json\n', encoding="utf-8")
    (tmp_path / "big.jsonl").write_text("x" * 2000, encoding="utf-8")
    data = StudentData(tmp_path)
    assert data.jsonl("p.jsonl") == [(1, {"a": 1}), (3, {"a": 2})]
    assert data.text("missing.jsonl") is None and data.jsonl("missing.jsonl") == []
    with pytest.raises(AssertionError, match=r"bad.jsonl:2 is not valid JSON"):
        data.jsonl("bad.jsonl")
    with pytest.raises(AssertionError, match="big.jsonl"):
        data.text("big.jsonl", max_bytes=1000)
    with pytest.raises(AssertionError, match="more than 1 rows"):
        data.jsonl("p.jsonl", max_rows=1)


def test_many_calls_cross_in_few_messages_in_order_and_an_error_names_its_call(tmp_path: Path) -> None:
    worker = _worker(
        tmp_path,
        """
        seen = []
        def f(x):
            seen.append(x)
            if x == "bad":
                raise ValueError("bad x")
            return [x, len(seen)]
        """,
    )
    try:
        session = worker.new_session()
        calls = [(i,) for i in range(150)]
        before = worker.seq
        assert worker.call_many("f", calls, session=session) == [[i, i + 1] for i in range(150)]  # one child, in order
        assert worker.seq - before == 3  # 150 calls in messages of 64
        with pytest.raises(StudentError, match="bad x"):
            worker.call_many("f", [(1,), ("bad",), (2,)], session=session)
    finally:
        worker.stop()


def test_only_public_names_are_served(tmp_path: Path) -> None:
    """A private helper is not the contract: asking for one answers as for a name the module lacks, so the reference,
    a chaff and a student's module cannot be told apart by the helpers each happens to have."""
    worker = _worker(tmp_path, "def mean(xs):\n    return _total(xs) / len(xs)\n\ndef _total(xs):\n    return sum(xs)\n")
    try:
        student = StudentProxy(worker)
        assert student.mean([1, 2]) == 1.5
        with pytest.raises(WorkerFailure) as private:
            student._total([1, 2])
        with pytest.raises(WorkerFailure) as missing:
            student.absent([1, 2])
        assert private.value.message.replace("_total", "NAME") == missing.value.message.replace("absent", "NAME")
    finally:
        worker.stop()


def test_no_posix_message_queue_can_be_made(tmp_path: Path) -> None:
    """A POSIX message queue outlives the run that made it and cannot be listed to be removed (no mqueue
    filesystem in the sandbox): a channel between a suite's runs. The sandbox's limit allows none."""
    worker = _worker(tmp_path, """
        import ctypes, ctypes.util

        def make_queue():
            libc = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1", use_errno=True)
            fd = libc.mq_open(b"/kit_probe", 0o100 | 0o2, 0o600, None)  # O_CREAT | O_RDWR
            return [fd, ctypes.get_errno()]
    """)
    try:
        fd, errno_ = StudentProxy(worker).make_queue()
        assert fd == -1 and errno_ in (12, 24), (fd, errno_)  # ENOMEM or EMFILE: RLIMIT_MSGQUEUE is 0
    finally:
        worker.stop()


def test_the_machines_blas_settings_reach_the_sandbox_and_the_trusted_runs(tmp_path: Path, monkeypatch) -> None:
    """OPENBLAS_CORETYPE picks the BLAS kernel, whose rounding differs from the one OpenBLAS picks by itself: a run the
    student made with it set must be replayed with it set (and older OpenBLAS builds miscompute on CPUs they misdetect)."""
    from course_core.grading.testsets import trusted_env

    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "512")
    assert {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512", "OPENBLAS_NUM_THREADS": "1"}.items() <= trusted_env(tmp_path, tmp_path).items()
    worker = _worker(tmp_path, "import os\n\ndef blas():\n    return [os.environ.get(k) for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS')]\n")
    try:
        assert StudentProxy(worker).blas() == ["Haswell", "512", "1"]
    finally:
        worker.stop()


PARITY_MODULE = """
import math

NAME = "toy"
_calls = []

def pair(a, b):
    return (a, b)

def count():
    _calls.append(1)
    return len(_calls)

def nan():
    return math.nan

def huge():
    return 10 ** 400

def arrayish():
    return {1, 2}

def fail(kind):
    raise {"value": ValueError, "key": KeyError, "own": type("MineError", (Exception,), {})}[kind]("bad " + kind)

def _helper():
    return 1
"""


def _outcome(call: Any) -> Any:
    try:
        return ("ok", call())
    except WorkerFailure as exc:
        return ("failure", exc.message, exc.call, exc.hidden)
    except Exception as exc:
        return ("raised", isinstance(exc, StudentError), [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"][0], str(exc))


@pytest.mark.parametrize("call", [
    lambda s: s.pair(1, (2, 3)), lambda s: [s.count(), s.count()], lambda s: s.nan(), lambda s: s.huge(), lambda s: s.arrayish(),
    lambda s: s.fail("value"), lambda s: s.fail("key"), lambda s: s.fail("own"), lambda s: s.NAME(), lambda s: s._helper(),
    lambda s: s.absent(), lambda s: s.pair(float("nan"), 1),
], ids=["tuples", "state", "nan", "huge", "set", "ValueError", "KeyError", "own class", "constant", "private", "absent", "nan argument"])
def test_at_home_the_module_answers_as_it_does_under_the_grader(tmp_path: Path, call: Any) -> None:
    """Plain pytest calls the module in-process, but the way the sandbox does: a test that passes at home passes there."""
    from course_core.grading.harness import LocalProxy

    path = tmp_path / "toy.py"
    path.write_text(PARITY_MODULE, encoding="utf-8")
    worker = Worker({"module": "toy", "module_path": str(path), "limits": LIMITS})
    try:
        graded = _outcome(lambda: call(StudentProxy(worker)))
    finally:
        worker.stop()
    at_home = _outcome(lambda: call(LocalProxy("toy", path)))
    assert at_home == graded


def test_at_home_each_test_gets_the_module_afresh_and_the_students_traceback(tmp_path: Path) -> None:
    from course_core.grading.harness import LocalProxy

    path = tmp_path / "toy.py"
    path.write_text(PARITY_MODULE, encoding="utf-8")
    first, second = LocalProxy("toy", path), LocalProxy("toy", path)
    assert [first.count(), first.count(), second.count()] == [1, 2, 1]
    with pytest.raises(ValueError, match="bad value") as raised:
        first.fail("value")
    assert type(raised.value.__cause__) is ValueError and raised.value.__cause__.__traceback__ is not None
    with pytest.raises(AttributeError):
        first.pair = None
