"""A user's Python file, run by an instrument: ``--policy FILE``, ``--scorer-module FILE``, ...

Exercises let the kit's own instruments run a student's code, so the classroom instrument and
the student's module write the same kind of run directory. The instrument records what it ran
in its manifest: the path as given and the sha256 of the very bytes that were executed (they
are read once, hashed, and compiled from that one copy), so a run names the code behind it
and the grader can re-derive it.

    loaded = load_user_module("exercises/c1_reinforce/reinforce.py", ["softmax"], flag="--policy")
    loaded.module.softmax(...)
    manifest["policy_module"] = loaded.record()

Every way the file can be wrong (missing, a directory, not UTF-8, a syntax error, an exception
at import, a missing function) is a :class:`~course_core.errors.UserError` naming the file, the
line where Python can tell, and what to do. So is every way a call of its functions can end
other than by returning, through :meth:`LoadedModule.call` or :meth:`LoadedModule.function`:
an exception, ``sys.exit()``, any other BaseException (GeneratorExit, a class of the user's
own); only KeyboardInterrupt still interrupts. What a function returns is the caller's to
check: :func:`finite_float` and :func:`shown` read a returned value without running any code
of its own (a rigged ``__eq__``, ``__float__`` or ``__repr__``).
"""

from __future__ import annotations

import functools
import hashlib
import math
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Sequence

from course_core.errors import UserError, did_you_mean

MAX_MODULE_BYTES = 1 << 20  # a student's module is source code, not data


@dataclass(frozen=True)
class LoadedModule:
    """A module loaded from a user's file, with what a manifest needs to name it."""

    module: ModuleType
    path: str
    sha256: str
    flag: str = "--module"
    # True when load_user_module ran the file in this process: then a call that exits or raises a
    # BaseException is the user's too. A module served from a sandbox (the grader's replay) reports
    # those endings itself (harness.WorkerFailure, in the kit's words) and they pass through.
    in_process: bool = False
    also_ran: tuple[str, ...] = ()  # a public chaff: the module it patches, run before it (errors there are named there)

    def record(self) -> dict[str, str]:
        """The manifest entry: ``{"path": ..., "sha256": "sha256:<hex>"}``."""
        return {"path": self.path, "sha256": self.sha256}

    def function(self, name: str) -> Any:
        """The module's callable ``name`` (checked to exist and be callable at load time).

        Its ordinary exceptions are the caller's to word; a call that ends otherwise (``sys.exit()``,
        another BaseException but KeyboardInterrupt) is a UserError naming the file and ``name``.
        """
        fn = getattr(self.module, name)
        if not self.in_process:
            return fn

        @functools.wraps(fn)  # the same name to whoever labels it (a custom selector's name is the function's)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception:
                raise
            except BaseException as exc:
                raise self._escaped(name, "", exc) from None

        return guarded

    def call(self, name: str, *args: Any, when: str = "", **kwargs: Any) -> Any:
        """``name(*args)``; any exception it raises becomes a UserError naming the file and line.

        ``when`` says where the instrument was (e.g. ``"at step 12"``), for the message.
        A NotImplementedError reads "not implemented yet", as a stub's would.
        """
        return self._converted(name, when, lambda: getattr(self.module, name)(*args, **kwargs))

    def call_many(self, name: str, calls: Sequence[tuple[Any, ...]], when: str = "") -> list[Any]:
        """``[name(*args) for args in calls]``, in that order, with :meth:`call`'s errors.

        A function the grader relays to a sandbox answers the whole list in one message
        (its ``_kit_call_many``); anywhere else this is a plain loop.
        """
        many = getattr(getattr(self.module, name), "_kit_call_many", None)
        if callable(many):
            return self._converted(name, when, lambda: many([tuple(args) for args in calls]))
        return [self.call(name, *args, when=when) for args in calls]

    def _converted(self, name: str, when: str, run: Callable[[], Any]) -> Any:
        at = f" {when}" if when else ""
        try:
            return run()
        except NotImplementedError as exc:
            raise UserError(f"{self.flag}: `{name}` is not implemented yet{at}: {exc}", **self._where(exc),
                            hint="finish the function first (see the exercise README)") from None
        except Exception as exc:  # noqa: BLE001 - any failure of the user's code is the user's to fix
            raise UserError(f"{self.flag}: `{name}` raised {type_name(exc)}{at}: {said(exc)}", **self._where(exc),
                            hint="run your tests, or call the function by hand with these inputs") from None
        except BaseException as exc:
            if not self.in_process:
                raise
            raise self._escaped(name, when, exc) from None

    def _where(self, exc: BaseException) -> dict[str, Any]:
        """``path`` and ``line`` of the innermost frame of the user's that ``exc`` passed through (the file itself by default)."""
        files = (self.path, *self.also_ran)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]
        return {"path": frames[-1].filename, "line": frames[-1].lineno} if frames else {"path": self.path, "line": None}

    def _escaped(self, name: str, when: str, exc: BaseException) -> BaseException:
        """The UserError for a call of ``name`` that ended by ``exc``, not an Exception; KeyboardInterrupt itself."""
        if isinstance(exc, KeyboardInterrupt):
            return exc
        at = f" {when}" if when else ""
        if isinstance(exc, SystemExit):
            what = f"called exit({shown(exc.code)}){at}"
        else:
            text = said(exc)
            what = f"raised {type_name(exc)}{at}" + (f": {text}" if text else "")
        return UserError(f"{self.flag}: `{name}` {what}", **self._where(exc),
                         hint="a function an instrument calls returns a value or raises an ordinary Exception: never exit(), never another BaseException")


