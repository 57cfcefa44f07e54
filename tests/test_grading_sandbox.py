"""The sandbox and its worker: JSON calls over a private pipe, limits, and nothing left behind."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import settled
from course_core.grading.exercise import Limits
from course_core.grading.reaper import pids_of_uid
from course_core.grading.sandbox import (
    Sandbox,
    WorkerDied,
    WorkerTimeout,
    describe_exit,
    isolation,
    kit_library,
    parse_message,
    python_paths,
)

LIMITS = Limits(timeout_s=3, cpu_s=5, memory_mb=512, max_processes=16, max_file_mb=1)

MODULE = textwrap.dedent(
    """
    import os, sys

    def add(a, b):
        return a + b

    def boom():
        raise ValueError("bad input")

    def spin():
        while True:
            pass

    def fork_and_hang():
        for _ in range(5):
            if os.fork() == 0:
                os.setsid()
                while True:
                    pass
        while True:
            pass

    def leave():
        os._exit(7)

    def chatty():
        print('{"seq": 99, "ok": "forged"}')
        sys.stderr.write("noise\\n")
        return "real"

    def identity():
        return [os.getuid(), os.getcwd(), sorted(os.environ), sys.path]

    def not_json():
        return {1, 2}

    def nan():
        return float("nan")

    def write_big():
        with open("big.bin", "wb") as fh:
            fh.write(b"x" * (3 << 20))
        return "wrote"

    def lock_up():
        os.mkdir("locked")
        open("locked/f", "w").close()
        os.chmod("locked", 0)
        os.symlink("/etc", "etc_link")
        os.symlink("..", "parent_link")
        return "locked"

    def from_kit():
        from course_core.measurement.scoring import DEFAULT_SCORER
        return DEFAULT_SCORER
    """
)


@pytest.fixture
def module(tmp_path: Path) -> Path:
    path = tmp_path / "mod.py"
    path.write_text(MODULE, encoding="utf-8")
    return path


def _serve(module: Path, limits: Limits = LIMITS) -> Sandbox:
    sb = Sandbox(limits)
    sb.start(
        {"mode": "serve", "module": "mod", "module_file": "mod.py", "sys_path": [str(kit_library()), *python_paths()]},
        {"mod.py": module},
    )
    assert sb.recv(5) == {"ready": True}
    return sb


def _call(sb: Sandbox, fn: str, *args: Any, timeout: float = 3) -> dict[str, Any]:
    sb.send({"seq": 1, "fn": fn, "args": list(args), "kwargs": {}}, timeout)
    return sb.recv(timeout)


def _survivors(sb_uid: int | None, token: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if token.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                    found.append(int(pid))
            except OSError:
                pass
    return found + (pids_of_uid(sb_uid) if sb_uid else [])


def test_a_call_returns_json_and_exceptions_come_back_by_name(module: Path) -> None:
    with _serve(module) as sb:
        assert _call(sb, "add", 2, 3) == {"seq": 1, "ok": 5}
        reply = _call(sb, "boom")
        assert reply["error"]["type"] == "ValueError"
        assert reply["error"]["message"] == "bad input"
        assert reply["error"]["where"].startswith("mod.py:")


def test_prints_cannot_forge_a_reply(module: Path) -> None:
    with _serve(module) as sb:
        assert _call(sb, "chatty") == {"seq": 1, "ok": "real"}


def test_values_that_are_not_json_are_refused(module: Path) -> None:
    with _serve(module) as sb:
        assert _call(sb, "not_json")["error"]["type"] == "NotJSON"
        assert _call(sb, "nan")["error"]["type"] == "NotJSON"


def test_the_student_module_can_use_the_kit_library(module: Path) -> None:
    with _serve(module) as sb:
        assert _call(sb, "from_kit")["ok"] == "strict_final_int"


def test_the_environment_is_scrubbed_and_the_cwd_is_a_fresh_scratch_dir(module: Path) -> None:
    with _serve(module) as sb:
        uid, cwd, env, path = _call(sb, "identity")["ok"]
        assert cwd == str(sb.scratch)
        assert set(env) <= {
            "PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "PYTHONNOUSERSITE",
            "PYTHONPATH", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "NO_COLOR", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS", "RLF_SANDBOX_TOKEN",
        }
        assert not any(p.startswith(str(Path(__file__).resolve().parents[1])) and ".nox" not in p for p in path)
        if isolation().drops_uid:
            assert uid >= 61000
        else:
            assert uid == os.getuid()


def test_a_timeout_kills_the_whole_tree_even_setsid_children(module: Path) -> None:
    sb = _serve(module)
    uid = sb._lease.uid if sb._lease else None
    token = sb.token
    with pytest.raises(WorkerTimeout):
        _call(sb, "fork_and_hang", timeout=1)
    sb.close()
    assert settled(lambda: _survivors(uid, token)) == []
    assert sb.scratch is None


def test_an_exit_without_reply_is_reported_with_its_status(module: Path) -> None:
    with _serve(module) as sb:
        with pytest.raises(WorkerDied) as died:
            _call(sb, "leave")
    assert died.value.returncode == 7
    assert "os._exit(7)" in describe_exit(7, LIMITS)


def test_the_file_size_limit_holds(module: Path) -> None:
    with _serve(module) as sb:
        error = _call(sb, "write_big")["error"]
    assert (error["type"], error["message"]) == ("OSError", "[Errno 27] File too large")


def test_strict_parsing_of_replies() -> None:
    assert parse_message(b'{"ok": 1}') == {"ok": 1}
    for bad in (b'{"ok": NaN}', b"[1]", b"\xff", b'{"ok": Infinity}'):
        with pytest.raises(ValueError):
            parse_message(bad)


def test_cleanup_never_touches_anything_outside_the_scratch_dir(module: Path) -> None:
    import tempfile

    watched = [Path(tempfile.gettempdir()), Path("/etc")]
    before = [p.stat().st_mode for p in watched]
    sb = _serve(module)
    scratch = sb.scratch
    assert _call(sb, "lock_up")["ok"] == "locked"
    sb.close()
    assert not scratch.exists()
    assert [p.stat().st_mode for p in watched] == before
