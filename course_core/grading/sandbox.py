"""The sandbox: start untrusted code in a separate, limited process, and end it completely.

A sandboxed process is ``python -I -S -B worker.py`` (see :mod:`course_core.grading.worker`)
started with ``start_new_session=True`` in a fresh scratch directory, with a scrubbed
environment and, before ``exec``, resource limits: RLIMIT_AS (memory), RLIMIT_CPU,
RLIMIT_NPROC, RLIMIT_FSIZE, RLIMIT_CORE=0. Messages travel over two dedicated pipes (never
stdout), one JSON object per line, with a wall-clock deadline kept by the trusted side.

Isolation depends on who runs the grader (``isolation()`` probes once and says which):

``uid``
    The grader runs as root (CI, Gradescope): every sandboxed process runs as its own unused
    uid/gid (61000 and up, leased with a lock file), with no supplementary groups. It can write
    only its scratch directory and world-writable temp dirs, cannot signal the grader, and
    RLIMIT_NPROC bounds its processes. When it ends, every process of that uid is killed
    (``kill(-1)`` from that uid, then a /proc scan), so no fork or setsid'ed child survives.
``uid+read``
    Root, but the Python interpreter is not reachable by an unprivileged user (for example it
    lives under ``/root``): as ``uid``, except the process keeps CAP_DAC_READ_SEARCH so it can
    load the interpreter and its libraries. It can then *read* any file, hidden tests
    included; install Python outside ``/root`` for full isolation.
``same-uid``
    Not root (a student grading their own work): same uid as the grader, the same limits
    (RLIMIT_NPROC counted on top of the user's current processes), a process-group kill and a
    /proc scan for a per-process random token. Student code could read files the user can
    read; hidden tests are never copied into its scratch directory, and the grader never
    tells it where they are. Full isolation needs root (CI).

Root without any working privilege drop is refused: RLIMIT_NPROC does not bind root, so a
fork bomb could not be contained.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import resource
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

from course_core.grading.exercise import Limits
from course_core.grading.reaper import (
    LeaseError,
    UidLease,
    cpu_of,
    current_task_count,
    environ_has,
    kill_tagged,
    kill_uid,
    pids_of_uid,
    proc_pids,
    session_of,
)
from course_core.paths import KIT_ROOT

WORKER_RELPATH = Path("course_core") / "grading" / "worker.py"
MAX_MESSAGE = 32 << 20  # largest JSON reply accepted, bytes
STARVED_GRACE = 3.0  # a worker starved of CPU may wait up to this many timeouts
ISOLATION_ENV = "RLF_SANDBOX_ISOLATION"
KITLIB_ENV = "RLF_GRADER_KITLIB"

# Linux constants (linux/prctl.h, linux/capability.h)
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_KEEPCAPS = 1, 4, 8
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE = 24, 38, 47, 2
CAP_DAC_READ_SEARCH, CAP_LAST = 2, 63
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class SandboxError(RuntimeError):
    """The grader could not start or talk to a sandboxed process (not the student's fault)."""


class WorkerTimeout(Exception):
    """No reply within the wall-clock deadline."""


class WorkerDied(Exception):
    """The sandboxed process ended (or closed its pipe) before replying."""

    def __init__(self, returncode: int | None, stderr_tail: str = "") -> None:
        super().__init__(f"worker ended with status {returncode}")
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class MessageTooLarge(Exception):
    """The reply exceeded MAX_MESSAGE bytes."""


# --- environment of the trusted side ----------------------------------------------------------


def make_undumpable() -> None:
    """Best effort: hide this trusted process's /proc entries (cwd, environ, fds, memory) from same-uid code."""
    try:
        _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


@lru_cache(maxsize=None)
def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


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


def _copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), symlinks=False)


_KITLIB: list[Path] = []


