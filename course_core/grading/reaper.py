"""Finding and ending every process of a sandbox, and the uids sandboxes borrow.

Root: each sandboxed process tree runs as a leased, otherwise unused uid (61000 and up; a
flock'ed file under /run marks the lease). Ending it is ``kill(-1, SIGKILL)`` sent *as* that
uid, repeated until /proc shows no live process of it, so neither a fork bomb nor a child that
called setsid() survives; then whatever the uid left in the shared temp dirs is removed.
Not root: processes of the sandbox's session, or carrying its random environment token, are
stopped and killed (a child that scrubs its own environment and leaves the session escapes
this; full isolation needs root).
"""

from __future__ import annotations

import fcntl
import os
import pwd
import secrets
import shutil
import signal
import tempfile
import time
from pathlib import Path

UID_BASE, UID_COUNT = 61000, 2000


class LeaseError(RuntimeError):
    """No uid could be leased (not root, or every lease taken)."""


# --- uid leases -------------------------------------------------------------------------------


def _lock_dir() -> Path:
    for base in (Path("/run"), Path(tempfile.gettempdir())):
        d = base / "rlf-grader-uids"
        try:
            d.mkdir(mode=0o700, exist_ok=True)
            st = d.lstat()
            if st.st_uid == 0 and (st.st_mode & 0o077) == 0 and not d.is_symlink():
                return d
        except OSError:
            continue
    raise LeaseError("no private directory for uid lock files (tried /run and the temp dir)")


class UidLease:
    """An unused uid/gid for one sandboxed process tree, held (flock) until released."""

    def __init__(self) -> None:
        self.uid = 0
        self._fd: int | None = None

    def __enter__(self) -> UidLease:
        if os.geteuid() != 0:
            raise LeaseError("uid leases need root")
        lock_dir = _lock_dir()
        start = secrets.randbelow(UID_COUNT)
        for i in range(UID_COUNT):
            uid = UID_BASE + (start + i) % UID_COUNT
            try:
                pwd.getpwuid(uid)
                continue  # a real account: never borrow it
            except KeyError:
                pass
            fd = os.open(lock_dir / f"{uid}.lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            kill_uid(uid)  # leftovers of a grader that crashed while holding it
            return self
        raise LeaseError("no free sandbox uid (all leases taken)")

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            kill_uid(self.uid)
            remove_files_of(self.uid)
        finally:
            os.close(self._fd)
            self._fd = None


# --- ending process trees ---------------------------------------------------------------------


def proc_pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def live_status(pid: int) -> dict[str, list[str]]:
    """Uid and State lines of /proc/<pid>/status ({} if gone or a zombie: nothing left to kill)."""
    fields: dict[str, list[str]] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("State", "Uid"):
                    fields[key] = rest.split()
    except OSError:
        return {}
    return {} if fields.get("State", ["Z"])[0] in ("Z", "X") else fields


def pids_of_uid(uid: int) -> list[int]:
    """Live processes whose real, effective, saved or filesystem uid is ``uid``."""
    return [pid for pid in proc_pids() if str(uid) in live_status(pid).get("Uid", [])]


def kill_uid(uid: int, rounds: int = 50) -> None:
    """Kill every process running as ``uid``: ``kill(-1, SIGKILL)`` sent *as* that uid, until none is left."""
    for _ in range(rounds):
        if not pids_of_uid(uid):
            return
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.01)


def environ_has(pid: int, token: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return token in fh.read(1 << 20)
    except OSError:
        return False


def session_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
        return int(data[data.rindex(b")") + 2 :].split()[3])
    except (OSError, ValueError, IndexError):
        return None


def cpu_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
        fields = data[data.rindex(b")") + 2 :].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def kill_tagged(token: str, session: int, rounds: int = 50) -> None:
    """Same-uid fallback: stop, then kill, every process of our session or carrying our env token."""
    me = os.getpid()
    tag = f"RLF_SANDBOX_TOKEN={token}".encode()
    for _ in range(rounds):
        found = [
            p for p in proc_pids()
            if p != me and live_status(p) and (session_of(p) == session or environ_has(p, tag))
        ]
        if not found:
            return
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in found:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        time.sleep(0.01)


def remove_files_of(uid: int) -> None:
    """Remove what a sandbox uid left in the shared temp dirs, so the next lease starts clean."""
    for base in {"/tmp", "/var/tmp", "/dev/shm", tempfile.gettempdir()}:
        try:
            entries = list(os.scandir(base))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def current_task_count() -> int:
    """Tasks (threads included: what RLIMIT_NPROC counts) of the current user, from /proc."""
    uid, total = str(os.getuid()), 0
    for pid in proc_pids():
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        if fields.get("Uid", "").split()[:1] == [uid]:
            total += int(fields.get("Threads", "1").strip() or 1)
    return total
