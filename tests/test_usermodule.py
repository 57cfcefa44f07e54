"""A user's file run by an instrument: loaded once, hashed as executed, every failure a UserError."""

from __future__ import annotations

import hashlib
from types import ModuleType

import pytest

from course_core.errors import UserError
from course_core.usermodule import load_user_module


def _file(tmp_path, text: str, name: str = "mod.py"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_functions_and_records_the_executed_bytes(tmp_path):
    path = _file(tmp_path, "def double(x):\n    return 2 * x\n")
    loaded = load_user_module(path, ["double"], flag="--policy")
    assert loaded.function("double")(21) == 42
    assert loaded.record() == {"path": str(path), "sha256": "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()}


def test_two_files_with_the_same_name_stay_apart(tmp_path):
    a = load_user_module(_file(tmp_path, "V = 1\ndef f():\n    return V\n"), ["f"])
    b = load_user_module(_file(tmp_path / "..", "V = 2\ndef f():\n    return V\n", name="mod_b.py"), ["f"])
    assert (a.function("f")(), b.function("f")()) == (1, 2)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("def f(:\n", "not valid Python", 1),
        ("x = 1\nraise ValueError('boom')\n", "raised ValueError: boom", 2),
        ("import sys\nsys.exit(3)\n", "called exit(3)", None),
        ("def sofmax(x):\n    return x\n", "`softmax` is not defined", None),
        ("softmax = 3\n", "`softmax` is not a function", None),
    ],
)
def test_each_broken_file_is_a_user_error_naming_it(tmp_path, text, message, line):
    path = _file(tmp_path, text)
    with pytest.raises(UserError) as err:
        load_user_module(path, ["softmax"], flag="--policy")
    assert message in err.value.message and "--policy" in err.value.message
    assert err.value.path == str(path) and err.value.line == line


def test_a_near_miss_name_gets_a_suggestion(tmp_path):
    with pytest.raises(UserError) as err:
        load_user_module(_file(tmp_path, "def sofmax(x):\n    return x\n"), ["softmax"])
    assert err.value.hint == "did you mean 'sofmax'?"


@pytest.mark.parametrize("kind", ["missing", "folder", "binary"])
def test_unreadable_paths_are_user_errors(tmp_path, kind):
    path = {"missing": tmp_path / "nope.py", "folder": tmp_path, "binary": tmp_path / "b.py"}[kind]
    if kind == "binary":
        path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UserError):
        load_user_module(path, [])


def test_call_turns_the_user_code_failures_into_user_errors(tmp_path):
    path = _file(tmp_path, "def f(x):\n    return 1 / x\n\ndef g():\n    raise NotImplementedError('g is a stub')\n")
    loaded = load_user_module(path, ["f", "g"], flag="--policy")
    assert loaded.call("f", 4) == 0.25
    with pytest.raises(UserError) as err:
        loaded.call("f", 0, when="at step 3")
    assert err.value.message == "--policy: `f` raised ZeroDivisionError at step 3: division by zero"
    assert (err.value.path, err.value.line) == (str(path), 2)
    with pytest.raises(UserError) as err:
        loaded.call("g")
    assert "`g` is not implemented yet: g is a stub" in err.value.message and err.value.line == 5


def test_call_turns_a_stub_or_a_crash_into_a_user_error_naming_the_file(tmp_path):
    path = _file(tmp_path, "def stub(x):\n    raise NotImplementedError('c9.build: stub')\n\ndef crash(x):\n    return 1 / x\n\ndef ok(x):\n    return x + 1\n")
    loaded = load_user_module(path, ["stub", "crash", "ok"], flag="--policy")
    assert loaded.call("ok", 1) == 2
    with pytest.raises(UserError) as info:
        loaded.call("stub", 1)
    assert "not implemented yet: c9.build: stub" in str(info.value) and info.value.path == str(path)
    with pytest.raises(UserError) as info:
        loaded.call("crash", 0)
    assert "ZeroDivisionError" in str(info.value) and info.value.line == 5


