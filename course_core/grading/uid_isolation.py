"""The fallback isolation, where user namespaces are unavailable: a uid of its own per sandbox.

Some containers (Gradescope's Docker images among them) cannot create user namespaces, so
bubblewrap cannot run there. As root the grader then starts each sandbox's zygote as its own
unused uid (61000 and up, leased by :mod:`course_core.grading.reaper`) with RLIMIT_AS, CPU,
NPROC, FSIZE and CORE set before exec; it can write only its scratch directory and
world-writable temp dirs, cannot signal the grader, and is killed by uid when it ends. Where
the interpreter is not reachable by other users (Python under ``/root``) the uid keeps
CAP_DAC_READ_SEARCH (``uid+read``): it can then read every file, hidden tests included. As an
ordinary user, the zygote runs as that user with the same limits (``same-uid``).
Limits are per process here, not per sandbox: ARCHITECTURE.md says what that allows.
"""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from course_core.grading.exercise import Limits

# Linux constants (linux/prctl.h, linux/capability.h)
PR_SET_PDEATHSIG, PR_SET_KEEPCAPS = 1, 8
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE = 24, 38, 47, 2
CAP_DAC_READ_SEARCH, CAP_LAST = 2, 63
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class Preexec:
    """Runs in the child between fork and exec. Everything it needs is prepared beforehand."""

    def __init__(self, limits: Limits, uid: int, keep_read: bool, nproc_base: int) -> None:
        mem = int(limits.memory_mb) << 20
        cpu = max(1, int(limits.cpu_s))
        fsize = limits.max_file_bytes
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


def chown_tree(root: Path, uid: int) -> None:
    for path in [root, *root.rglob("*")]:
        os.lchown(path, uid, uid)


def rmtree_hard(root: Path) -> None:
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


def probe(mode: str, sys_path: list[str]) -> bool:
    """Can an unprivileged uid (keeping CAP_DAC_READ_SEARCH for ``uid+read``) start Python and import pytest?"""
    import subprocess

    from course_core.grading.reaper import LeaseError, UidLease

    code = "import sys; sys.path[:] = %r; import json, pytest" % (sys_path,)
    try:
        with UidLease() as lease:
            done = subprocess.run(
                [sys.executable, "-I", "-S", "-B", "-c", code],
                env={"PATH": os.defpath, "LANG": "C.UTF-8"},
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=Preexec(Limits(timeout_s=20, cpu_s=20, memory_mb=1024), lease.uid, mode == "uid+read", 0),
                timeout=30,
            )
            return done.returncode == 0
    except (OSError, subprocess.SubprocessError, LeaseError):
        return False
