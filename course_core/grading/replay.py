"""The trusted replay process: the kit's own instrument, run again from a run's recorded command.

Run by :mod:`course_core.grading.rederive` as ``python -m course_core.grading.replay SPEC.json``
in a private directory. It is kit code only: the instrument is the kit's CLI (``course/*.py``,
or a kit-owned exercise script) called with the recorded arguments, its inputs rewritten to
the files the grader checked, its ``--outdir`` to a scratch folder. A user's module the
instrument loads (``--policy``, ``--scorer-module``, b1's ``selection.py``) is answered through
:func:`course_core.usermodule.loaded_through`: it is served from a sandbox
(:class:`course_core.grading.harness.Worker`) and every call crosses as JSON, exactly as in the
Build tests. A run that is random by design replays its recorded choices instead (``choices``):
the instrument re-scores every row and recomputes the summary, and each recorded choice is
checked to be one the random rule could make.

The recorded command is the student's, so the process is bounded as a sandbox's code would be:
at most ``memory_mb`` of address space (a MemoryError ends that run only), files of at most
twice the exercise's ``max_file_mb`` (a bigger one cannot equal a submitted file), and
``budget_s`` of wall clock per run (a run's own ``budget_s``, if it has one).

Spec: ``{"limits", "forbidden", "memory_mb", "budget_s", "runs": [{"name", "entry", "argv", "modules", "choices", "tokenizer"}], "results"}``;
results: ``{name: {"exit": int, "error": str, "problems": [str]}}``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import importlib
import io
import json
import os
import resource
import runpy
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from course_core.errors import UserError
from course_core.grading.exercise import Limits
from course_core.grading.harness import StudentError, Worker, WorkerFailure
from course_core.paths import KIT_ROOT
from course_core.usermodule import LoadedModule, _check_required, _read_source, loaded_through

MAX_PROBLEMS = 5


class _Overtime(Exception):
    """A replayed run went past its wall-clock budget."""


_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})  # JSON's own scalars, exactly


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as the JSON values they stand for (tuples as lists)."""
    if type(value) in _SCALAR_TYPES:  # exactly these: numpy's float64 is a float, yet it becomes one by tolist()
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if _SCALAR_TYPES.issuperset(map(type, value)):
            return list(value)
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    return value


class _Relay:
    """One sandbox serving one user file, for every run that loads it: each load is a session of
    its own (a freshly forked child, the module imported anew); its JSON constants are copied once per load."""

    def __init__(self, name: str, file: str, limits: dict[str, Any], forbidden: list[str]) -> None:
        self.worker = Worker({"module": name, "module_path": file, "limits": limits, "forbidden": forbidden, "preload": []})

    def module(self, given: str, name: str) -> ModuleType:
        session = self.worker.new_session()
        described = self.worker.call("", (), {}, session=session, describe=True)
        module = ModuleType(name)
        module.__file__ = given
        for key, value in described.get("values", {}).items():
            setattr(module, key, value)
        for fn in described.get("functions", []):
            setattr(module, fn, _named(name, fn, self._function(fn, session)))
        return module

    def _function(self, fn: str, session: int) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            return self.worker.call(fn, tuple(_plain(a) for a in args), _plain(kwargs), session=session)

        def call_many(calls: list[tuple[Any, ...]]) -> list[Any]:  # LoadedModule.call_many: one message per few dozen
            return self.worker.call_many(fn, [tuple(_plain(a) for a in args) for args in calls], session=session)

        call._kit_call_many = call_many  # type: ignore[attr-defined]
        return call

    def stop(self) -> None:
        self.worker.stop()


_RELAYS: dict[tuple[str, str], _Relay] = {}  # (module, file) → its sandbox, for the whole replay process


def _relay(module: str, file: str, limits: dict[str, Any], forbidden: list[str]) -> _Relay:
    relay = _RELAYS.get((module, file))
    if relay is None:
        relay = _RELAYS[(module, file)] = _Relay(module, file, limits, forbidden)
    return relay


def _stop_relays() -> None:
    for relay in _RELAYS.values():
        relay.stop()
    _RELAYS.clear()


def _named(module: str, name: str, fn: Any) -> Any:
    """``fn`` as the instrument would see the user's function ``module.name`` (labels are made from both)."""
    fn.__module__, fn.__name__, fn.__qualname__ = module, name, name
    return fn


class _RecordedChoices:
    """A random pick replayed: every call returns the next recorded choice, checked against the rule."""

    def __init__(self, choices: list[int], problems: list[str]) -> None:
        self.choices = iter(choices)
        self.item = 0
        self.problems = problems

    def __call__(self, offered: Sequence[dict[str, Any]], *_: Any, **__: Any) -> int:
        self.item += 1
        choice = next(self.choices, None)
        if choice is None:
            raise UserError("results.jsonl holds fewer choices than the run has items")
        if isinstance(choice, int) and not isinstance(choice, bool) and 0 <= choice < len(offered):
            best = max(float(s["reward"]) for s in offered)
            if float(offered[choice]["reward"]) < best and len(self.problems) < MAX_PROBLEMS:
                self.problems.append(f"row {self.item}: selected_index {choice} has reward {offered[choice]['reward']:g} while a sample of "
                                     f"reward {best:g} was offered; a random tie-break picks among the best only")
        return choice


