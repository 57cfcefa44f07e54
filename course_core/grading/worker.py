"""The zygote: the only grader code that runs INSIDE a sandbox, next to untrusted code.

Started by :mod:`course_core.grading.sandbox` as ``python -I -S -B worker.py CTL_IN CTL_OUT
[RELAY_IN RELAY_OUT]``. Before anything of the student's runs it applies the limits, drops to
the sandbox's unprivileged uid (when it starts as the namespace's root), installs the import
guard, and imports what every check needs (the kit modules the exercise uses; pytest, its
plugins and the harness for a suite run, whose pytest configuration it also makes) — once. Then
every test's calls, and every run of a test suite, get a ``fork()``: the child does the work and writes its replies into a pipe of its own; the zygote
keeps the wall clock and the sandbox's memory total, forwards the reply, and afterwards ends
every other process of the sandbox. Under bubblewrap the zygote is pid 1 of the sandbox's pid
namespace, so ``kill(-1)`` reaches every process but itself and no student process can
signal it.

Each test's calls share one forked child (the module imported once per test); the next
test, or a call after a crash or timeout, gets a fresh one. Protocol (one JSON object per
line; stdout is /dev/null and ``print`` goes to a size-capped buffer, so nothing a student
prints can look like a reply):

    trusted → zygote   config {"mode": "serve"|"suite", "limits", "sys_path", "scratch", ...}
    zygote → trusted   {"ready": true}
    serve:   trusted → {"seq", "session", "fn", "args", "kwargs"[, "variant"]}
             zygote  → {"seq", "ok": value} | {"seq", "error": {...}} | {"seq", "ended": {...}}
    suite:   trusted → {"seq", "run": true}; the child's calls arrive on the relay channel
             zygote  → {"seq", "suite": {"exit", "tests"}} | {"seq", "ended": {...}}

``ended`` says why a child gave no reply: {"status": n} (it exited or was killed by a
signal), {"timeout": true}, {"memory_mb": n}, {"processes": n} (the sandbox's processes and
threads stayed at ``max_processes`` for TASK_CAP_S, so no fork could succeed) or
{"too_large": true}. Nothing here decides a grade: the trusted side parses every reply
strictly and judges it.
"""

from __future__ import annotations

import gc
import io
import json
import os
import select
import signal
import sys
import time
import traceback

MAX_REPLY = 16 << 20  # bytes of JSON per reply
TEXT_LIMIT = 2000
SAMPLE_S = 0.02  # how often the memory total is sampled while a child runs
IDLE_SAMPLE_S = 0.1  # ... and between calls, while a test's child is alive
STARVED_MAX = 3.0  # a child kept waiting for a CPU gets at most this many times its limit
TASK_CAP_S = 0.25  # how long a sandbox may stay at its process limit before its work is ended
SANDBOX_UID = 1000  # the unprivileged uid inside a bubblewrap sandbox
SCRATCH_KEEP = ("suite", "variants")  # entries of the scratch dir that survive between suite runs