def test_call_many_is_the_calls_in_order_or_the_relays_one_message(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("log = []\ndef f(x):\n    log.append(x)\n    return x * 2\n", encoding="utf-8")
    loaded = load_user_module(path, ["f"])
    assert loaded.call_many("f", [(1,), (2,), (3,)]) == [2, 4, 6]
    assert loaded.module.log == [1, 2, 3]
    batches = []
    loaded.module.f._kit_call_many = lambda calls: batches.append(calls) or [0] * len(calls)
    assert loaded.call_many("f", [(4,), (5,)]) == [0, 0] and batches == [[(4,), (5,)]]
    loaded.module.f._kit_call_many = lambda calls: 1 / 0
    with pytest.raises(UserError, match="raised ZeroDivisionError at step 7"):
        loaded.call_many("f", [(6,)], when="at step 7")


ESCAPES = "import sys\nclass Mine(BaseException):\n    pass\ndef leave(x):\n    sys.exit(x)\ndef gen():\n    raise GeneratorExit('closed')\ndef mine():\n    raise Mine('mine')\n"


@pytest.mark.parametrize(("fn", "args", "message", "line"), [
    ("leave", (0,), "`leave` called exit(0) at step 2", 5),
    ("leave", ("bye",), "`leave` called exit('bye') at step 2", 5),
    ("gen", (), "`gen` raised GeneratorExit at step 2: closed", 7),
    ("mine", (), "`mine` raised Mine at step 2: mine", 9),
])
def test_a_call_that_exits_or_raises_a_base_exception_is_a_user_error(tmp_path, fn, args, message, line):
    path = _file(tmp_path, ESCAPES)
    loaded = load_user_module(path, [fn], flag="--policy")
    for call in (lambda: loaded.call(fn, *args, when="at step 2"), lambda: loaded.call_many(fn, [args], when="at step 2")):
        with pytest.raises(UserError) as err:
            call()
        assert err.value.message == f"--policy: {message}" and (err.value.path, err.value.line) == (str(path), line)
    with pytest.raises(UserError) as err:  # the callable handed out: its exits too (its Exceptions are the caller's to word)
        loaded.function(fn)(*args)
    assert err.value.message == "--policy: " + message.replace(" at step 2", "") and err.value.path == str(path)


def test_keyboard_interrupt_still_interrupts_and_exceptions_reach_function_callers(tmp_path):
    path = _file(tmp_path, "def stop():\n    raise KeyboardInterrupt\ndef bad():\n    raise ValueError('v')\n")
    loaded = load_user_module(path, ["stop", "bad"])
    with pytest.raises(KeyboardInterrupt):
        loaded.call("stop")
    with pytest.raises(KeyboardInterrupt):
        loaded.function("stop")()
    with pytest.raises(ValueError, match="v"):
        loaded.function("bad")()


def test_a_module_served_from_a_sandbox_reports_its_own_endings(tmp_path):
    """The grader's replay builds LoadedModule itself: its relay's WorkerFailure (a BaseException) passes through."""
    from course_core.grading.harness import WorkerFailure
    from course_core.usermodule import LoadedModule

    module = ModuleType("relayed")

    def f():
        raise WorkerFailure("your code called sys.exit(0)")

    module.f = f
    loaded = LoadedModule(module=module, path="m.py", sha256="sha256:0", flag="--policy")
    for call in (lambda: loaded.call("f"), lambda: loaded.function("f")()):
        with pytest.raises(WorkerFailure):
            call()


def test_import_that_raises_a_base_exception_or_an_unprintable_one_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="importing the file raised GeneratorExit: g"):
        load_user_module(_file(tmp_path, "raise GeneratorExit('g')\n"), [])
    path = _file(tmp_path, "class E(Exception):\n    def __str__(self):\n        raise SystemExit(1)\ndef f():\n    raise E()\n", name="u.py")
    with pytest.raises(UserError, match=r"`f` raised E: \(its message cannot be shown\)"):
        load_user_module(path, ["f"]).call("f")


