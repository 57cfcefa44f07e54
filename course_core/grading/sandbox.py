"""The sandbox: untrusted code in a separate, bounded world, reached only through pipes.

A sandbox is one zygote (:mod:`course_core.grading.worker`) started in a fresh scratch
directory with a scrubbed environment; the trusted side talks to it over a dedicated pipe pair
(and, for a test suite, a second "relay" pair that carries the suite's calls to the module
under test). Messages are one JSON object per line, parsed strictly here.

Isolation depends on what the machine allows (``isolation()`` probes once and says which):

``bwrap``
    User namespaces work: every sandbox is a bubblewrap container (:mod:`course_core.grading.bwrap`)
    with its own mount, pid, ipc, network and uts namespaces and uid. It sees the interpreter
    and its own copy of the kit library read-only, its check's files read-only, one
    size-limited writable tmpfs, and nothing else of the host. Processes and memory are bounded
    for the sandbox as a whole (RLIMIT_NPROC per user namespace; the zygote sums the memory of
    every process and kills them all over the limit), the disk by the tmpfs size.
``uid`` / ``uid+read`` / ``same-uid``
    The fallback of :mod:`course_core.grading.uid_isolation` where user namespaces are
    unavailable: a uid of its own per sandbox when root, per-process limits.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from course_core.artifacts import strict_json
from course_core.grading import bwrap
from course_core.grading.exercise import Limits
from course_core.grading.worker import STARVED_MAX, children_of
from course_core.paths import KIT_ROOT

WORKER_RELPATH = Path("course_core") / "grading" / "worker.py"
MAX_MESSAGE = 32 << 20  # largest JSON reply accepted, bytes
BACKSTOP_S = 10.0  # the zygote keeps each call's clock; this much after its longest the trusted side ends the sandbox
ISOLATION_ENV = "RLF_SANDBOX_ISOLATION"
KITLIB_ENV = "RLF_GRADER_KITLIB"
PR_SET_DUMPABLE = 4


class SandboxError(RuntimeError):
    """The grader could not start or talk to a sandboxed process (not the student's fault)."""


class WorkerTimeout(Exception):
    """No reply within the wall-clock deadline."""


class WorkerDied(Exception):
    """The sandbox's zygote ended (or closed its pipe) before replying."""

    def __init__(self, returncode: int | None, stderr_tail: str = "") -> None:
        super().__init__(f"worker ended with status {returncode}")
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class MessageTooLarge(Exception):
    """The reply exceeded MAX_MESSAGE bytes."""


def backstop(limits: Limits) -> float:
    """How long the trusted side waits for the zygote's answer before it ends the sandbox itself."""
    return STARVED_MAX * limits.timeout_s + BACKSTOP_S


# --- environment of the trusted side ----------------------------------------------------------


@lru_cache(maxsize=None)
def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def make_undumpable() -> None:
    """Best effort: hide this trusted process's /proc entries (cwd, environ, fds, memory) from same-uid code."""
    try:
        _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def python_paths() -> list[str]:
    """The interpreter's own import path (stdlib, lib-dynload, site-packages): never the kit root or cwd.

    A virtualenv inside the kit (``.nox/``) is kept: it is the interpreter's, not the kit's code.
    """
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    wanted = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    out: list[str] = []
    for entry in sys.path:
        if not entry:
            continue
        real = os.path.realpath(entry)
        inside_prefix = any(real == p or real.startswith(p + os.sep) for p in prefixes)
        if (inside_prefix or entry in wanted) and Path(real) != KIT_ROOT and entry not in out:
            out.append(entry)
    for entry in sorted(wanted):
        if entry not in out and os.path.isdir(entry):
            out.append(entry)
    return out


_KITLIBS: dict[str, Path] = {}  # ",".join(sorted(forbidden)) → copy


def _module_path(root: Path, dotted: str) -> Path | None:
    base = root.joinpath(*dotted.split("."))
    if base.is_dir():
        return base
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _compiled_elsewhere(folder: str, names: list[str]) -> set[str]:
    """What a copy of the kit library leaves out: bytecode of other interpreters, and stray .pyc files.

    This interpreter's ``__pycache__`` is kept, so sandboxes (which run with ``-B``) import the
    kit without compiling it again; Python checks each .pyc against its source's size and
    modification time (copied along), so a stale one is simply not used.
    """
    tag = f".{sys.implementation.cache_tag}.pyc"
    if os.path.basename(folder) == "__pycache__":
        return {n for n in names if not n.endswith(tag)}
    return {n for n in names if n.endswith((".pyc", ".pyo"))}


def kit_library(forbidden: tuple[str, ...] = ()) -> Path:
    """A world-readable copy of the kit's library (course_core/ and schemas/) minus ``forbidden`` modules.

    Sandboxed code may import course_core (exercise modules use the scorer) without learning
    where the kit, and its solutions/, live; a module the exercise asks the student to write
    is not in the copy at all. One copy per set of forbidden modules and grader process tree:
    the first is copied, the others are hard links to it minus their forbidden modules, and the
    copies a parent made are passed down in $RLF_GRADER_KITLIB (:func:`kit_libraries_env`).
    """
    key = ",".join(sorted(forbidden))
    found = _KITLIBS.get(key) or _inherited_kitlibs().get(key)
    if found is not None and (found / WORKER_RELPATH).is_file():
        _KITLIBS[key] = found
        return found
    plain = kit_library() if key else None
    # a derived copy is named after the plain one: its path starts with the plain copy's
    root = Path(tempfile.mkdtemp(prefix=f"{plain.name}-" if plain else "rlf-kitlib-", dir=plain.parent if plain else None))
    atexit.register(shutil.rmtree, root, True)
    if plain is not None:
        for name in ("course_core", "schemas"):
            shutil.copytree(plain / name, root / name, copy_function=os.link, symlinks=False)
    else:
        for name in ("course_core", "schemas"):
            shutil.copytree(KIT_ROOT / name, root / name, ignore=_compiled_elsewhere, symlinks=False)
    for dotted in sorted(forbidden):
        module = _module_path(root, dotted)
        if module is not None and module.is_dir():
            shutil.rmtree(module)
        elif module is not None:
            module.unlink()
            for compiled in (module.parent / "__pycache__").glob(f"{module.stem}.*.pyc"):
                compiled.unlink()
    for path in [root, *root.rglob("*")]:
        if key and not path.is_dir():
            continue  # hard links share the plain copy's modes
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    _KITLIBS[key] = root
    return root


def _inherited_kitlibs() -> dict[str, Path]:
    try:
        given = json.loads(os.environ.get(KITLIB_ENV) or "{}")
    except ValueError:
        return {}
    return {k: Path(v) for k, v in given.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(given, dict) else {}


def kit_libraries_env() -> str:
    """Every kit library copy this process knows of, for $RLF_GRADER_KITLIB of the processes it starts."""
    return json.dumps({**{k: str(v) for k, v in _inherited_kitlibs().items()}, **{k: str(v) for k, v in _KITLIBS.items()}})


# --- isolation mode ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Isolation:
    mode: str  # "bwrap" | "uid" | "uid+read" | "same-uid"
    note: str

    @property
    def drops_uid(self) -> bool:
        return self.mode in ("uid", "uid+read")

    @property
    def contained(self) -> bool:
        """Each sandbox sees nothing of the host but what its check needs."""
        return self.mode == "bwrap"


NOTES = {
    "bwrap": "each check runs in its own bubblewrap sandbox (own namespaces, nothing of the host but the interpreter)",
    "uid": (
        "user namespaces are not available here, so sandboxes cannot hide the filesystem: student code runs as "
        "its own unprivileged uid and can read what every user may read (hidden tests and solutions are made private)"
    ),
    "uid+read": (
        "user namespaces are not available here and the Python interpreter is not reachable by unprivileged users "
        "(e.g. installed under /root), so student code runs as its own uid but can read every file, hidden tests "
        "included; install Python elsewhere or allow user namespaces for full isolation"
    ),
    "same-uid": (
        "user namespaces are not available here, so student code runs as your own user with resource limits "
        "and could read your files"
    ),
}


@lru_cache(maxsize=None)
def isolation() -> Isolation:
    """How sandboxed code is separated from the grader here (probed once, inherited via env)."""
    forced = os.environ.get(ISOLATION_ENV)
    if forced in NOTES and (forced != "same-uid" or os.geteuid() != 0):
        return Isolation(forced, NOTES[forced])
    if _probe_bwrap():
        return Isolation("bwrap", NOTES["bwrap"])
    if os.geteuid() != 0:
        return Isolation("same-uid", NOTES["same-uid"])
    from course_core.grading.uid_isolation import probe

    for mode in ("uid", "uid+read"):
        if probe(mode, python_paths()):
            return Isolation(mode, NOTES[mode])
    raise SandboxError(
        "the grader runs as root but can neither create user namespaces nor start Python as an unprivileged "
        "user, so student code could not be contained (RLIMIT_NPROC does not bind root); run the grader as a normal user"
    )


def _probe_bwrap() -> bool:
    if bwrap.bwrap_path() is None or os.environ.get("RLF_SANDBOX_NO_BWRAP"):
        return False
    try:
        with Sandbox(Limits(timeout_s=20, cpu_s=20, memory_mb=1024, max_processes=16), "probe", mode="bwrap") as sb:
            sb.start({"mode": "serve", "module": "probe", "variants": {}}, {})
            return True
    except (SandboxError, WorkerDied, WorkerTimeout, ValueError, OSError):
        return False


# --- strict messages --------------------------------------------------------------------------


class UnreadableReply(ValueError):
    """A reply that is JSON but holds a value no check can compute with (a 400-digit integer, 1e400, 300 levels of lists)."""


def parse_message(line: bytes) -> dict[str, Any]:
    """Strict JSON (:mod:`course_core.artifacts.strict_json`): UTF-8, finite numbers, bounded nesting, one object."""
    try:
        value = strict_json.loads(line)
    except strict_json.UnsafeJSON as exc:
        raise UnreadableReply(str(exc)) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"malformed message from the worker: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("malformed message from the worker: not an object")
    return value


# --- one sandbox ------------------------------------------------------------------------------


# What a machine's owner sets for its CPU, passed on to every grader process and sandbox: some
# OpenBLAS builds pick a wrong kernel on processors they misdetect (wrong results, or a crash),
# and a student's run, made with these set, is replayed with the same BLAS kernel.
MACHINE_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def machine_env() -> dict[str, str]:
    """The :data:`MACHINE_ENV` variables this process has."""
    return {k: os.environ[k] for k in MACHINE_ENV if k in os.environ}


def _sandbox_env(home: str) -> dict[str, str]:
    return machine_env() | {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": home,
        "TMPDIR": f"{home}/tmp",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "NO_COLOR": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _memfd(data: bytes) -> int:
    fd = os.memfd_create("rlf-file", 0)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class Sandbox:
    """One sandbox: ``start`` its zygote, ``send``/``recv`` JSON lines, ``close`` it for good.

    ``files`` maps a path under the scratch dir (``variants/...``, ``suite/...``) to a source
    path or bytes; under bubblewrap those folders are read-only inside. With ``relay=True``
    a second channel carries a test suite's calls (``relay_recv``/``relay_send``).
    """

    def __init__(self, limits: Limits, label: str = "worker", *, relay: bool = False, forbidden: tuple[str, ...] = (), mode: str | None = None) -> None:
        self.limits = limits
        self.label = label
        self.relay = relay
        self.forbidden = tuple(forbidden)
        self.mode = mode or isolation().mode
        self.proc: subprocess.Popen[bytes] | None = None
        self.scratch: Path | None = None  # host path (fallback modes only)
        self._lease: Any = None
        self._fds: dict[str, int] = {}
        self._bufs: dict[str, bytes] = {"control": b"", "relay": b""}
        self._stderr: Any = None
        self.token = secrets.token_hex(16)

    # -- life cycle

    def start(self, config: dict[str, Any], files: dict[str, Path | bytes]) -> None:
        """Start the zygote with ``files`` in its scratch dir, send it ``config``, wait until it is ready."""
        contents = {rel: (src if isinstance(src, bytes) else Path(src).read_bytes()) for rel, src in files.items()}
        pipes = {"ctl_in": os.pipe(), "ctl_out": os.pipe()}
        if self.relay:
            pipes.update({"rel_in": os.pipe(), "rel_out": os.pipe()})
        # the zygote reads the *_in pipes and writes the *_out pipes
        child_fds = [pipes["ctl_in"][0], pipes["ctl_out"][1]] + ([pipes["rel_in"][0], pipes["rel_out"][1]] if self.relay else [])
        self._stderr = tempfile.TemporaryFile()
        try:
            if self.mode == "bwrap":
                scratch, lib = self._start_bwrap(contents, child_fds)
            else:
                scratch, lib = self._start_fallback(contents, child_fds)
        except (OSError, subprocess.SubprocessError) as exc:
            for r, w in pipes.values():
                os.close(r)
                os.close(w)
            self.close()
            raise SandboxError(f"could not start the sandboxed {self.label}: {exc}") from exc
        for fd in child_fds:
            os.close(fd)
        self._fds = {"control_w": pipes["ctl_in"][1], "control": pipes["ctl_out"][0]}
        if self.relay:
            self._fds.update({"relay_w": pipes["rel_in"][1], "relay": pipes["rel_out"][0]})
        for name in ("control_w", "relay_w"):
            if name in self._fds:
                os.set_blocking(self._fds[name], False)
        full = {
            **config,
            "scratch": scratch,
            "sys_path": [lib, *python_paths()],
            "limits": self.limits.as_dict(),
            "set_nproc": self.mode == "bwrap",
            "forbidden": list(self.forbidden),
        }
        self.send(full, timeout=10)
        hello = self.recv(timeout=60)
        if not hello.get("ready"):
            self.close()
            raise SandboxError(f"the sandboxed {self.label} did not start")

    def _start_bwrap(self, contents: dict[str, bytes], child_fds: list[int]) -> tuple[str, str]:
        userns = bwrap.make_userns() if os.geteuid() == 0 else None
        data = {rel: _memfd(blob) for rel, blob in contents.items()}
        try:
            payload = [sys.executable, "-I", "-S", "-B", f"{bwrap.KIT_MOUNT}/{WORKER_RELPATH.as_posix()}", *map(str, child_fds)]
            argv = bwrap.command(
                kit_library=kit_library(self.forbidden), scratch_mb=self.limits.max_disk_mb, data_files=data,
                payload=payload, env=_sandbox_env(f"{bwrap.SCRATCH}/work"), userns_fd=userns,
            )
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
                pass_fds=(*child_fds, *data.values(), *([userns] if userns is not None else [])),
                start_new_session=True,
            )
        finally:
            for fd in [*data.values(), *([userns] if userns is not None else [])]:
                os.close(fd)
        return bwrap.SCRATCH, bwrap.KIT_MOUNT

    def _start_fallback(self, contents: dict[str, bytes], child_fds: list[int]) -> tuple[str, str]:
        from course_core.grading.reaper import LeaseError, UidLease, current_task_count
        from course_core.grading.uid_isolation import Preexec, chown_tree

        self.scratch = Path(tempfile.mkdtemp(prefix="rlf-sbx-"))
        for rel, blob in contents.items():
            dest = self.scratch / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(blob)
        (self.scratch / "work" / "tmp").mkdir(parents=True)
        uid = 0
        if self.mode in ("uid", "uid+read"):
            try:
                self._lease = UidLease().__enter__()
            except LeaseError as exc:
                raise OSError(str(exc)) from exc
            uid = self._lease.uid
            os.chmod(self.scratch, 0o755)
            chown_tree(self.scratch / "work", uid)
        lib = kit_library(self.forbidden)
        env = {**_sandbox_env(str(self.scratch / "work")), "RLF_SANDBOX_TOKEN": self.token}
        nproc_base = 0 if uid else current_task_count()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-B", str(lib / WORKER_RELPATH), *map(str, child_fds)],
            cwd=self.scratch, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
            pass_fds=tuple(child_fds), start_new_session=True,
            preexec_fn=Preexec(self.limits, uid, self.mode == "uid+read", nproc_base),
        )
        return str(self.scratch), str(lib)

    def close(self) -> None:
        """Kill every process of the sandbox, reap them, remove the scratch dir, release the uid."""
        proc = self.proc
        if proc is not None:
            inits = children_of(proc.pid) if self.mode == "bwrap" else []
            for pid in inits:
                try:  # the pid namespace's init: the kernel ends every process in it, then bwrap exits
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                proc.wait(timeout=10 if inits else 0)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            if self.mode != "bwrap":
                from course_core.grading.reaper import kill_tagged, kill_uid

                if self._lease is not None:
                    kill_uid(self._lease.uid)
                else:
                    kill_tagged(self.token, proc.pid)
        for fd in self._fds.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = {}
        if self.scratch is not None:
            from course_core.grading.uid_isolation import rmtree_hard

            rmtree_hard(self.scratch)
            self.scratch = None
        if self._lease is not None:
            self._lease.release()
            self._lease = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and "control" in self._fds

    # -- messages

    def send(self, message: dict[str, Any], timeout: float, channel: str = "control") -> None:
        self.send_line(json.dumps(message, allow_nan=False, ensure_ascii=True), timeout, channel)

    def send_line(self, line: str, timeout: float, channel: str = "control") -> None:
        """``line`` (one JSON object, ASCII, as :meth:`send` encodes it) and its newline."""
        data = (line + "\n").encode("ascii")
        fd = self._fds.get(f"{channel}_w", -1)
        if self.proc is not None and fd >= 0:
            try:  # a call's message fits the pipe: most are written at once, with no wait
                data = data[os.write(fd, data):]
            except (BlockingIOError, BrokenPipeError):
                pass
        deadline = time.monotonic() + timeout
        while data:
            if self.proc is None or fd < 0:
                raise WorkerDied(None)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimeout()
            _, writable, _ = select.select([], [fd], [], min(remaining, 0.2))
            if not writable:
                if self.proc.poll() is not None:
                    raise WorkerDied(self.proc.returncode, self.stderr_tail())
                continue
            try:
                n = os.write(fd, data)
            except BrokenPipeError:
                raise WorkerDied(self._wait_status(), self.stderr_tail()) from None
            except BlockingIOError:
                continue
            data = data[n:]

    def recv(self, timeout: float) -> dict[str, Any]:
        """The zygote's next message, strictly parsed; raises on timeout, death or excess."""
        channel, message = self.next_message(timeout, channels=("control",))
        return message

    def next_message(self, timeout: float, channels: tuple[str, ...] = ("control", "relay")) -> tuple[str, dict[str, Any]]:
        """(channel, message) of whichever of ``channels`` speaks first; the wall clock is ``timeout``."""
        deadline = time.monotonic() + timeout
        wanted = [c for c in channels if c in self._fds]
        while True:
            for c in wanted:
                if b"\n" in self._bufs[c]:
                    line, _, self._bufs[c] = self._bufs[c].partition(b"\n")
                    return c, parse_message(line)
            if self.proc is None or not wanted:
                raise WorkerDied(None)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimeout()
            readable, _, _ = select.select([self._fds[c] for c in wanted], [], [], min(remaining, 0.5))
            for c in wanted:
                if self._fds[c] in readable:
                    chunk = os.read(self._fds[c], 1 << 16)
                    if not chunk:
                        raise WorkerDied(self._wait_status(), self.stderr_tail())
                    self._bufs[c] += chunk
                    if len(self._bufs[c]) > MAX_MESSAGE:
                        raise MessageTooLarge()
            if not readable and self.proc.poll() is not None:
                raise WorkerDied(self.proc.returncode, self.stderr_tail())

    def discard_relay(self) -> None:
        """Drop whatever a finished suite run left unread on the relay channel."""
        self._bufs["relay"] = b""
        fd = self._fds.get("relay", -1)
        while fd >= 0 and select.select([fd], [], [], 0)[0]:
            if not os.read(fd, 1 << 16):
                return

    def _wait_status(self) -> int | None:
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def stderr_tail(self, limit: int = 2000) -> str:
        if self._stderr is None:
            return ""
        try:
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - limit))
            return self._stderr.read().decode("utf-8", "replace")
        except OSError:
            return ""