class CappedText(io.TextIOBase):
    """A text sink that keeps the first and last ``cap`` characters and counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.head = ""
        self.tail = ""
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        s = str(s)
        room = self.cap - len(self.head)
        if room > 0:
            self.head += s[:room]
            s = s[room:]
        if s:
            self.tail = (self.tail + s)[-self.cap :]
            self.dropped += len(s)
        return len(s)


class Channel:
    """Newline-delimited JSON over two raw pipe descriptors."""

    def __init__(self, fd_in: int, fd_out: int) -> None:
        self.fd_in, self.fd_out = fd_in, fd_out
        self.buf = b""

    def read(self) -> dict | None:
        while b"\n" not in self.buf:
            chunk = os.read(self.fd_in, 1 << 16)
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line.decode("utf-8"))

    def ready(self, timeout: float) -> bool:
        """A message is (or within ``timeout`` becomes) readable."""
        return b"\n" in self.buf or bool(select.select([self.fd_in], [], [], timeout)[0])

    def write(self, message: dict) -> None:
        write_all(self.fd_out, (json.dumps(message, allow_nan=False) + "\n").encode("utf-8"))


def write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _short(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- before any student code: limits, uid, import guard ---------------------------------------


def apply_limits(limits: dict) -> None:
    """Kernel limits for this process and everything it forks (none can be raised again)."""
    import resource

    mem = int(limits["memory_mb"]) << 20
    cpu = max(1, int(limits["cpu_s"]))
    fsize = int(float(limits["max_file_mb"]) * (1 << 20))
    nproc = int(limits["max_processes"])
    for which, value in (
        (resource.RLIMIT_AS, mem),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, fsize),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, 256),
        (resource.RLIMIT_MSGQUEUE, 0),  # POSIX message queues outlive a run and cannot be listed to remove: none at all
    ):
        resource.setrlimit(which, (value, value))
    if limits.get("set_nproc", True):  # the fallback sets it before exec, on top of the user's processes
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def drop_to_sandbox_uid() -> None:
    """Inside bubblewrap the zygote may start as the namespace's root (with CAP_SETUID only): leave it."""
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(SANDBOX_UID)
        os.setuid(SANDBOX_UID)


class ForbiddenImport(ImportError):
    """The student's code imported a kit module the exercise asks the student to write."""


class ImportGuard:
    """A meta-path finder that refuses the exercise's ``forbidden_imports`` (and their submodules)."""

    def __init__(self, forbidden: list[str]) -> None:
        self.forbidden = tuple(forbidden)

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        for banned in self.forbidden:
            if name == banned or name.startswith(banned + "."):
                raise ForbiddenImport(banned)  # the exercise's words, not the name the student built
        return None


def install_guard(forbidden: list[str]) -> None:
    if forbidden:
        for name in list(sys.modules):
            if any(name == b or name.startswith(b + ".") for b in forbidden):
                del sys.modules[name]
        sys.meta_path.insert(0, ImportGuard(forbidden))


# --- a child per call -------------------------------------------------------------------------


def describe(exc: BaseException, module_file: str) -> dict:
    """type, message and the innermost line of the student's own file that was running."""
    if isinstance(exc, ForbiddenImport) or isinstance(exc.__cause__ or exc.__context__, ForbiddenImport):
        found = exc if isinstance(exc, ForbiddenImport) else (exc.__cause__ or exc.__context__)
        return {"type": "ForbiddenImport", "message": str(found), "where": None}
    where = None
    if isinstance(exc, SyntaxError) and exc.lineno:
        where = f"{os.path.basename(exc.filename or module_file)}:{exc.lineno}"
    else:
        for frame in traceback.extract_tb(exc.__traceback__):
            if os.path.basename(frame.filename) == os.path.basename(module_file):
                where = f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}"
    try:
        message = str(exc) if not isinstance(exc, SystemExit) else repr(exc.code)
    except BaseException:  # a student exception whose __str__ raises
        message = "<unprintable message>"
    try:
        kind = str(type(exc).__name__)
    except BaseException:
        kind = "<unnamed>"
    return {"type": kind, "message": _short(message), "where": where}


def import_student(name: str, path: str, patch: str | None = None) -> object:
    """Import ``path`` as module ``name``; a public chaff's ``patch`` then replaces some of its definitions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    if patch is not None:
        from course_core import module_patch

        module = sys.modules[name] = module_patch.apply(module, patch)
    return module


def describe_module(mod: object) -> dict:
    """``{"functions": [...], "values": {name: JSON value}}`` for the module's public names."""
    functions, values = [], {}
    for name, value in list(vars(mod).items()):
        if name.startswith("_"):
            continue
        if callable(value):
            functions.append(name)
            continue
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            continue
        values[name] = value
    return {"functions": sorted(functions), "values": values}