class _Rigged(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __float__(self):
        return 0.5

    def __repr__(self):
        raise SystemExit(3)


def test_finite_float_reads_the_number_itself_and_refuses_what_no_float_holds():
    import numpy as np

    from course_core.usermodule import exact_int, finite_float

    assert [finite_float(v) for v in (1, 2.5, np.float64(0.25), _Rigged(1.0))] == [1.0, 2.5, 0.25, 1.0]
    assert [finite_float(v) for v in (10**400, -(10**400), float("nan"), float("inf"), True, "1", None, object(), np.array([1.0]))] == [None] * 9
    assert (exact_int(3), exact_int(True), exact_int(3.0), type(exact_int(np.int64(2)))) == (3, None, None, type(None))


def test_shown_never_runs_the_values_own_code_and_stays_short():
    from course_core.usermodule import shown

    assert shown([1.0, {"k": (2, None)}, "x"]) == "[1.0, {'k': (2, None)}, 'x']"
    assert shown(_Rigged(1.0)) == "1.0" and shown(object()) == "<object object>"
    assert shown(10**400) == "<an integer of about 401 digits>" and shown("\udc80") == "'\\\\udc80'"
    assert len(shown(list(range(10_000)))) == 80 and shown("y" * 10**6).endswith("…")


# --- a public chaff: a patch on the module beside its chaffs/ folder (course_core.module_patch) -------------------------

BASE = "def double(x):\n    return 2 * x\n\ndef quadruple(x):\n    return double(double(x))\n"


def test_a_chaff_runs_on_the_module_it_patches_and_records_both(tmp_path):
    base = _file(tmp_path, BASE, "calc.py")
    (tmp_path / "chaffs").mkdir()
    patch = _file(tmp_path / "chaffs", 'PATCHES = "calc.py"\n_double = double\n\ndef double(x):\n    return _double(x) + 1\n', "off_by_one.py")
    loaded = load_user_module(patch, ["double", "quadruple"], flag="--scorer-module")
    assert loaded.function("double")(10) == 21  # the patch's mistake
    assert loaded.function("quadruple")(10) == 40  # the module's own functions still call its own double
    assert loaded.sha256 == "sha256:" + hashlib.sha256(base.read_bytes() + patch.read_bytes()).hexdigest()
    assert load_user_module(base, ["double"]).function("double")(10) == 20  # the module itself is untouched


@pytest.mark.parametrize(("marker", "message"), [
    ('PATCHES = "missing.py"\n', "the file is a chaff that patches missing.py, and"),
    ("PATCHES = 3\n", "PATCHES must be a string naming a module file"),
    ('PATCHES = "../calc.py"\n', "must be a file name such as"),
])
def test_a_chaff_without_its_module_is_a_user_error(tmp_path, marker, message):
    _file(tmp_path, BASE, "calc.py")
    (tmp_path / "chaffs").mkdir()
    patch = _file(tmp_path / "chaffs", marker + "def double(x):\n    return x\n", "broken.py")
    with pytest.raises(UserError) as info:
        load_user_module(patch, ["double"], flag="--scorer-module")
    assert message in str(info.value) and "broken.py" in str(info.value)


def test_a_chaff_whose_module_lacks_what_it_patches_names_the_chaff(tmp_path):
    _file(tmp_path, "def triple(x):\n    return 3 * x\n", "calc.py")
    (tmp_path / "chaffs").mkdir()
    patch = _file(tmp_path / "chaffs", 'PATCHES = "calc.py"\n_double = double\n', "needs_double.py")
    with pytest.raises(UserError) as info:
        load_user_module(patch, [], flag="--scorer-module")
    assert "raised NameError: name 'double' is not defined" in str(info.value) and "needs_double.py:2" in str(info.value)


def test_a_chaff_keeps_its_captures_to_itself_and_names_the_file_an_error_came_from(tmp_path):
    _file(tmp_path, BASE + "\ndef halve(x):\n    raise NotImplementedError('halve: a stub')\n", "calc.py")
    (tmp_path / "chaffs").mkdir()
    patch = _file(tmp_path / "chaffs", 'PATCHES = "calc.py"\n_double = double\n\ndef double(x):\n    return _double(x) + 1\n', "off_by_one.py")
    loaded = load_user_module(patch, ["double"], flag="--policy")
    assert not hasattr(loaded.module, "_double") and not hasattr(loaded.module, "PATCHES")  # the module's names only
    with pytest.raises(UserError) as info:
        loaded.call("halve", 3)
    assert "calc.py:8" in str(info.value) and "not implemented yet" in str(info.value)  # the stub's file, not the chaff's


def test_patches_outside_a_chaffs_folder_is_refused(tmp_path):
    _file(tmp_path, BASE, "calc.py")
    mine = _file(tmp_path, 'PATCHES = "calc.py"\n_double = double\n', "relaxed.py")
    with pytest.raises(UserError) as info:
        load_user_module(mine, [], flag="--scorer-module")
    assert "only a file in an exercise's chaffs/ folder can be one" in str(info.value) and "relaxed.py" in str(info.value)
