"""The ``student`` fixture: how every exercise test reaches the student's code.

``student = student_fixture("locked_room")`` in an exercise's ``tests/conftest.py`` gives:

* under plain pytest (a student at home): the module ``<exercise>/<module>.py`` beside the
  tests folder, in this process, but called as the grader calls it (:class:`LocalProxy`):
  arguments and result cross JSON, only public functions answer, an exception arrives as a
  :class:`StudentError` (the student's own traceback as its cause), and each test imports the
  module afresh — so a test that passes at home passes under the grader, and ``--chaff``
  judges the same way the lock stage does;
* under the grader ($RLF_GRADER_CONFIG set by the trusted test runner): a proxy. Each
  ``student.fn(*args, **kwargs)`` is sent as JSON to a sandbox whose zygote forks a child
  that imports the submission's module and makes the call; the JSON reply is parsed strictly
  and returned, so the assertion runs here, in the trusted process, on plain JSON values.
  Hidden tests get a sandbox of their own;
* inside a lock-stage sandbox (the student's own tests): a relay proxy. The call goes as JSON
  to the trusted side, which makes it in the sandbox of the module under test (a wheat or a
  chaff) and sends the JSON reply back — the same values as in every other stage, and no
  source of the module anywhere in reach.

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

    ``call`` names the call with its arguments; ``hidden`` is the message in the kit's words
    alone (what a hidden test may show: nothing the student's code said, no arguments);
    ``reason`` the cause alone, without the sentence around it (an import's error).
    """

    def __init__(self, message: str, call: str | None = None, hidden: str | None = None, reason: str | None = None) -> None:
        super().__init__(message + (f" (call {call})" if call else ""))
        self.message = message
        self.call = call
        self.hidden = hidden if hidden is not None else message
        self.reason = reason if reason is not None else message


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


def load_module(module: str, path: Path, patch: Path | None = None) -> Any:
    """Import ``path`` as module ``module`` (once per session), like ``import module`` would; then a chaff's ``patch`` on it."""
    key = f"{path.resolve()}|{patch.resolve() if patch else ''}"
    if key not in _LOADED:
        _LOADED[key] = _import(module, path, patch)
    return _LOADED[key]


