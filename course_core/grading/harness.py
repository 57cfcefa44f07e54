"""The ``student`` fixture: how every exercise test reaches the student's code.

``student = student_fixture("locked_room")`` in an exercise's ``tests/conftest.py`` gives:

* under plain pytest (a student at home, or the lock stage inside the sandbox): the real
  module, imported from ``<exercise>/<module>.py`` beside the tests folder;
* under the grader ($RLF_GRADER_CONFIG set by the trusted test runner): a proxy. Each
  ``student.fn(*args, **kwargs)`` is sent as JSON to a sandboxed worker that imported the
  submission's module; the JSON reply is parsed strictly and returned, so the assertion runs
  here, in the trusted process, on plain JSON values.

Student exceptions arrive as :class:`StudentError` (also an instance of the builtin exception
of the same name, so ``pytest.raises(ValueError)`` works in both modes). Anything that is
not an ordinary exception — a timeout, a crash, ``sys.exit``, the memory limit, a value that
is not JSON — raises :class:`WorkerFailure`, a BaseException that ``pytest.raises(Exception)``
cannot swallow, and the next call starts a fresh worker.
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

CONFIG_ENV = "RLF_GRADER_CONFIG"


class StudentError(Exception):
    """An exception raised by the student's code, carried back by name and message."""

    def __init__(self, type_name: str, message: str, where: str | None = None) -> None:
        super().__init__(f"{type_name}: {message}" + (f" (at {where})" if where else ""))
        self.type_name = type_name
        self.message = message
        self.where = where


class WorkerFailure(BaseException):
    """The student's code did not return normally (timeout, crash, exit, memory, non-JSON value).

    ``call`` names the call with its arguments; feedback on hidden tests leaves it out.
    """

    def __init__(self, message: str, call: str | None = None) -> None:
        super().__init__(message + (f" (call {call})" if call else ""))
        self.message = message
        self.call = call


_ERROR_TYPES: dict[str, type[StudentError]] = {}


