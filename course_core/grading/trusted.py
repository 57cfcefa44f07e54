"""The trusted runs (the kit's test runner, the replay), each a fork of a process that imported them once.

The test runner (:mod:`~course_core.grading.testrun`) and the replay
(:mod:`~course_core.grading.replay`) are kit code only, run once or twice per exercise, each in
a process of its own. Started as ``python -m``, every run paid for an interpreter and its imports
(pytest and its plugins, numpy and the instruments: about 0.6 s of CPU per exercise). Instead a
grading process starts this server once, on its first trusted run; the server imports them and
forks a child per run. No student code ever runs in the server or its children: the student's
module is served from a sandbox, as before.

    python -m course_core.grading.trusted      (requests on stdin, replies on stdout, a JSON line each)
    request   {"entry": "testrun" | "replay", "argv": [...], "cwd", "env", "log"}
    replies   {"pid": n} when the run has started, {"exit": code} when it has ended

A child starts a session of its own (so a run that overstays is killed with its process group),
takes ``env`` as its whole environment and ``cwd`` as its directory, and writes its output to ``log``.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ENTRIES = {"testrun": "course_core.grading.testrun", "replay": "course_core.grading.replay"}
PRELOAD = ("pytest", "pytest_jsonreport.plugin", *ENTRIES.values(), "numpy")  # what the runs import, once, in the server


# --- the server ---------------------------------------------------------------------------------


def _run_child(request: dict[str, Any]) -> None:
    """In the forked child: become the run the request describes; never returns."""
    code = 70
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        os.chdir(request["cwd"])
        if sys.path and sys.path[0] == _STARTED_IN:  # as `python -m` run here would have it
            sys.path[0] = os.getcwd()
        os.environ.clear()
        os.environ.update(request["env"])
        module = importlib.import_module(ENTRIES[request["entry"]])
        argv = [str(a) for a in request["argv"]]
        sys.argv = [module.__name__, *argv]
        code = int(module.main(argv[0]) if request["entry"] == "testrun" else module.main(argv))
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - a kit bug: its traceback goes to the run's log
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


_STARTED_IN = os.getcwd()


def serve() -> None:
    from course_core.grading.sandbox import make_undumpable

    make_undumpable()  # and so every run forked from here: a same-uid sandbox cannot read their memory
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # nothing an import prints can reach the replies
    os.close(null)
    from course_core.grading.rederive import INSTRUMENTS  # the kit CLIs a replay may run

    for name in (*PRELOAD, *INSTRUMENTS):
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # an optional part: the run imports it (and says so) if it needs it
    from course_core.artifacts.manifest import environment

    environment()  # git and uname asked once here, not by every replay forked from here (it caches them)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        gc.freeze()  # the imports above are never scanned again by a run's collections, nor copied on write by them
        pid = os.fork()
        if pid == 0:
            replies.close()
            _run_child(request)
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()
        _, status = os.waitpid(pid, 0)
        replies.write(json.dumps({"exit": os.waitstatus_to_exitcode(status)}) + "\n")
        replies.flush()


# --- the grading process's side ------------------------------------------------------------------


class TrustedRunFailed(RuntimeError):
    """The server could not run a request (it is gone, or said something else)."""


_SERVER: dict[str, Any] = {}


def _server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = _SERVER.get("proc")
    if proc is not None and proc.poll() is None:
        return proc
    from course_core.paths import KIT_ROOT

    proc = subprocess.Popen(
        [sys.executable, "-m", "course_core.grading.trusted"], cwd=KIT_ROOT, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    _SERVER.update(proc=proc, buffer=b"")
    if not _SERVER.get("atexit"):
        atexit.register(stop)
        _SERVER["atexit"] = True
    return proc


def stop() -> None:
    """End this process's server (its stdin closes; it exits once its run, if any, has ended)."""
    proc = _SERVER.pop("proc", None)
    if proc is not None:
        try:
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


def _reply(proc: subprocess.Popen[bytes], timeout: float) -> dict[str, Any] | None:
    """The server's next reply; None when ``timeout`` seconds pass first."""
    assert proc.stdout is not None
    fd, deadline = proc.stdout.fileno(), time.monotonic() + timeout
    while b"\n" not in _SERVER["buffer"]:
        if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            raise TrustedRunFailed("the trusted-run server ended")
        _SERVER["buffer"] += chunk
    line, _, _SERVER["buffer"] = _SERVER["buffer"].partition(b"\n")
    return json.loads(line)


def run(entry: str, argv: list[str], *, cwd: Path, env: dict[str, str], log: Path, timeout: float) -> int | None:
    """Run ``entry`` (``"testrun"`` or ``"replay"``) with ``argv``; its exit status, or None if it
    took longer than ``timeout`` seconds of wall clock (it is then killed with its process group)."""
    proc = _server(env)
    assert proc.stdin is not None
    try:
        request = {"entry": entry, "argv": argv, "cwd": str(cwd), "env": env, "log": str(log)}
        proc.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
        proc.stdin.flush()
        started = _reply(proc, 60)
    except (OSError, ValueError) as exc:
        stop()
        raise TrustedRunFailed(f"the trusted-run server could not be reached ({exc})") from None
    if started is None or "pid" not in started:
        stop()
        raise TrustedRunFailed("the trusted-run server did not start the run")
    ended = _reply(proc, timeout)
    if ended is None:
        try:
            os.killpg(started["pid"], signal.SIGKILL)
        except OSError:
            pass
        if _reply(proc, 30) is None:  # the server reaps it and says so; if it does not, it is not used again
            stop()
        return None
    return int(ended["exit"])


if __name__ == "__main__":
    serve()