@contextlib.contextmanager
def _user_modules(run: dict[str, Any], limits: dict[str, Any], forbidden: list[str], problems: list[str]) -> Iterator[None]:
    def load(path: str, required: Sequence[str], flag: str, name: str | None) -> LoadedModule:
        key = str(Path(path).resolve())
        entry = run["modules"].get(key)
        if entry is None:
            raise UserError(f"{flag}: the run loads {path}, which is not a file of your submission the grader can replay")
        source = _read_source(Path(entry["file"]), path, flag)
        digest = "sha256:" + hashlib.sha256(source).hexdigest()
        name = name or f"_kit_user_module_{digest[7:19]}"
        if run.get("choices") is not None:
            module = ModuleType(name)
            pick = _RecordedChoices(run["choices"], problems)
            for fn in required:
                setattr(module, fn, _named(name, fn, lambda *a, **k: pick(*a, **k)))
        else:
            module = _relay(entry["module"], entry["file"], limits, forbidden).module(path, name)
        _check_required(module, required, path, flag)
        return LoadedModule(module=module, path=path, sha256=digest, flag=flag)

    with loaded_through(load):
        yield


def _main_of(entry: str) -> Any:
    """The instrument's ``main(argv)``: a kit CLI module (``course.eval``) or a kit-owned script."""
    if entry.startswith("course."):
        return importlib.import_module(entry).main
    return runpy.run_path(str(KIT_ROOT / entry), run_name="_replayed_script")["main"]


def replay(run: dict[str, Any], limits: dict[str, Any], forbidden: list[str], memory_mb: int = 0) -> dict[str, Any]:
    """One run replayed; what the instrument said when it did not finish."""
    problems: list[str] = []
    err = io.StringIO()
    code: int | None = None
    sys.argv = ["replay", *run["argv"]]
    try:
        with _user_modules(run, limits, forbidden, problems), _tokenizer_as_recorded(run.get("tokenizer")), \
                contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = int(_main_of(run["entry"])(run["argv"]) or 0)
    except UserError as exc:
        code, text = exc.exit_code, str(exc)
        return {"exit": code, "error": text, "problems": problems}
    except StudentError as exc:
        return {"exit": 2, "error": f"your code raised {exc.type_name}: {exc.message[:300]}", "problems": problems}
    except WorkerFailure as exc:
        return {"exit": 2, "error": exc.message, "problems": problems}
    except MemoryError:
        return {"exit": 70, "error": f"the instrument needed more than the replay's {memory_mb} MB of memory for this command",
                "problems": problems}
    except _Overtime:
        return {"exit": 70, "error": "the instrument took longer than the replay's budget for one run on this command", "problems": problems}
    except OSError as exc:
        if exc.errno != errno.EFBIG:
            raise
        return {"exit": 70, "error": "the instrument wrote a file larger than any submitted file may be", "problems": problems}
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    return {"exit": code, "error": err.getvalue()[-1500:], "problems": problems}


TOKENIZER_ENV = "RLF_REPLAY_TOKENIZER"  # course_core.learning.tokens.AS_RECORDED_ENV (grading imports no learning module)


@contextlib.contextmanager
def _tokenizer_as_recorded(kind: str | None) -> Iterator[None]:
    """A token run made where the `tokens` extra was missing fell back to UTF-8 bytes: replay that
    fallback here too, whatever this machine has; one split by cl100k_base needs it here."""
    if kind is None:
        yield
        return
    os.environ[TOKENIZER_ENV] = kind
    try:
        yield
    finally:
        os.environ.pop(TOKENIZER_ENV, None)


def _bounded(spec: dict[str, Any]) -> None:
    """This process's own limits (soft ones: the sandboxes it starts set theirs)."""
    caps = ((resource.RLIMIT_AS, int(spec["memory_mb"]) << 20), (resource.RLIMIT_FSIZE, 2 * Limits.from_dict(spec["limits"]).max_file_bytes))
    for which, cap in caps:
        soft, hard = resource.getrlimit(which)
        if hard == resource.RLIM_INFINITY or cap <= hard:
            resource.setrlimit(which, (cap, hard))


@contextlib.contextmanager
def _wall_clock(seconds: float) -> Iterator[None]:
    def overtime(*_: Any) -> None:
        raise _Overtime

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _replay_bounded(run: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    try:
        with _wall_clock(float(run.get("budget_s", spec["budget_s"]))):
            return replay(run, spec["limits"], spec["forbidden"], int(spec["memory_mb"]))
    except _Overtime:  # past the budget outside the instrument's own frame (while a user module loaded, say)
        return {"exit": 70, "error": "the instrument took longer than the replay's budget for one run on this command", "problems": []}


def _no_abbreviations() -> None:
    """Every parser of this process takes full option names only: argparse would read a recorded
    ``--out /anywhere`` as ``--outdir``, which the grader rewrites by its full name alone."""
    init = argparse.ArgumentParser.__init__

    def strict(self: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        init(self, *args, **kwargs)

    argparse.ArgumentParser.__init__ = strict  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    # Figures are not compared (rederive.UNCOMPARED_SUFFIXES), so none is drawn: with matplotlib
    # hidden, the instruments write a run as they do where it is not installed, in a tenth of the time.
    sys.modules["matplotlib"] = None  # type: ignore[assignment]
    _no_abbreviations()
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    _bounded(spec)
    try:
        results = {run["name"]: _replay_bounded(run, spec) for run in spec["runs"]}
    finally:
        _stop_relays()
    Path(spec["results"]).write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