def student_error(type_name: str, message: str, where: str | None = None) -> StudentError:
    """A StudentError that is also an instance of the builtin exception ``type_name`` when there is one."""
    base = getattr(builtins, type_name, None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        return StudentError(type_name, message, where)
    cls = _ERROR_TYPES.get(type_name)
    if cls is None:
        try:
            cls = type(f"Student{type_name}", (StudentError, base), {"__init__": StudentError.__init__, "__str__": Exception.__str__})
        except TypeError:  # a builtin that cannot be combined (layout conflict)
            cls = StudentError
        _ERROR_TYPES[type_name] = cls
    return cls(type_name, message, where)


# --- plain mode -------------------------------------------------------------------------------

_LOADED: dict[str, Any] = {}


def load_module(module: str, path: Path) -> Any:
    """Import ``path`` as module ``module`` (once per session), like ``import module`` would."""
    key = str(path.resolve())
    if key not in _LOADED:
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: the student module the tests exercise")
        spec = importlib.util.spec_from_file_location(module, path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[module] = mod
        spec.loader.exec_module(mod)
        _LOADED[key] = mod
    return _LOADED[key]


# --- grader mode ------------------------------------------------------------------------------


def _short_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [json.dumps(a, default=str)[:40] for a in args] + [f"{k}=…" for k in kwargs]
    text = ", ".join(parts)
    return text if len(text) <= 80 else text[:79] + "…"


class Worker:
    """The sandboxed worker for one module in one test session, restarted after any failure."""

    def __init__(self, config: dict[str, Any]) -> None:
        from course_core.grading.exercise import Limits

        self.config = config
        self.limits = Limits.from_dict(config["limits"])
        self.module = config["module"]
        self.sandbox: Any = None
        self.import_failure: str | None = None
        self.seq = 0

    def _start(self) -> None:
        from course_core.grading.sandbox import MessageTooLarge, Sandbox, WorkerDied, WorkerTimeout, describe_exit, kit_library, python_paths

        if self.config.get("missing"):
            self.import_failure = f"your {self.module}.py could not be graded: {self.config['missing']}"
            raise WorkerFailure(self.import_failure)
        sandbox = Sandbox(self.limits, label=f"worker for {self.module}.py")
        files = {f"{self.module}.py": Path(self.config["module_path"])}
        config = {
            "mode": "serve",
            "module": self.module,
            "module_file": f"{self.module}.py",
            "sys_path": [str(kit_library()), *python_paths()],
        }
        try:
            sandbox.start(config, files)
            hello = sandbox.recv(self.limits.timeout_s)
        except WorkerTimeout:
            sandbox.close()
            self.import_failure = f"importing your {self.module}.py did not finish within {self.limits.timeout_s:g} s"
            raise WorkerFailure(self.import_failure) from None
        except WorkerDied as died:
            sandbox.close()
            self.import_failure = f"importing your {self.module}.py failed: " + describe_exit(died.returncode, self.limits)
            raise WorkerFailure(self.import_failure) from None
        except (MessageTooLarge, ValueError):
            sandbox.close()
            self.import_failure = f"importing your {self.module}.py garbled the worker's replies"
            raise WorkerFailure(self.import_failure) from None
        if not hello.get("ready"):
            sandbox.close()
            err = hello.get("error") or {}
            kind, message, where = str(err.get("type")), str(err.get("message")), err.get("where")
            if kind == "SystemExit":
                text = f"your {self.module}.py called sys.exit({message}) while being imported"
            else:
                text = f"your {self.module}.py could not be imported: {kind}: {message}" + (f" (at {where})" if where else "")
            self.import_failure = text
            raise WorkerFailure(text)
        self.sandbox = sandbox

    def stop(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None

    def call(self, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        from course_core.grading.sandbox import MessageTooLarge, WorkerDied, WorkerTimeout, describe_exit

        if self.import_failure is not None:
            raise WorkerFailure(self.import_failure)
        try:
            request = {"seq": self.seq + 1, "fn": fn, "args": list(args), "kwargs": dict(kwargs)}
            json.dumps(request, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"test bug: arguments to student.{fn}() must be JSON values ({exc})") from None
        if self.sandbox is None or not self.sandbox.alive:
            self.stop()
            self._start()
        self.seq += 1
        call_text = f"{self.module}.{fn}({_short_args(args, kwargs)})"
        try:
            self.sandbox.send(request, timeout=self.limits.timeout_s)
            reply = self.sandbox.recv(timeout=self.limits.timeout_s)
        except WorkerTimeout:
            self.stop()
            raise WorkerFailure(f"your code did not return within {self.limits.timeout_s:g} s", call_text) from None
        except WorkerDied as died:
            self.stop()
            raise WorkerFailure(describe_exit(died.returncode, self.limits), call_text) from None
        except MessageTooLarge:
            self.stop()
            raise WorkerFailure("your code returned a value too large to grade", call_text) from None
        except ValueError as exc:
            self.stop()
            raise WorkerFailure(f"your code's process sent something that is not a reply ({exc})", call_text) from None
        if reply.get("seq") != self.seq or ("ok" in reply) == ("error" in reply):
            self.stop()
            raise WorkerFailure("your code's process sent something that is not a reply", call_text)
        if "ok" in reply:
            return reply["ok"]
        err = reply["error"] if isinstance(reply["error"], dict) else {}
        kind, message, where = str(err.get("type")), str(err.get("message")), err.get("where")
        if kind == "SystemExit":
            self.stop()
            raise WorkerFailure(f"your code called sys.exit({message})", call_text)
        if kind == "MemoryError":
            self.stop()
            raise WorkerFailure(f"your code exceeded the memory limit of {self.limits.memory_mb} MB", call_text)
        if kind in ("NotJSON", "ReplyTooLarge"):
            raise WorkerFailure(f"{self.module}.{fn}() {message}; return JSON values only (numbers, strings, lists, dicts, None)", call_text)
        if kind == "AttributeError" and message.startswith("your module has no function"):
            raise WorkerFailure(message)
        if kind in ("KeyboardInterrupt", "GeneratorExit") or not kind:
            self.stop()
            raise WorkerFailure(f"your code raised {kind or 'something unexpected'}", call_text)
        raise student_error(kind, message, where)


class StudentProxy:
    """``student.fn(...)`` → one JSON call to the worker."""

    def __init__(self, worker: Worker) -> None:
        object.__setattr__(self, "_worker", worker)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        worker = object.__getattribute__(self, "_worker")

        def call(*args: Any, **kwargs: Any) -> Any:
            return worker.call(name, args, kwargs)

        call.__name__ = name
        return call

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the student module cannot be modified from a test under the grader")

    def __repr__(self) -> str:
        return f"<student module {object.__getattribute__(self, '_worker').module} (sandboxed)>"


_WORKERS: dict[str, Worker] = {}


_CONFIG: dict[str, Any] = {}


def grader_config() -> dict[str, Any] | None:
    """The grader's settings for this session (read once), or None under plain pytest."""
    path = os.environ.get(CONFIG_ENV)
    if not path:
        return None
    if path not in _CONFIG:
        _CONFIG[path] = json.loads(Path(path).read_text(encoding="utf-8"))
    return _CONFIG[path]


def stop_workers() -> None:
    for worker in _WORKERS.values():
        worker.stop()
    _WORKERS.clear()


class StudentData:
    """Read-only access to the data files a student submits beside the module (probes, golden rows).

    Under plain pytest the files are read from the exercise folder; under the grader, from the
    submission's staged copy (which holds only the exercise's ``student_files``, symlinks and
    oversized files already refused). Reads are capped; the test runs in the trusted process
    on plain text, and nothing in the files is executed.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def text(self, rel: str, max_bytes: int = 256 * 1024) -> str | None:
        """The file's UTF-8 text, or None when the submission has no such file."""
        from course_core.grading.staging import Refused, decode_utf8, read_capped

        try:
            return decode_utf8(read_capped(self.root / rel, max_bytes), rel)
        except Refused as exc:
            if str(exc) == "not found":
                return None
            raise AssertionError(f"{rel}: {exc}") from None

    def jsonl(self, rel: str, max_rows: int = 200, max_bytes: int = 256 * 1024) -> list[tuple[int, Any]]:
        """(line, value) for each non-blank line; a missing file is empty; bad JSON fails the test naming the line."""
        text = self.text(rel, max_bytes)
        rows: list[tuple[int, Any]] = []
        for number, line in enumerate((text or "").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((number, json.loads(line)))
            except ValueError as exc:
                raise AssertionError(f"{rel}:{number} is not valid JSON ({exc}): one JSON object per line") from None
            if len(rows) > max_rows:
                raise AssertionError(f"{rel} has more than {max_rows} rows; keep it to the ones that matter")
        return rows


def student_data_fixture() -> Any:
    """The ``student_data`` fixture (a :class:`StudentData`); call it in the exercise's tests/conftest.py."""
    caller = sys._getframe(1).f_globals.get("__file__")
    exercise_dir = Path(caller).resolve().parent.parent if caller else Path.cwd()

    @pytest.fixture
    def student_data() -> StudentData:
        config = grader_config()
        return StudentData(exercise_dir if config is None else Path(config["module_path"]).parent)

    return student_data


def student_fixture(module: str) -> Any:
    """The ``student`` fixture for the module ``module``; call it in the exercise's tests/conftest.py."""
    caller = sys._getframe(1).f_globals.get("__file__")
    exercise_dir = Path(caller).resolve().parent.parent if caller else Path.cwd()

    @pytest.fixture
    def student() -> Any:
        config = grader_config()
        if config is None:
            return load_module(module, exercise_dir / f"{module}.py")
        if config["module"] != module:
            raise RuntimeError(f"grader configured for {config['module']!r}, tests ask for {module!r}")
        worker = _WORKERS.get(module)
        if worker is None:
            worker = _WORKERS[module] = Worker(config)
        return StudentProxy(worker)

    return student