Loader = Callable[[str, Sequence[str], str, "str | None"], LoadedModule]
_LOADER: list[Loader] = []  # while the grader re-derives a run: how a user's file is reached instead


@contextmanager
def loaded_through(loader: Loader) -> Iterator[None]:
    """While active, every :func:`load_user_module` call is answered by ``loader(path, required, flag)``.

    The grader replays a student's run with the kit's instrument in its own process and the
    student's module in a sandbox: its loader returns a :class:`LoadedModule` whose calls are
    relayed there, so no user code runs beside the instrument.
    """
    _LOADER.append(loader)
    try:
        yield
    finally:
        _LOADER.remove(loader)


def load_user_module(path: str | Path, required: Sequence[str] = (), *, flag: str = "--module", name: str | None = None) -> LoadedModule:
    """Import ``path`` as a fresh module and check it defines each callable in ``required``.

    ``flag`` names the command-line option the path came from, for the error messages;
    ``name`` is the module's ``__name__`` when what the instrument records depends on it
    (b1's ``custom:selection.pick_best``), else a name made from the file's hash.
    """
    if _LOADER:
        return _LOADER[-1](str(path), required, flag, name)
    given = str(path)
    source = _read_source(Path(path), given, flag)
    base = _patched_base(source, Path(path), given, flag)
    ran = (source,) if base is None else (_read_source(Path(base), base, flag), source)  # a public chaff: its module, then it
    digest = "sha256:" + hashlib.sha256(b"".join(ran)).hexdigest()  # one file: the file's own hash
    name = name or f"_kit_user_module_{digest[7:19]}"
    module = ModuleType(name)
    module.__file__ = str(Path(base or given).resolve())
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    _run_in(module.__dict__, base or given, ran[0], flag)
    if base is not None:
        from course_core import module_patch

        namespace = module_patch.namespace_for(module)
        _run_in(namespace, given, source, flag)
        module = sys.modules[name] = module_patch.exported(module, namespace)
    _check_required(module, required, given, flag)
    return LoadedModule(module=module, path=given, sha256=digest, flag=flag, in_process=True, also_ran=(base,) if base else ())


def _patched_base(source: bytes, path: Path, given: str, flag: str) -> str | None:
    """The module a public chaff's ``PATCHES = "<module>.py"`` names (beside its chaffs/ folder), or None for a plain file."""
    from course_core import module_patch

    try:
        name = module_patch.patched_file(source, given)
    except module_patch.PatchError as exc:
        raise UserError(f"{flag}: {exc}", path=given) from None
    if name is None:
        return None
    if path.resolve().parent.name != "chaffs":
        raise UserError(f"{flag}: `{module_patch.MARKER} = {name!r}` makes a file a public chaff, a patch on another module; "
                        "only a file in an exercise's chaffs/ folder can be one", path=given,
                        hint=f"write this file as a whole module of its own, without the {module_patch.MARKER} line")
    base = path.parent.parent / name
    if not base.is_file():
        raise UserError(f"{flag}: the file is a chaff that patches {name}, and {base} does not exist", path=given,
                        hint=f"keep the chaff in its exercise's chaffs/ folder, beside {name}")
    return str(base)