def kit_library() -> Path:
    """A world-readable copy of the kit's library (course_core/ and schemas/), nothing else.

    Sandboxed code may import course_core (exercise modules use the scorer) without learning
    where the kit, and its solutions/, live. One copy per grader process tree: a copy made
    by a parent is passed down in $RLF_GRADER_KITLIB.
    """
    inherited = os.environ.get(KITLIB_ENV)
    if inherited and (Path(inherited) / WORKER_RELPATH).is_file():
        return Path(inherited)
    if _KITLIB:
        return _KITLIB[0]
    root = Path(tempfile.mkdtemp(prefix="rlf-kitlib-"))
    _copy_tree(KIT_ROOT / "course_core", root / "course_core")
    _copy_tree(KIT_ROOT / "schemas", root / "schemas")
    for path in [root, *root.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    _KITLIB.append(root)
    atexit.register(shutil.rmtree, root, True)
    return root


# --- isolation mode ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Isolation:
    mode: str  # "uid" | "uid+read" | "same-uid"
    note: str

    @property
    def drops_uid(self) -> bool:
        return self.mode != "same-uid"


NOTES = {
    "uid": "sandboxed code runs as its own unprivileged uid (full isolation)",
    "uid+read": (
        "sandboxed code runs as its own unprivileged uid but keeps read access to every file, because the "
        "Python interpreter is not reachable by unprivileged users (e.g. installed under /root); "
        "install Python elsewhere for full isolation"
    ),
    "same-uid": (
        "sandboxed code runs as your own user with resource limits; full isolation (hidden tests out of "
        "reach) needs the grader to run as root, as in CI"
    ),
}


@lru_cache(maxsize=None)
def isolation() -> Isolation:
    """How sandboxed code is separated from the grader here (probed once, inherited via env)."""
    forced = os.environ.get(ISOLATION_ENV)
    if forced in NOTES and (forced != "same-uid" or os.geteuid() != 0):
        return Isolation(forced, NOTES[forced])
    if os.geteuid() != 0:
        return Isolation("same-uid", NOTES["same-uid"])
    for mode in ("uid", "uid+read"):
        if _probe(mode):
            return Isolation(mode, NOTES[mode])
    raise SandboxError(
        "the grader runs as root but cannot start Python as an unprivileged user, so student code "
        "could not be contained (RLIMIT_NPROC does not bind root); run the grader as a normal user"
    )


def _probe(mode: str) -> bool:
    code = "import sys; sys.path[:] = %r; import json, pytest" % (python_paths(),)
    try:
        with UidLease() as lease:
            done = subprocess.run(
                [sys.executable, "-I", "-S", "-B", "-c", code],
                env={"PATH": os.defpath, "LANG": "C.UTF-8"},
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_Preexec(Limits(timeout_s=20, cpu_s=20, memory_mb=1024), lease.uid, mode == "uid+read", 0),
                timeout=30,
            )
            return done.returncode == 0
    except (OSError, subprocess.SubprocessError, LeaseError):
        return False


# --- the child side of fork: limits and privileges before exec ---------------------------------


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class _Preexec:
    """Runs in the child between fork and exec. Everything it needs is prepared beforehand."""

    def __init__(self, limits: Limits, uid: int, keep_read: bool, nproc_base: int) -> None:
        mem = int(limits.memory_mb) << 20
        cpu = max(1, int(limits.cpu_s))
        fsize = int(limits.max_file_mb * (1 << 20))
        self.rlimits = [
            (resource.RLIMIT_AS, (mem, mem)),
            (resource.RLIMIT_CPU, (cpu, cpu + 1)),
            (resource.RLIMIT_NPROC, (nproc_base + limits.max_processes, nproc_base + limits.max_processes)),
            (resource.RLIMIT_FSIZE, (fsize, fsize)),
            (resource.RLIMIT_CORE, (0, 0)),
        ]
        self.uid = uid
        self.keep_read = keep_read
        self.libc = _libc() if sys.platform.startswith("linux") else None
        if keep_read:
            self.header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
            bit = 1 << CAP_DAC_READ_SEARCH
            self.caps = (_CapData * 2)(_CapData(bit, bit, bit), _CapData(0, 0, 0))

    def __call__(self) -> None:
        libc = self.libc
        for which, value in self.rlimits:
            try:
                resource.setrlimit(which, value)
            except (ValueError, OSError):
                if which == resource.RLIMIT_NPROC and self.uid == 0:
                    continue  # same-uid, non-root: the count is checked on fork anyway
                raise
        if self.uid:
            if self.keep_read:
                for cap in range(CAP_LAST + 1):
                    if cap != CAP_DAC_READ_SEARCH:
                        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
                if libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_SET_KEEPCAPS)")
            os.setgroups([])
            os.setgid(self.uid)
            os.setuid(self.uid)
            if self.keep_read:
                if libc.capset(ctypes.byref(self.header), self.caps) != 0:
                    raise OSError(ctypes.get_errno(), "capset")
                if libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_READ_SEARCH, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAP_AMBIENT_RAISE)")
        if libc is not None:
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