def describe_exit(returncode: int | None, limits: Limits) -> str:
    """What an unexpected end of a call's process most likely means, for a student."""
    if returncode is None:
        return "your code's process stopped answering"
    if returncode >= 0:
        return f"your code ended the process (exit status {returncode}, e.g. os._exit({returncode})) before returning"
    sig = -returncode
    if sig == signal.SIGXCPU:
        return f"your code used more than {limits.cpu_s} s of CPU time"
    if sig == signal.SIGKILL:
        return f"your code's process was killed (SIGKILL): over the CPU limit ({limits.cpu_s} s) or out of memory"
    if sig == signal.SIGXFSZ:
        return f"your code wrote a file larger than {limits.max_file_mb:g} MB"
    if sig == signal.SIGSEGV:
        return f"your code crashed the interpreter (SIGSEGV; often the memory limit of {limits.memory_mb} MB or a too-deep recursion)"
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    return f"your code's process was killed by {name}"


def describe_end(ended: Any, limits: Limits) -> str:
    """The zygote's account of a call or run that gave no reply, for a student (kit words only)."""
    ended = ended if isinstance(ended, dict) else {}
    if ended.get("timeout"):
        return f"your code did not return within {limits.timeout_s:g} s"
    if "memory_mb" in ended:
        return f"your code used more than the memory limit of {limits.memory_mb} MB (all its processes together)"
    if "processes" in ended:
        return f"your code reached the limit of {limits.max_processes} processes and threads (all of them together)"
    if ended.get("too_large"):
        return "your code returned a value too large to grade"
    status = ended.get("status")
    return describe_exit(status if isinstance(status, int) and not isinstance(status, bool) else None, limits)


__all__ = [
    "Isolation",
    "MessageTooLarge",
    "Sandbox",
    "SandboxError",
    "WorkerDied",
    "WorkerTimeout",
    "backstop",
    "describe_end",
    "describe_exit",
    "isolation",
    "kit_library",
    "make_undumpable",
    "parse_message",
    "python_paths",
]