def _run_in(namespace: dict[str, Any], given: str, source: bytes, flag: str) -> None:
    """Compile and run ``source`` in a module's ``namespace``; every way it can fail is a UserError naming ``given``."""
    try:
        code = compile(source, given, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise UserError(
            f"{flag}: the file is not valid Python: {exc.msg}",
            path=given,
            line=exc.lineno,
            hint="fix the syntax error, then run the command again (python -m py_compile FILE shows it too)",
        ) from None
    name = namespace["__name__"]
    try:
        exec(code, namespace)  # noqa: S102 - running the user's own code is the point
    except SystemExit as exc:
        sys.modules.pop(name, None)
        raise UserError(f"{flag}: importing the file called exit({shown(exc.code)})", path=given,
                        hint="a module an instrument loads must not exit when imported") from None
    except KeyboardInterrupt:
        sys.modules.pop(name, None)
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure of the user's code is the user's to fix
        sys.modules.pop(name, None)
        raise UserError(
            f"{flag}: importing the file raised {type_name(exc)}: {said(exc)}",
            path=given,
            line=_user_line(exc, given),
            hint="run `python FILE` to see the full traceback",
        ) from None


def _read_source(path: Path, given: str, flag: str) -> bytes:
    if not path.exists():
        raise UserError(f"{flag}: no such file", path=given, hint="give the path to your .py file, relative to where you run the command")
    if not path.is_file():
        raise UserError(f"{flag}: not a file", path=given, hint="give the path to a .py file, not a folder")
    with path.open("rb") as fh:
        source = fh.read(MAX_MODULE_BYTES + 1)
    if len(source) > MAX_MODULE_BYTES:
        raise UserError(f"{flag}: the file is larger than {MAX_MODULE_BYTES // 1024} KiB", path=given)
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{flag}: the file is not UTF-8 text (byte {exc.start})", path=given) from None
    return source


def _user_line(exc: BaseException, given: str) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == given]
    return frames[-1].lineno if frames else None


def _check_required(module: ModuleType, required: Sequence[str], given: str, flag: str) -> None:
    defined = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
    for name in required:
        value = getattr(module, name, None)
        if callable(value):
            continue
        hint = did_you_mean(name, defined, f"define `def {name}(...)` as the exercise README describes")
        what = "is not a function" if value is not None else "is not defined"
        raise UserError(f"{flag}: `{name}` {what} in the file", path=given, field=name, hint=hint)


MAX_SAID_CHARS = 300


def said(exc: BaseException) -> str:
    """``str(exc)`` for a message, at most MAX_SAID_CHARS long, as valid text; an exception of the
    user's own whose ``__str__`` fails is shown by its class alone."""
    try:
        text = str(exc)
        if type(text) is not str:
            return ""
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - the user's __str__ failing must not hide the first failure
        return "(its message cannot be shown)"
    text = text if len(text) <= MAX_SAID_CHARS else text[: MAX_SAID_CHARS - 1] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def type_name(value: Any) -> str:
    """The name of ``value``'s class, as valid text (a class of the user's may be named anything)."""
    name = type.__dict__["__name__"].__get__(type(value))
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def finite_float(value: Any) -> float | None:
    """``value`` as a float if it is a real, finite number, else None.

    A number is an int or a float (numpy's float64 is one), never a bool. It is read by the
    builtin types' own conversion, so a subclass's ``__float__`` or ``__eq__`` never runs; an
    int too large for a float (10**400) is None, as are NaN and the infinities.
    """
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, float):
            number = float.__float__(value)
        elif isinstance(value, int):
            number = int.__float__(value)
        else:
            return None
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def exact_int(value: Any) -> int | None:
    """``value`` as a plain int if it is an int (not a bool), read without running a subclass's code; else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__int__(value)
    return None


MAX_SHOWN_DIGITS = 40


def shown(value: Any, limit: int = 80) -> str:
    """A short text of a value the user's code made, for a message: at most ``limit`` characters.

    JSON-like values (numbers, strings, lists, tuples, dicts) read as Python writes them; any
    other object by its type's name, so no ``__repr__`` of the user's runs; a huge integer by
    its number of digits; strings as valid text (a lone surrogate escaped).
    """
    parts: list[str] = []
    room = [limit + 1]

    def put(text: str) -> None:
        parts.append(text)
        room[0] -= len(text)

    def walk(item: Any) -> None:
        if room[0] <= 0:
            return
        if item is None or isinstance(item, bool):
            put(repr(bool(item)) if item is not None else "None")
        elif isinstance(item, float):
            put(float.__repr__(float.__float__(item)))
        elif isinstance(item, int):
            number = int.__int__(item)
            digits = number.bit_length() * 0.30103
            put(repr(number) if digits < MAX_SHOWN_DIGITS else f"<an integer of about {int(digits) + 1} digits>")
        elif isinstance(item, str):
            text = str.__str__(item)[: room[0] + 2]
            put(repr(text.encode("utf-8", "backslashreplace").decode("utf-8")))
        elif isinstance(item, (list, tuple, dict)):
            if isinstance(item, dict):
                opening, closing, items = "{", "}", list(dict.items(item))
            else:
                opening, closing = ("[", "]") if isinstance(item, list) else ("(", ")")
                items = list(list.__iter__(item)) if isinstance(item, list) else list(tuple.__iter__(item))
            put(opening)
            for i, entry in enumerate(items):
                if room[0] <= 0:
                    return
                if i:
                    put(", ")
                if isinstance(item, dict):
                    walk(entry[0])
                    put(": ")
                    walk(entry[1])
                else:
                    walk(entry)
            put(closing)
        else:
            put(f"<{type_name(item)} object>")

    walk(value)
    text = "".join(parts).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"
