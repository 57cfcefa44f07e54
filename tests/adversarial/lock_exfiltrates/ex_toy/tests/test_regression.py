"""Attack: find the reference's source from the lock stage and carry it out.

Channels tried: the module object itself, every .py in reach, a file in /tmp (read back by a
later run, or a concurrent submission), a SysV shared-memory segment (outlives the sandbox),
and parametrize ids (test names in feedback).
"""

import ctypes
import glob
import os

import pytest

KEY = 0x5EED
STASH = "/tmp/rlf-exfil-stash.txt"


def _found() -> str:
    chunks = []
    roots = {os.getcwd(), os.path.dirname(os.getcwd()), "/tmp", *glob.glob("/tmp/*")}
    patterns = [os.path.join(root, tail) for root in roots for tail in ("toy.py", "*/toy.py", "*/*/toy.py", "chaffs/*.py", "*/chaffs/*.py")]
    for pattern in patterns:
        for path in glob.glob(pattern)[:20]:
            try:
                chunks.append(open(path, encoding="utf-8").read())
            except OSError:
                pass
    for path in glob.glob("/tmp/rlf-exfil-*"):
        try:
            chunks.append(open(path, encoding="utf-8").read())
        except OSError:
            pass
    libc = ctypes.CDLL(None)
    libc.shmat.restype = ctypes.c_void_p
    shm = libc.shmget(KEY, 1 << 16, 0o1666)
    if shm >= 0:
        addr = libc.shmat(shm, None, 0)
        if addr not in (None, ctypes.c_void_p(-1).value):
            old = ctypes.string_at(addr, 1 << 16).split(b"\0")[0].decode(errors="replace")
            chunks.append(old)
            data = "\n".join(chunks).encode()[: (1 << 16) - 1] + b"\0"
            ctypes.memmove(addr, data, len(data))
    text = "\n".join(chunks)
    try:
        with open(STASH, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(STASH, 0o666)
    except OSError:
        pass
    return text


LINES = [line.strip()[:60] for line in _found().splitlines() if "return" in line or "reference" in line][:30] or ["nothing found"]


@pytest.mark.parametrize("line", LINES)
def test_carry(student, line):
    assert False, line