def _import(module: str, path: Path, patch: Path | None = None) -> Any:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the student module the tests exercise")
    spec = importlib.util.spec_from_file_location(module, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[module] = mod
    spec.loader.exec_module(mod)
    if patch is not None:
        import pytest

        from course_core import module_patch

        try:
            mod = sys.modules[module] = module_patch.apply(mod, patch)
        except Exception as exc:  # every test would fail on it: that must not read as a catch
            pytest.exit(f"--chaff: chaffs/{patch.name} could not be applied to your {path.name}: {type(exc).__name__}: {exc}",
                        returncode=pytest.ExitCode.USAGE_ERROR)
    return mod


class LocalProxy:
    """Under plain pytest: ``student.fn(...)`` runs the module in this process, the way the grader's sandbox runs it.

    The arguments and the result go through JSON as they do to a sandbox (a tuple comes back a
    list; NaN, a numpy array or a set is refused), only public functions answer, and an
    exception arrives as the grader's :class:`StudentError` with the student's own traceback as
    its cause. Each test gets the module imported afresh, as each gets a fresh child there.
    """

    def __init__(self, module: str, path: Path, patch: Path | None = None) -> None:
        object.__setattr__(self, "_name", module)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_module", _import(module, path, patch))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        from course_core.grading.sandbox import UnreadableReply, parse_message
        from course_core.grading.worker import describe, encode_reply

        module, path = object.__getattribute__(self, "_module"), object.__getattribute__(self, "_path")
        label = object.__getattribute__(self, "_name")

        def call(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True  # pytest shows the test's line and the student's code, not this wrapper

            def call_text() -> str:  # written only when the call fails
                return f"{label}.{name}({_short_args(args, kwargs)})"

            try:
                sent = json.loads(json.dumps({"args": list(args), "kwargs": dict(kwargs)}, allow_nan=False))
            except (TypeError, ValueError) as exc:
                raise TypeError(f"test bug: arguments to student.{name}() must be JSON values ({exc})") from None
            fn = getattr(module, name, None) if not name.startswith("_") else None
            if fn is None or not callable(fn):
                raise WorkerFailure(f"your module has no function {name}()")
            try:
                value = fn(*sent["args"], **sent["kwargs"])
            except Exception as exc:
                raise _raised(describe(exc, str(path)), label, name, call_text(), None) from exc
            try:
                reply = parse_message(encode_reply(0, value).rstrip(b"\n"))
            except UnreadableReply as exc:
                raise unreadable(label, name, str(exc), call_text()) from None
            if "ok" in reply:
                return reply["ok"]
            raise _raised(reply["error"], label, name, call_text(), None)

        call.__name__ = name
        return call

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the student module cannot be modified from a test (the grader runs it in a sandbox)")

    def __repr__(self) -> str:
        return f"<student module {object.__getattribute__(self, '_name')} (called as the grader calls it)>"


# --- grader mode ------------------------------------------------------------------------------


def _short_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [json.dumps(a, default=str)[:40] for a in args] + [f"{k}=…" for k in kwargs]
    text = ", ".join(parts)
    return text if len(text) <= 80 else text[:79] + "…"


BATCH_CALLS = 64  # calls per message of Worker.call_many


class Worker:
    """The sandbox serving one module (or a set of variants of it): a zygote forks a child per call.

    A call that fails (timeout, crash, memory) costs only that call; the sandbox is started
    again only when the zygote itself is gone.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        from course_core.grading.exercise import Limits

        self.config = config
        self.limits = Limits.from_dict(config["limits"])
        self.module = config["module"]
        self.sandbox: Any = None
        self.import_failure: dict[str, WorkerFailure] = {}  # variant → why it cannot be imported
        self.seq = 0
        self.sessions = 0

    def new_session(self) -> int:
        """A number for one test's calls: they share a forked child, the next test gets a fresh one."""
        self.sessions += 1
        return self.sessions

    def _variants(self) -> dict[str, Path]:
        if "variants" in self.config:
            return {k: Path(v) for k, v in self.config["variants"].items()}
        return {"student": Path(self.config["module_path"])}

    def _start(self) -> None:
        from course_core.grading.sandbox import Sandbox, SandboxError

        if self.config.get("missing"):
            self.import_failure["student"] = WorkerFailure(f"your {self.module}.py could not be graded: {self.config['missing']}")
            raise self.import_failure["student"]
        variants = self._variants()
        patches = {name: Path(p) for name, p in self.config.get("patches", {}).items()}  # a public chaff: its patch on the variant
        sandbox = Sandbox(self.limits, label=f"worker for {self.module}.py", forbidden=tuple(self.config.get("forbidden", ())))
        files: dict[str, Path | bytes] = {f"variants/{name}/{self.module}.py": path for name, path in variants.items()}
        files |= {f"variants/{name}/{patch.name}": patch for name, patch in patches.items()}
        try:
            sandbox.start(
                {"mode": "serve", "module": self.module, "preload": self.config.get("preload", []),
                 "variants": {name: f"variants/{name}/{self.module}.py" for name in variants},
                 "patches": {name: f"variants/{name}/{patch.name}" for name, patch in patches.items()}},
                files,
            )
        except SandboxError as exc:
            raise WorkerFailure(f"the grader could not start a sandbox ({exc}); tell your instructor") from None
        self.sandbox = sandbox

    def stop(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None

    def call(self, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any], variant: str = "student", session: int = 0,
             describe: bool = False) -> Any:
        """``fn(*args, **kwargs)`` in the sandbox; with ``describe``, the module's public names instead."""
        request = {"fn": fn, "args": list(args), "kwargs": dict(kwargs)}
        if describe:
            request["describe"] = True
        return self._ask(request, variant, session, args, kwargs)

    def call_many(self, fn: str, calls: list[tuple[Any, ...]], variant: str = "student", session: int = 0) -> list[Any]:
        """``[fn(*args) for args in calls]`` in the sandbox, in order, a few dozen calls per message.

        Each message has the time limit of one call: calls that are not quick (a bandit
        update is microseconds) belong in :meth:`call`.
        """
        found: list[Any] = []
        for start in range(0, len(calls), BATCH_CALLS):
            chunk = [list(args) for args in calls[start : start + BATCH_CALLS]]
            reply = self._ask({"fn": fn, "batch": chunk}, variant, session, tuple(chunk[0]), {})
            if not isinstance(reply, list) or len(reply) != len(chunk):
                raise WorkerFailure("your code's process sent something that is not a reply", f"{self.module}.{fn}(...)")
            found += reply
        return found

    def _ask(self, body: dict[str, Any], variant: str, session: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        from course_core.grading.sandbox import MessageTooLarge, UnreadableReply, WorkerDied, WorkerTimeout, backstop, describe_end

        fn = body["fn"]
        if variant in self.import_failure:
            raise self.import_failure[variant]
        try:
            request = {"seq": self.seq + 1, "session": session, **body, "variant": variant}
            line = json.dumps(request, allow_nan=False, ensure_ascii=True)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"test bug: arguments to student.{fn}() must be JSON values ({exc})") from None
        if self.sandbox is None or not self.sandbox.alive:
            self.stop()
            self._start()
        self.seq += 1
        timeout = self.limits.timeout_s

        def call_text() -> str:  # written only when the call fails
            return f"{self.module}.{fn}({_short_args(args, kwargs)})"

        def failure(message: str) -> WorkerFailure:
            return WorkerFailure(message, call_text())

        try:
            self.sandbox.send_line(line, timeout=timeout)
            reply = self.sandbox.recv(timeout=backstop(self.limits))
        except WorkerTimeout:
            self.stop()
            raise failure(f"your code did not return within {timeout:g} s") from None
        except WorkerDied:
            self.stop()
            raise failure("your code's sandbox ended unexpectedly") from None
        except MessageTooLarge:
            self.stop()
            raise failure("your code returned a value too large to grade") from None
        except UnreadableReply as exc:
            raise unreadable(self.module, fn, str(exc), call_text()) from None
        except ValueError:
            self.stop()
            raise failure("your code's process sent something that is not a reply") from None
        if reply.get("seq") != self.seq or sum(k in reply for k in ("ok", "error", "ended", "import_error")) != 1:
            raise failure("your code's process sent something that is not a reply")
        if "ok" in reply:
            return reply["ok"]
        if "ended" in reply:
            raise failure(describe_end(reply["ended"], self.limits))
        if "import_error" in reply:
            self.import_failure[variant] = self._import_message(reply["import_error"])
            raise self.import_failure[variant]
        return self._raise(reply["error"], fn, call_text())

    def _import_message(self, err: Any) -> WorkerFailure:
        kind, message, where = _error_fields(err)
        if kind == "ForbiddenImport":
            return WorkerFailure(forbidden_message(self.module, message))
        if kind == "SystemExit":
            return WorkerFailure(f"your {self.module}.py called sys.exit({message}) while being imported", hidden=f"your {self.module}.py called sys.exit() while being imported")
        reason = f"{kind}: {message}" + (f" (at {where})" if where else "")
        return WorkerFailure(f"your {self.module}.py could not be imported: {reason}", hidden=f"your {self.module}.py could not be imported",
                             reason=reason)

    def _raise(self, err: Any, fn: str, call_text: str) -> Any:
        raise _raised(err, self.module, fn, call_text, self.limits.memory_mb)


def unreadable(module: str, fn: str, why: str, call_text: str) -> WorkerFailure:
    """A returned value past what strict JSON allows; hidden tests show the kit's words only (the digit count is the student's)."""
    said = f"{module}.{fn}() returned a value the grader cannot read"
    return WorkerFailure(f"{said}: {why}", call_text, hidden=said)


def _raised(err: Any, module: str, fn: str, call_text: str, memory_mb: int | None) -> BaseException:
    """What a test sees for a worker's error reply: a StudentError, or a WorkerFailure in the kit's words."""
    kind, message, where = _error_fields(err)
    if kind == "ForbiddenImport":
        return WorkerFailure(forbidden_message(module, message))
    if kind == "SystemExit":
        return WorkerFailure(f"your code called sys.exit({message})", call_text, hidden="your code called sys.exit()")
    if kind == "MemoryError" and memory_mb is not None:
        return WorkerFailure(f"your code exceeded the memory limit of {memory_mb} MB", call_text)
    if kind == "NotJSON":
        return WorkerFailure(f"{module}.{fn}() returned something that is not a JSON value; return JSON values only (numbers, strings, lists, dicts, None)", call_text)
    if kind == "ReplyTooLarge":
        return WorkerFailure(f"{module}.{fn}() returned a value too large to grade", call_text)
    if kind == "NoSuchFunction":
        return WorkerFailure(f"your module has no function {fn}()")
    if kind in ("KeyboardInterrupt", "GeneratorExit") or not kind:
        return WorkerFailure(f"your code raised {kind or 'something unexpected'}", call_text)
    return student_error(kind, message, where)


def _error_fields(err: Any) -> tuple[str, str, str | None]:
    err = err if isinstance(err, dict) else {}
    where = err.get("where")
    return str(err.get("type") or ""), str(err.get("message") or ""), (str(where) if where else None)


def forbidden_message(module: str, imported: str) -> str:
    """Kit words: the student's module reached for the kit's own version of what it must implement."""
    return (
        f"your {module}.py imports {imported[:80]}, the kit's reference for what this exercise asks you to write: "
        "checks that reach it earn nothing. Write the function yourself (exercise.toml lists forbidden_imports)"
    )


class RelayProxy:
    """Inside a test-suite sandbox: ``student.fn(...)`` goes to the trusted side over the relay channel."""

    def __init__(self, channel: Any, module: str) -> None:
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_n", [0])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            counter = object.__getattribute__(self, "_n")
            counter[0] += 1
            channel = object.__getattribute__(self, "_channel")
            try:
                channel.write({"call": counter[0], "fn": name, "args": list(args), "kwargs": dict(kwargs)})
            except (TypeError, ValueError) as exc:
                raise TypeError(f"arguments to student.{name}() must be JSON values ({exc})") from None
            reply = channel.read()
            if not isinstance(reply, dict) or reply.get("call") != counter[0]:
                raise WorkerFailure("the grader's relay was interrupted")
            if "ok" in reply:
                return reply["ok"]
            if "failure" in reply:
                raise WorkerFailure(str(reply["failure"])[:500])
            kind, message, where = _error_fields(reply.get("error"))
            raise student_error(kind, message, where)

        call.__name__ = name
        return call

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the module under test cannot be modified from a test under the grader")

    def __repr__(self) -> str:
        return f"<student module {object.__getattribute__(self, '_module')} (another sandbox)>"


_RELAY: list[Any] = []


def use_relay(channel: Any) -> None:
    """Inside a suite sandbox: every ``student`` fixture reaches the module through ``channel``."""
    _RELAY[:] = [channel]


class StudentProxy:
    """``student.fn(...)`` → one JSON call to the worker."""

    def __init__(self, worker: Worker) -> None:
        object.__setattr__(self, "_worker", worker)
        object.__setattr__(self, "_session", worker.new_session())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        worker = object.__getattribute__(self, "_worker")
        session = object.__getattribute__(self, "_session")

        def call(*args: Any, **kwargs: Any) -> Any:
            return worker.call(name, args, kwargs, session=session)

        call.__name__ = name
        return call

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the student module cannot be modified from a test under the grader")

    def __repr__(self) -> str:
        return f"<student module {object.__getattribute__(self, '_worker').module} (sandboxed)>"


_WORKERS: dict[tuple[str, str], Worker] = {}


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
    import pytest  # here, not at the top: the grader's trusted process uses the Worker without pytest

    caller = sys._getframe(1).f_globals.get("__file__")
    exercise_dir = Path(caller).resolve().parent.parent if caller else Path.cwd()

    @pytest.fixture
    def student_data() -> StudentData:
        config = grader_config()
        return StudentData(exercise_dir if config is None else Path(config["module_path"]).parent)

    return student_data


def student_fixture(module: str) -> Any:
    """The ``student`` fixture for the module ``module``; call it in the exercise's tests/conftest.py."""
    import pytest

    caller = sys._getframe(1).f_globals.get("__file__")
    exercise_dir = Path(caller).resolve().parent.parent if caller else Path.cwd()

    @pytest.fixture
    def student(request: Any) -> Any:
        if _RELAY:
            return RelayProxy(_RELAY[0], module)
        config = grader_config()
        if config is None:
            from course_core.grading.module_choice import module_path

            return LocalProxy(module, *module_path(request.config, exercise_dir, module))
        if config["module"] != module:
            raise RuntimeError(f"grader configured for {config['module']!r}, tests ask for {module!r}")
        # hidden tests get a sandbox of their own: nothing they send can reach a visible test's feedback
        test_path = str(request.path)
        hidden = any(test_path.startswith(root.rstrip("/") + "/") for root in config.get("hidden_dirs", []))
        key = (module, "hidden" if hidden else "visible")
        worker = _WORKERS.get(key)
        if worker is None:
            worker = _WORKERS[key] = Worker(config)
        return StudentProxy(worker)

    return student