# --- one sandboxed process --------------------------------------------------------------------


def _chown_tree(root: Path, uid: int) -> None:
    for path in [root, *root.rglob("*")]:
        os.lchown(path, uid, uid)


def _rmtree_hard(root: Path) -> None:
    """Remove a scratch tree even where its owner made parts read-only.

    Permissions are only ever changed on real directories strictly inside ``root``: never on
    ``root``'s parent (the shared temp dir), never through a symlink.
    """
    top = str(root)

    def onerror(func: Any, p: str, exc_info: Any) -> None:
        if isinstance(exc_info[1], FileNotFoundError):
            return
        parent = os.path.dirname(p)
        inside = parent == top or parent.startswith(top + os.sep)
        try:
            if inside and not os.path.islink(parent) and os.path.isdir(parent):
                os.chmod(parent, 0o700)
                func(p)
        except OSError:
            pass

    if os.path.lexists(root):
        shutil.rmtree(root, onerror=onerror)


class Sandbox:
    """One sandboxed worker process: ``start`` it, ``send``/``recv`` JSON lines, ``close`` it for good."""

    def __init__(self, limits: Limits, label: str = "worker") -> None:
        self.limits = limits
        self.label = label
        self.iso = isolation()
        self.proc: subprocess.Popen[bytes] | None = None
        self.scratch: Path | None = None
        self._lease: UidLease | None = None
        self._rfd = self._wfd = -1
        self._buf = b""
        self._stderr: Any = None
        self.token = secrets.token_hex(16)

    # -- life cycle

    def start(self, config: dict[str, Any], files: dict[str, Path | bytes]) -> None:
        """Create the scratch dir holding ``files`` (name → source path or bytes), start the worker, send ``config``."""
        self.scratch = Path(tempfile.mkdtemp(prefix="rlf-sbx-"))
        (self.scratch / "tmp").mkdir()
        for name, src in files.items():
            dest = self.scratch / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(src, bytes):
                dest.write_bytes(src)
            else:
                shutil.copyfile(src, dest)
        uid = 0
        if self.iso.drops_uid:
            try:
                self._lease = UidLease().__enter__()
            except LeaseError as exc:
                self.close()
                raise SandboxError(str(exc)) from exc
            uid = self._lease.uid
            _chown_tree(self.scratch, uid)
        lib = kit_library()
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": str(self.scratch),
            "TMPDIR": str(self.scratch / "tmp"),
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "PYTHONPATH": os.pathsep.join([str(lib), str(self.scratch)]),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "NO_COLOR": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "RLF_SANDBOX_TOKEN": self.token,
        }
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        self._stderr = tempfile.TemporaryFile()
        nproc_base = 0 if uid else current_task_count()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-B", str(lib / WORKER_RELPATH), str(req_r), str(rep_w)],
                cwd=self.scratch,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                pass_fds=(req_r, rep_w),
                start_new_session=True,
                preexec_fn=_Preexec(self.limits, uid, self.iso.mode == "uid+read", nproc_base),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            for fd in (req_r, req_w, rep_r, rep_w):
                os.close(fd)
            self.close()
            raise SandboxError(f"could not start the sandboxed {self.label}: {exc}") from exc
        finally:
            if self.proc is not None:
                os.close(req_r)
                os.close(rep_w)
        self._wfd, self._rfd = req_w, rep_r
        os.set_blocking(self._wfd, False)
        self.send({**config, "scratch": str(self.scratch)}, timeout=10)

    def close(self) -> None:
        """Kill the whole process tree, reap it, remove the scratch dir, release the uid."""
        proc = self.proc
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            if self._lease is not None:
                kill_uid(self._lease.uid)
            else:
                kill_tagged(self.token, proc.pid)
        for fd in (self._rfd, self._wfd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._rfd = self._wfd = -1
        if self.scratch is not None:
            _rmtree_hard(self.scratch)
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
        return self.proc is not None and self.proc.poll() is None and self._rfd >= 0

    # -- messages

    def send(self, message: dict[str, Any], timeout: float) -> None:
        data = (json.dumps(message, allow_nan=False) + "\n").encode("utf-8")
        deadline = time.monotonic() + timeout
        while data:
            if self.proc is None or self._wfd < 0:
                raise WorkerDied(None)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimeout()
            _, writable, _ = select.select([], [self._wfd], [], min(remaining, 0.2))
            if not writable:
                if self.proc.poll() is not None:
                    raise WorkerDied(self.proc.returncode, self.stderr_tail())
                continue
            try:
                n = os.write(self._wfd, data)
            except BrokenPipeError:
                raise WorkerDied(self._wait_status(), self.stderr_tail()) from None
            except BlockingIOError:
                continue
            data = data[n:]

    def recv(self, timeout: float) -> dict[str, Any]:
        """The next message, strictly parsed (no NaN/Infinity, an object); raises on timeout, death or excess.

        A worker that got less than half a CPU while waiting (the machine is busy, e.g. with
        another submission's fork bomb) is given extra wall time, up to STARVED_GRACE × timeout,
        so one submission's load does not cost another its points.
        """
        start = time.monotonic()
        deadline = start + timeout
        cpu_start = self.tree_cpu_seconds()
        while b"\n" not in self._buf:
            if self.proc is None or self._rfd < 0:
                raise WorkerDied(None)
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                used = self.tree_cpu_seconds() - cpu_start
                limit = start + STARVED_GRACE * timeout
                if used < 0.5 * (now - start) and now < limit:
                    deadline = min(limit, now + (now - start) - used)
                    continue
                raise WorkerTimeout()
            readable, _, _ = select.select([self._rfd], [], [], min(remaining, 0.2))
            if readable:
                chunk = os.read(self._rfd, 1 << 16)
                if not chunk:
                    raise WorkerDied(self._wait_status(), self.stderr_tail())
                self._buf += chunk
                if len(self._buf) > MAX_MESSAGE:
                    raise MessageTooLarge()
            elif self.proc.poll() is not None:
                self._drain()
                if b"\n" not in self._buf:
                    raise WorkerDied(self.proc.returncode, self.stderr_tail())
        line, _, self._buf = self._buf.partition(b"\n")
        return parse_message(line)

    def tree_cpu_seconds(self) -> float:
        """CPU time (user + system, reaped children included) used so far by every process of this sandbox.

        A busy tree (a fork bomb) is not "starved", however little its main process got.
        """
        if self.proc is None:
            return 0.0
        if self._lease is not None:
            pids = set(pids_of_uid(self._lease.uid))
        else:
            tag = f"RLF_SANDBOX_TOKEN={self.token}".encode()
            pids = {p for p in proc_pids() if session_of(p) == self.proc.pid or environ_has(p, tag)}
        return sum(cpu_of(pid) for pid in pids | {self.proc.pid})

    def _drain(self) -> None:
        while True:
            readable, _, _ = select.select([self._rfd], [], [], 0)
            if not readable:
                return
            chunk = os.read(self._rfd, 1 << 16)
            if not chunk:
                return
            self._buf += chunk
            if len(self._buf) > MAX_MESSAGE:
                raise MessageTooLarge()

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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_message(line: bytes) -> dict[str, Any]:
    """Strict JSON: UTF-8, no NaN/Infinity, one object."""
    try:
        value = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"malformed message from the worker: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("malformed message from the worker: not an object")
    return value


def describe_exit(returncode: int | None, limits: Limits) -> str:
    """What an unexpected end of the worker most likely means, for a student."""
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


__all__ = [
    "Isolation",
    "MessageTooLarge",
    "Sandbox",
    "SandboxError",
    "WorkerDied",
    "WorkerTimeout",
    "describe_exit",
    "isolation",
    "kit_library",
    "make_undumpable",
    "parse_message",
    "python_paths",
]