def encode_reply(seq: int, value: object) -> bytes:
    """The reply for a returned value; anything that is not plain JSON becomes an error reply."""
    try:
        text = json.dumps({"seq": seq, "ok": value}, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        text = json.dumps({"seq": seq, "error": {"type": "NotJSON", "message": "", "where": None}})
    if len(text) > MAX_REPLY:
        text = json.dumps({"seq": seq, "error": {"type": "ReplyTooLarge", "message": "", "where": None}})
    return (text + "\n").encode("utf-8")


def children_of(pid: int) -> list[int]:
    """The direct children of ``pid`` (/proc/<pid>/task/*/children)."""
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                found += [int(c) for c in fh.read().split()]
    except (OSError, ValueError):
        pass
    return found


def _take(fd: int, chunks: list[bytes]) -> bytes | None:
    """Read what a child wrote into ``chunks``; None once a reply grows past MAX_REPLY."""
    chunk = os.read(fd, 1 << 16)
    chunks.append(chunk)
    return chunk if sum(map(len, chunks)) <= MAX_REPLY + 1024 else None


def mb_over(used: int) -> int:
    """Bytes in use → MB, rounded up: a total just over the limit never reads as the limit itself."""
    return -(-used >> 20)


def run_delay(pid: int) -> float:
    """Seconds ``pid`` has spent runnable but waiting for a CPU (/proc/<pid>/schedstat)."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as fh:
            return int(fh.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class Forwarder:
    """Carries a suite child's calls to the trusted side and the replies back, line by line.

    It counts the calls that are out, so the run's clock can stop meanwhile; a child that
    sends more than MAX_REPLY bytes without a newline, or a reply arriving when no call is
    out, ends the run.
    """

    def __init__(self, child_out: int, trusted_out: int, trusted_in: int, child_in: int) -> None:
        self.child_out, self.trusted_out, self.trusted_in, self.child_in = child_out, trusted_out, trusted_in, child_in
        self.pending = b""
        self.out = 0
        self.since = 0.0
        self.total = 0.0

    def fds(self) -> list[int]:
        return [self.child_out, self.trusted_in]

    def paused(self, now: float) -> float:
        return self.total + (now - self.since if self.out else 0.0)

    def pump(self, readable: list[int], now: float) -> bool | None:
        if self.child_out in readable:
            chunk = os.read(self.child_out, 1 << 16)
            if chunk:
                self.pending += chunk
                lines, _, self.pending = self.pending.rpartition(b"\n")
                if len(self.pending) > MAX_REPLY:
                    return False
                if lines:
                    if not self.out:
                        self.since = now
                    self.out += lines.count(b"\n") + 1
                    write_all(self.trusted_out, lines + b"\n")
        if self.trusted_in in readable:
            chunk = os.read(self.trusted_in, 1 << 16)
            if not chunk:
                return False
            self.out -= chunk.count(b"\n")
            if self.out < 0:
                return False
            if not self.out:
                self.total += now - self.since
            write_all(self.child_in, chunk)
        return None

    def close(self) -> None:
        for fd in (self.child_out, self.child_in):
            try:
                os.close(fd)
            except OSError:
                pass


class Zygote:
    """Forks a child per unit of work; keeps the wall clock and the memory total; cleans up after it."""

    def __init__(self, control: Channel, config: dict) -> None:
        self.control = control
        self.config = config
        self.limits = config["limits"]
        self.is_init = os.getpid() == 1
        self.memory_cap = int(self.limits["memory_mb"]) << 20
        # RLIMIT_NPROC counts this zygote too: the call's processes and threads may be one fewer
        self.task_cap = max(1, int(self.limits["max_processes"]) - 1)
        self.at_task_cap_since: float | None = None
        self.server: dict | None = None

    def child_setup(self, relay: Channel | None) -> None:
        """In the child, right after fork: no trusted channel, default signals, own session, prints captured."""
        for fd in (self.control.fd_in, self.control.fd_out, *((relay.fd_in, relay.fd_out) if relay else ())):
            os.close(fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setsid()
        sys.stdout = sys.stderr = CappedText(int(self.config.get("output_cap", 64 << 10)))
        work_dir = os.path.join(self.config["scratch"], "work")
        os.chdir(work_dir)
        os.environ.update({"HOME": work_dir, "TMPDIR": os.path.join(work_dir, "tmp")})

    def run(self, work, relay: Channel | None = None) -> tuple[bytes | None, dict | None]:
        """Run ``work(reply_fd[, channel])`` in a child: (reply bytes, None) or (None, why it ended without one).

        With ``relay`` (a suite run) the child gets a channel of its own to this zygote, which
        forwards each of its calls to the trusted side and each reply back; the run's clock is
        stopped while a call is out (the module under test has a clock of its own).
        """
        r, w = os.pipe()
        pipes = (os.pipe(), os.pipe()) if relay is not None else None  # zygote → child, child → zygote
        pid = self._fork()
        if pid == 0:  # the child
            try:
                os.close(r)
                self.child_setup(relay)
                if pipes is not None:
                    os.close(pipes[0][1])
                    os.close(pipes[1][0])
                    work(w, Channel(pipes[0][0], pipes[1][1]))
                else:
                    work(w)
            finally:
                os._exit(0)
        os.close(w)
        forward = None
        if pipes is not None and relay is not None:
            os.close(pipes[0][0])
            os.close(pipes[1][1])
            forward = Forwarder(pipes[1][0], relay.fd_out, relay.fd_in, pipes[0][1])
        try:
            data, ended, status = self._collect(pid, r, forward)
        finally:
            os.close(r)
            if forward is not None:
                forward.close()
            self._end_the_rest(pid)
        if ended is None and not data.endswith(b"\n"):
            ended = {"status": status}
        return (data if ended is None else None), ended

    def start_server(self, key: tuple, work) -> None:
        """A child that serves every call of one test (``key``): it imports the module once, then answers line by line."""
        self.stop_server()
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        pid = self._fork()
        if pid == 0:  # the child
            try:
                os.close(req_w)
                os.close(rep_r)
                self.child_setup(None)
                work(Channel(req_r, rep_w))
            finally:
                os._exit(0)
        os.close(req_r)
        os.close(rep_w)
        self.server = {"key": key, "pid": pid, "req_w": req_w, "rep_r": rep_r}

    def stop_server(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            os.close(server["req_w"])
            os.close(server["rep_r"])
            self._end_the_rest(server["pid"])

    def ask(self, line: bytes) -> tuple[bytes | None, dict | None]:
        """One call to the serving child: (its reply line, None) or (None, why it gave none; the child is gone)."""
        server = self.server
        assert server is not None
        try:
            write_all(server["req_w"], line)
        except BrokenPipeError:
            pass
        data, ended, status = self._collect(server["pid"], server["rep_r"], None, until_line=True)
        if ended is None and b"\n" not in data:
            ended = {"status": status}
        if ended is not None:
            self.stop_server()
            return None, ended
        return data.split(b"\n", 1)[0] + b"\n", None

    def _fork(self) -> int:
        """fork(), waiting out a full process table for a while: outside a user namespace of its
        own (the fallback) the process limit is shared with every sandbox of the same user."""
        give_up = time.monotonic() + 2 * float(self.limits["timeout_s"])
        gc.freeze()  # what the zygote holds is never scanned again by a child's collections (nor copied on write by them)
        while True:
            try:
                return os.fork()
            except BlockingIOError:
                if time.monotonic() > give_up:
                    raise
                time.sleep(0.2)

    def _collect(self, pid: int, fd: int, forward: Forwarder | None, until_line: bool = False) -> tuple[bytes, dict | None, int | None]:
        """Read the child's reply until it has exited; stop it on its clock or the memory total.

        The clock is the wall clock, plus the time the machine kept the child waiting for a CPU
        (its run-queue delay: a busy machine costs a student nothing, a sleep counts in full),
        never more than STARVED_MAX times the limit; minus the time a relayed call was out.
        """
        limit = float(self.limits["timeout_s"])
        started = time.monotonic()
        self.at_task_cap_since = None
        delay0 = run_delay(pid)
        pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else -1
        chunks: list[bytes] = []
        watched = [fd] + ([pidfd] if pidfd >= 0 else []) + (forward.fds() if forward else [])
        try:
            while True:
                now = time.monotonic()
                used = now - started - (forward.paused(now) if forward else 0.0)
                allowed = min(limit + max(0.0, run_delay(pid) - delay0), STARVED_MAX * limit)
                if used >= allowed:
                    return b"", {"timeout": True}, None
                wait = min(allowed - used, SAMPLE_S if pidfd >= 0 else SAMPLE_S / 4)
                readable, _, _ = select.select(watched, [], [], wait)
                if forward is not None and forward.pump(readable, time.monotonic()) is False:
                    return b"", {"status": "relay"}, None
                if fd in readable:
                    chunk = _take(fd, chunks)
                    if chunk is None:
                        return b"", {"too_large": True}, None
                    if not chunk:
                        watched.remove(fd)
                    elif until_line and b"\n" in chunk:
                        return b"".join(chunks), None, None
                    continue
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    while fd in watched and select.select([fd], [], [], 0)[0]:  # what it wrote before it ended
                        chunk = _take(fd, chunks)
                        if chunk is None:
                            return b"", {"too_large": True}, None
                        if not chunk:
                            break
                    return b"".join(chunks), None, os.waitstatus_to_exitcode(status)
                if not readable:
                    tasks, in_use = self.usage(pid)
                    if in_use > self.memory_cap:
                        return b"", {"memory_mb": mb_over(in_use)}, None
                    if self.held_at_task_cap(tasks, now):
                        return b"", {"processes": tasks}, None
        finally:
            if pidfd >= 0:
                os.close(pidfd)

    def held_at_task_cap(self, tasks: int, now: float) -> bool:
        """True once the sandbox has held as many processes and threads as it may for TASK_CAP_S.

        No fork can succeed then, so a fork bomb would spin until the clock ran out (2 cores for
        ``timeout_s``); a program that touches the limit and lets go is left alone, and so is a
        lone process under a limit that allows no second one.
        """
        if tasks < self.task_cap or tasks < 2:
            self.at_task_cap_since = None
            return False
        if self.at_task_cap_since is None:
            self.at_task_cap_since = now
        return now - self.at_task_cap_since >= TASK_CAP_S

    def usage(self, child: int) -> tuple[int, int]:
        """(tasks, bytes): the threads of the sandbox's processes and the anonymous and shared memory
        they hold (this one excluded), SysV segments included."""
        tasks = total = 0
        for pid in self._others(child):
            try:
                with open(f"/proc/{pid}/status", "rb") as fh:
                    for line in fh:
                        if line.startswith((b"RssAnon:", b"RssShmem:")):
                            total += int(line.split()[1]) << 10
                        elif line.startswith(b"Threads:"):
                            tasks += int(line.split()[1])
            except (OSError, ValueError):
                continue
        try:
            with open("/proc/sysvipc/shm", "rb") as fh:
                next(fh, None)
                for line in fh:
                    fields = line.split()
                    total += int(fields[14]) if len(fields) > 14 else int(fields[3])
        except (OSError, ValueError, IndexError):
            pass
        return tasks, total

    def _others(self, child: int) -> list[int]:
        if self.is_init:
            return [int(p) for p in os.listdir("/proc") if p.isdigit() and p != "1"]
        found, todo = [], [child]
        while todo:  # outside a pid namespace: the child's descendants
            pid = todo.pop()
            found.append(pid)
            todo += children_of(pid)
        return found

    def _tagged(self) -> list[int]:
        token = os.environ.get("RLF_SANDBOX_TOKEN", "")
        if not token:
            return []
        tag, me, found = f"RLF_SANDBOX_TOKEN={token}".encode(), os.getpid(), []
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) != me:
                try:
                    with open(f"/proc/{name}/environ", "rb") as fh:
                        if tag in fh.read(1 << 20):
                            found.append(int(name))
                except OSError:
                    continue
        return found

    def _end_the_rest(self, child: int) -> None:
        """Every process of the sandbox but this one is killed and reaped."""
        if self.is_init:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
        else:  # the fallback: the child's session, and whatever still carries this sandbox's token
            try:
                os.killpg(child, signal.SIGKILL)
            except OSError:
                pass
            for pid in self._tagged():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        while True:
            try:
                pid, _ = os.waitpid(-1, 0)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if pid == 0:
                return


# --- serve: calls into the module under test --------------------------------------------------


def serve_one_test(channel: Channel, module: str, path: str | None, patch: str | None = None) -> None:
    """In the serving child: import the module (and a chaff's patch on it) once, then answer the calls of one test."""
    mod, failure = None, None
    try:
        if path is None:
            raise ImportError("no such variant")
        mod = import_student(module, path, patch)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: the student's doing
        failure = describe(exc, path or "")
    while True:
        request = channel.read()
        if request is None:
            return
        seq = request.get("seq", 0)
        if failure is not None:
            write_all(channel.fd_out, (json.dumps({"seq": seq, "import_error": failure}) + "\n").encode())
            continue
        if request.get("describe"):  # the module's public names: which are functions, and its JSON constants
            write_all(channel.fd_out, encode_reply(seq, describe_module(mod)))
            continue
        name = request.get("fn", "")
        # public names only: a private helper (the reference's, a chaff's) is not the contract, and asking for one must not tell variants apart
        fn = getattr(mod, name, None) if isinstance(name, str) and not name.startswith("_") else None
        if fn is None or not callable(fn):
            error = {"type": "NoSuchFunction", "message": name if isinstance(name, str) else "", "where": None}
            write_all(channel.fd_out, (json.dumps({"seq": seq, "error": error}) + "\n").encode())
            continue
        try:
            if isinstance(request.get("batch"), list):  # several calls in one message, in order
                reply = encode_reply(seq, [fn(*args) for args in request["batch"]])
            else:
                reply = encode_reply(seq, fn(*request.get("args", []), **request.get("kwargs", {})))
        except BaseException as exc:
            reply = (json.dumps({"seq": seq, "error": describe(exc, path or "")}) + "\n").encode()
        write_all(channel.fd_out, reply)


def serve(zygote: Zygote, config: dict) -> None:
    """Calls into the module under test: each test (a session) gets a freshly forked child."""
    module = config["module"]
    variants = {k: os.path.join(config["scratch"], v) for k, v in config["variants"].items()}  # name → its <module>.py
    patches = {k: os.path.join(config["scratch"], v) for k, v in config.get("patches", {}).items()}  # name → its chaff's patch
    over: dict | None = None
    while True:
        while zygote.server is not None and not zygote.control.ready(IDLE_SAMPLE_S):
            tasks, used = zygote.usage(zygote.server["pid"])  # between calls too: background processes count
            if used > zygote.memory_cap:
                zygote.stop_server()
                over = {"memory_mb": mb_over(used)}
            elif zygote.held_at_task_cap(tasks, time.monotonic()):
                zygote.stop_server()
                over = {"processes": tasks}
        request = zygote.control.read()
        if request is None:
            zygote.stop_server()
            return
        seq = request.get("seq", 0)
        if over is not None:  # the test's processes were ended while it was between calls
            zygote.control.write({"seq": seq, "ended": over})
            over = None
            continue
        variant = request.get("variant", "student")
        key = (variant, request.get("session", 0))
        if zygote.server is None or zygote.server["key"] != key:
            path, patch = variants.get(variant), patches.get(variant)
            zygote.start_server(key, lambda channel, path=path, patch=patch: serve_one_test(channel, module, path, patch))
        data, ended = zygote.ask((json.dumps(request) + "\n").encode())
        if data is not None:
            write_all(zygote.control.fd_out, data)
        else:
            zygote.control.write({"seq": seq, "ended": ended})


# --- suite: the student's tests, their calls relayed by the trusted side ----------------------


def _wipe_scratch(scratch: str) -> None:
    """Between suite runs: nothing written by one run is there for the next."""
    import shutil

    for entry in os.listdir(scratch):
        if entry in SCRATCH_KEEP:
            continue
        path = os.path.join(scratch, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass
    os.makedirs(os.path.join(scratch, "work", "tmp"), exist_ok=True)


def _clear_keyrings() -> None:
    """The kernel keyrings of the sandbox's uid outlive its processes: empty them (keyctl KEYCTL_CLEAR)."""
    import ctypes
    import platform

    number = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
    if number is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for keyring in (-3, -4, -5):  # KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING
        libc.syscall(number, 7, ctypes.c_long(keyring))  # 7 = KEYCTL_CLEAR


def _remove_sysv_ipc() -> None:
    """SysV shared memory, semaphores and message queues outlive their processes: remove them."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    ipc_rmid = 0
    for kind, remove in (("shm", lambda i: libc.shmctl(i, ipc_rmid, None)), ("sem", lambda i: libc.semctl(i, 0, ipc_rmid)),
                         ("msg", lambda i: libc.msgctl(i, ipc_rmid, None))):
        try:
            with open(f"/proc/sysvipc/{kind}", "rb") as fh:
                next(fh, None)
                ids = [int(line.split()[1]) for line in fh if line.strip()]
        except (OSError, ValueError, IndexError):
            continue
        for ipc_id in ids:
            remove(ipc_id)


def preload_pytest() -> None:
    """pytest's own plugins, imported once here rather than by every run's ``pytest.main``."""
    from _pytest.config import default_plugins

    for name in default_plugins:
        try:
            __import__(f"_pytest.{name}")
        except ImportError:
            pass


class PreparedSuite:
    """pytest's configuration and session start for the suite runs, made once in the zygote;
    each run's child goes on from a copy of them (collection, the tests, the session's end).

    Only kit code runs here: the kit's arguments, the kit's conftest (pytest loads a test
    folder's conftest while it configures), every plugin's ``pytest_configure`` and
    ``pytest_sessionstart`` (the fixture manager reads every plugin's fixtures: most of a run's
    fixed cost). The student's test file is imported later, by each run's collection, in the
    child, so nothing of the student's is in the zygote. Output is captured at the ``sys``
    level: pytest's default fd-level capture would open its temporary files here, and every
    run's child would share them.
    """

    def __init__(self, args: list[str]) -> None:
        from _pytest.config import _prepareconfig
        from _pytest.main import Session
        from pytest_jsonreport.plugin import JSONReport

        self.plugin = JSONReport()
        self.config = _prepareconfig([*args, "--capture=sys"], [self.plugin])
        self.session = Session.from_config(self.config)
        self.config._do_configure()
        self.config.hook.pytest_sessionstart(session=self.session)

    def run(self) -> int:
        """In a run's child: the rest of the session ``pytest.main`` would run, and its exit status.

        As pytest's own ``wrap_session`` does after the session's start, except that the child
        ends without unconfiguring (its process is about to end).
        """
        from _pytest._code import ExceptionInfo
        from _pytest.config import UsageError
        from _pytest.main import _main
        from _pytest.outcomes import Exit, Failed

        config, session = self.config, self.session
        try:
            session.exitstatus = int(_main(config, session) or 0)
        except UsageError:
            return 4
        except Failed:
            session.exitstatus = 1
        except (KeyboardInterrupt, Exit):
            excinfo = ExceptionInfo.from_current()
            code = getattr(excinfo.value, "returncode", None)
            session.exitstatus = code if isinstance(code, int) else 2
            config.hook.pytest_keyboard_interrupt(excinfo=excinfo)
        except BaseException:
            session.exitstatus = 3
            try:
                config.notify_exception(ExceptionInfo.from_current(), config.option)
            except Exit as exc:
                if isinstance(exc.returncode, int):
                    session.exitstatus = exc.returncode
        try:
            config.hook.pytest_sessionfinish(session=session, exitstatus=session.exitstatus)
        except Exit as exc:
            if isinstance(exc.returncode, int):
                session.exitstatus = exc.returncode
        return int(session.exitstatus)


def _prepare(args: list[str], work_dir: str) -> PreparedSuite | None:
    """The runs' shared configuration, or None (each run then configures pytest itself)."""
    here = os.getcwd()
    os.chdir(work_dir)  # the arguments are relative to the directory each run starts in
    try:
        return PreparedSuite(args)
    except BaseException:  # e.g. a pytest without this internal API: per-run pytest.main still works
        return None
    finally:
        os.chdir(here)


def suite(zygote: Zygote, config: dict, relay: Channel) -> None:
    import pytest
    from pytest_jsonreport.plugin import JSONReport

    from course_core.grading import harness

    preload_pytest()
    scratch = config["scratch"]
    args = [*config["pytest_args"], "-p", "pytest_jsonreport.plugin", "--json-report-file=none"]
    os.environ["PYTEST_VERSION"] = pytest.__version__  # as pytest.main sets it for a run
    prepared = _prepare(args, os.path.join(scratch, "work"))
    while True:
        request = zygote.control.read()
        if request is None:
            return
        seq = request.get("seq", 0)
        _wipe_scratch(scratch)
        _clear_keyrings()
        if zygote.is_init:  # its own ipc namespace: everything in it is this sandbox's
            _remove_sysv_ipc()

        def work(fd: int, channel: Channel, seq: int = seq) -> None:
            harness.use_relay(channel)
            plugin = prepared.plugin if prepared is not None else JSONReport()
            try:
                code = prepared.run() if prepared is not None else int(pytest.main(args, plugins=[plugin]))
            except BaseException:
                code = 3
            tests = [
                {"nodeid": _short(str(t.get("nodeid", "")), 300), "outcome": str(t.get("outcome", ""))}
                for t in (getattr(plugin, "report", None) or {}).get("tests", [])[:500]
            ]
            write_all(fd, (json.dumps({"seq": seq, "suite": {"exit": code, "tests": tests}}) + "\n").encode())

        data, ended = zygote.run(work, relay=relay)
        if data is not None:
            write_all(zygote.control.fd_out, data.rstrip(b"\n").split(b"\n")[0] + b"\n")
        else:
            zygote.control.write({"seq": seq, "ended": ended})


def main(argv: list[str]) -> None:
    fds = [int(a) for a in argv[1:]]
    control = Channel(fds[0], fds[1])
    relay = Channel(fds[2], fds[3]) if len(fds) >= 4 else None
    config = control.read()
    if config is None:
        return
    apply_limits({**config["limits"], "set_nproc": config.get("set_nproc", True)})
    drop_to_sandbox_uid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as pid 1 nothing else reaches us; outside, the session does
    os.chdir(config["scratch"])
    os.makedirs(os.path.join(config["scratch"], "work", "tmp"), exist_ok=True)
    sys.path[:] = [config["scratch"] if p == "__SCRATCH__" else str(p) for p in config["sys_path"]]
    sys.argv = [config.get("module", "worker")]
    sys.stdin = open(os.devnull, encoding="utf-8")
    sys.stdout = sys.stderr = CappedText(64 << 10)
    for name in config.get("preload", []):
        try:
            __import__(name)
        except BaseException:
            pass  # the child's own import then reports it
    install_guard(config.get("forbidden", []))
    zygote = Zygote(control, config)
    if zygote.is_init:  # PR_SET_DUMPABLE 0: children cannot ptrace the zygote (the fallback finds them by /proc)
        try:
            import ctypes

            ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    control.write({"ready": True})
    if config["mode"] == "serve":
        serve(zygote, config)
    elif config["mode"] == "suite" and relay is not None:
        suite(zygote, config, relay)
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
