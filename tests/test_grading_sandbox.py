"""The sandbox and its zygote: JSON calls over a private pipe, a fork per call, bounds for the whole sandbox."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from course_core.grading import bwrap
from course_core.grading.exercise import Limits
from course_core.grading.sandbox import Sandbox, describe_end, describe_exit, isolation, parse_message

LIMITS = Limits(timeout_s=3, cpu_s=5, memory_mb=400, max_processes=16, max_file_mb=1, max_disk_mb=8)
HANG = Limits(timeout_s=1, cpu_s=5, memory_mb=400, max_processes=16, max_file_mb=1, max_disk_mb=8)  # for calls that never return
# for memory held by several processes: a small total, so its pages fault in well within the time
# limit even on a loaded machine (the memory attacks' 400 to 750 MB took longer than 3 s there)
SMALL_MEMORY = Limits(timeout_s=3, cpu_s=5, memory_mb=160, max_processes=16, max_file_mb=1, max_disk_mb=8)
CONTAINED = isolation().contained
needs_bwrap = pytest.mark.skipif(not CONTAINED, reason="needs user namespaces (the bubblewrap sandbox)")

MODULE = textwrap.dedent(
    """
    import os, sys, tempfile, time

    def add(a, b):
        return a + b

    def boom():
        raise ValueError("bad input")

    def spin():
        while True:
            pass

    def fork_and_hang():  # five children in sessions of their own, asleep; the call itself spins
        for _ in range(5):
            if os.fork() == 0:
                os.setsid()
                time.sleep(60)
                os._exit(0)
        while True:
            pass

    def leave():
        os._exit(7)

    def chatty():
        print('{"seq": 99, "ok": "forged"}')
        sys.stderr.write("noise\\n")
        return "real"

    def not_json():
        return {1, 2}

    def nan():
        return float("nan")

    def write_big():
        with open("big.bin", "wb") as fh:
            fh.write(b"x" * (3 << 20))
        return "wrote"

    def from_kit():
        from course_core.measurement.scoring import DEFAULT_SCORER
        return DEFAULT_SCORER

    def world():
        return {"cwd": os.getcwd(), "uid": os.getuid(), "root": sorted(os.listdir("/")), "env": sorted(os.environ),
                "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), "tmp": os.path.realpath(tempfile.gettempdir())}

    def can_read(path):
        try:
            with open(path, "rb") as fh:
                fh.read(1)
            return True
        except OSError:
            return False

    def hold_memory(children, mb):
        leave_memory(children, mb)
        time.sleep(30)
        return "held"

    def leave_memory(children, mb):
        for _ in range(children):
            if os.fork() == 0:
                block = bytearray(mb << 20)
                for i in range(0, len(block), 4096):
                    block[i] = 1
                time.sleep(30)
                os._exit(0)
        return "left"

    def fork_bomb():  # every process forks on, the failed forks included
        while True:
            try:
                os.fork()
            except OSError:
                continue

    def thread_bomb():
        import threading

        threading.stack_size(1 << 16)  # small stacks: the process limit, not the memory limit, stops it

        def more():
            while True:
                try:
                    threading.Thread(target=more).start()
                except RuntimeError:
                    pass

        more()

    def count_forks():
        n = 0
        try:
            for _ in range(200):
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                n += 1
        except OSError:
            pass
        return n

    def fill_disk():
        written = 0
        try:
            for i in range(64):
                with open(os.path.join(tempfile.gettempdir(), f"f{i}"), "wb") as fh:
                    fh.write(b"x" * (900 << 10))
                written += 900 << 10
        except OSError:
            pass
        return written >> 20

    def make_shm(key):
        import ctypes
        return ctypes.CDLL(None).shmget(key, 1 << 20, 0o1666)

    def find_shm(key):
        import ctypes
        return ctypes.CDLL(None).shmget(key, 0, 0o666)

    def leave_file():
        with open(os.path.join(tempfile.gettempdir(), "left-by-a-call"), "w") as fh:
            fh.write("x")
        return os.listdir(tempfile.gettempdir())

    CALLS = []

    def counter():
        CALLS.append(1)
        return len(CALLS)

    def sleep(s):
        time.sleep(s)
        return "woke"

    def pick():
        from course_core.measurement.gate import locked_room_violations
        return "imported"
    """
)


@pytest.fixture
def serve():
    opened: list[Sandbox] = []

    def start(limits: Limits = LIMITS, forbidden: tuple[str, ...] = ()) -> Sandbox:
        sb = Sandbox(limits, forbidden=forbidden)
        sb.start({"mode": "serve", "module": "mod", "variants": {"student": "variants/student/mod.py"}}, {"variants/student/mod.py": MODULE.encode()})
        opened.append(sb)
        return sb

    yield start
    for sb in opened:
        sb.close()


SESSIONS = iter(range(1, 1 << 30))


def _call(sb: Sandbox, fn: str, *args: Any, session: int | None = None) -> dict[str, Any]:
    """One call, by default as a test of its own (a fresh child)."""
    sb.send({"seq": 1, "session": next(SESSIONS) if session is None else session, "fn": fn, "args": list(args), "kwargs": {}}, 5)
    return sb.recv(60)


def test_calls_of_one_test_share_a_child_and_the_next_test_starts_fresh(serve) -> None:
    sb = serve()
    first = [_call(sb, "counter", session=7)["ok"] for _ in range(3)]
    assert first == [1, 2, 3] and _call(sb, "counter", session=8)["ok"] == 1


def test_a_call_returns_json_and_exceptions_come_back_by_name(serve) -> None:
    sb = serve()
    assert _call(sb, "add", 2, 3) == {"seq": 1, "ok": 5}
    reply = _call(sb, "boom")
    assert (reply["error"]["type"], reply["error"]["message"]) == ("ValueError", "bad input")
    assert reply["error"]["where"].startswith("mod.py:")


def test_prints_cannot_forge_a_reply_and_values_must_be_json(serve) -> None:
    sb = serve()
    assert _call(sb, "chatty") == {"seq": 1, "ok": "real"}
    assert _call(sb, "not_json")["error"]["type"] == "NotJSON"
    assert _call(sb, "nan")["error"]["type"] == "NotJSON"


def test_the_student_module_can_use_the_kit_library(serve) -> None:
    assert _call(serve(), "from_kit")["ok"] == "strict_final_int"


def test_a_forbidden_kit_module_is_neither_importable_nor_there(serve) -> None:
    reply = _call(serve(forbidden=("course_core.measurement.gate",)), "pick")
    assert reply["error"] == {"type": "ForbiddenImport", "message": "course_core.measurement.gate", "where": None}
    if CONTAINED:
        assert _call(serve(forbidden=("course_core.measurement.gate",)), "can_read", f"{bwrap.KIT_MOUNT}/course_core/measurement/gate.py")["ok"] is False


@pytest.mark.slow
def test_a_call_that_hangs_ends_on_the_wall_clock_and_the_next_call_works(serve) -> None:
    sb = serve(HANG)
    assert _call(sb, "fork_and_hang") == {"seq": 1, "ended": {"timeout": True}}
    assert _call(sb, "sleep", 3)["ended"] == {"timeout": True}  # sleeping is wall clock too, not "starved"
    assert _call(sb, "add", 1, 1)["ok"] == 2
    assert describe_end({"timeout": True}, LIMITS) == "your code did not return within 3 s"


def test_an_exit_without_reply_is_reported_with_its_status(serve) -> None:
    assert _call(serve(), "leave") == {"seq": 1, "ended": {"status": 7}}
    assert "os._exit(7)" in describe_exit(7, LIMITS)


def test_the_file_size_limit_holds(serve) -> None:
    error = _call(serve(), "write_big")["error"]
    assert (error["type"], error["message"]) == ("OSError", "[Errno 27] File too large")


def test_strict_parsing_of_replies() -> None:
    assert parse_message(b'{"ok": 1}') == {"ok": 1}
    deep = b'{"ok": ' + b"[" * 300 + b"]" * 300 + b"}"
    for bad in (b'{"ok": NaN}', b"[1]", b"\xff", b'{"ok": Infinity}', b'{"ok": 1e400}', b'{"ok": -1e400}',
                b'{"ok": ' + b"9" * 401 + b"}", deep):
        with pytest.raises(ValueError):
            parse_message(bad)


@needs_bwrap
def test_the_sandbox_sees_only_itself(serve) -> None:
    sb = serve()
    world = _call(sb, "world")["ok"]
    assert world["cwd"] == f"{bwrap.SCRATCH}/work" and world["uid"] == 1000
    assert "home" not in world["root"] and "etc" not in world["root"]  # a venv inside the kit brings only itself
    assert _call(sb, "can_read", str(Path(__file__).resolve().parents[1] / "README.md"))["ok"] is False
    assert len(world["pids"]) == 2 and world["pids"][0] == 1  # the zygote and this test's child: not one process of the grader
    assert world["tmp"] == f"{bwrap.SCRATCH}/work/tmp"
    here = Path(__file__).resolve()
    for path in (str(here), str(here.parents[1] / "solutions" / "a1_locked_room" / "locked_room.py"), "/etc/passwd", "/proc/1/environ"):
        assert _call(sb, "can_read", path)["ok"] is False, path


@needs_bwrap
def test_memory_is_bounded_for_the_sandbox_as_a_whole(serve) -> None:
    sb = serve(SMALL_MEMORY)
    ended = _call(sb, "hold_memory", 3, 64)["ended"]  # three processes of 64 MB each: each under 160 MB, not together
    assert ended["memory_mb"] > SMALL_MEMORY.memory_mb
    assert "all its processes together" in describe_end(ended, SMALL_MEMORY)
    assert _call(sb, "add", 1, 2)["ok"] == 3


@needs_bwrap
def test_memory_held_in_the_background_between_calls_counts_too(serve) -> None:
    sb = serve(SMALL_MEMORY)
    assert _call(sb, "leave_memory", 3, 64, session=5)["ok"] == "left"  # returns at once; its children fill up
    assert "memory_mb" in _call(sb, "sleep", 2.5, session=5)["ended"]


@needs_bwrap
@pytest.mark.parametrize("bomb", ["fork_bomb", "thread_bomb"])
def test_a_sandbox_held_at_its_process_limit_is_ended_for_that_not_for_the_clock(serve, bomb: str) -> None:
    sb = serve()
    ended = _call(sb, bomb)["ended"]
    assert ended.get("processes", 0) >= LIMITS.max_processes - 1 and "timeout" not in ended, ended
    assert describe_end(ended, LIMITS) == "your code reached the limit of 16 processes and threads (all of them together)"
    assert _call(sb, "add", 1, 2)["ok"] == 3


@needs_bwrap
def test_a_lone_process_under_a_limit_of_two_is_not_ended_for_being_at_it(serve) -> None:
    sb = serve(Limits(timeout_s=3, cpu_s=5, memory_mb=400, max_processes=2, max_file_mb=1, max_disk_mb=8))
    assert _call(sb, "sleep", 0.6)["ok"] == "woke"  # the zygote and the call's process: at the limit, for longer than 0.25 s


@needs_bwrap
def test_processes_are_bounded_per_sandbox_not_per_user(serve) -> None:
    first, second = serve(), serve()
    assert _call(first, "count_forks")["ok"] < LIMITS.max_processes
    assert _call(second, "count_forks")["ok"] == _call(first, "count_forks")["ok"]  # one sandbox's forks cost another nothing


@needs_bwrap
def test_disk_is_bounded_for_the_sandbox_as_a_whole(serve) -> None:
    assert _call(serve(), "fill_disk")["ok"] <= LIMITS.max_disk_mb  # every file under max_file_mb, the total under max_disk_mb


@needs_bwrap
def test_ipc_and_tmp_are_private_to_each_sandbox(serve) -> None:
    first, second = serve(), serve()
    assert _call(first, "make_shm", 4242)["ok"] >= 0
    assert _call(second, "find_shm", 4242)["ok"] == -1
    assert _call(first, "leave_file")["ok"] == ["left-by-a-call"]
    assert _call(second, "world")["ok"]["tmp"] == f"{bwrap.SCRATCH}/work/tmp"
    assert _call(second, "can_read", "/tmp/left-by-a-call")["ok"] is False


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for tid in os.listdir(f"/proc/{current}/task") if os.path.isdir(f"/proc/{current}/task") else []:
            try:
                todo += [int(c) for c in Path(f"/proc/{current}/task/{tid}/children").read_text().split()]
            except OSError:
                pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:"))
    except (OSError, StopIteration):
        return False
    return state.split()[1] not in ("Z", "X")


@pytest.mark.slow
def test_nothing_survives_the_sandbox(serve) -> None:
    sb = serve(HANG)
    assert _call(sb, "fork_and_hang")["ended"] == {"timeout": True}
    sb.send({"seq": 2, "session": 99, "fn": "sleep", "args": [30], "kwargs": {}}, 5)  # a test still running
    tree = _tree(sb.proc.pid)
    for _ in range(100):  # until the test's child is forked
        if len(tree) >= 3:  # bwrap, the zygote, the test's child
            break
        time.sleep(0.05)
        tree = _tree(sb.proc.pid)
    sb.close()
    assert [pid for pid in tree if _alive(pid)] == []
    assert not sb.alive


def test_the_kit_library_copy_keeps_bytecode_but_none_of_a_forbidden_module(tmp_path: Path) -> None:
    """Sandboxes import the kit without compiling it; a forbidden module leaves neither source nor bytecode."""
    import compileall
    import sys

    from course_core.grading.sandbox import kit_library
    from course_core.paths import KIT_ROOT

    compileall.compile_dir(KIT_ROOT / "course_core" / "measurement", quiet=1)  # as an installed kit has it
    lib = kit_library(("course_core.measurement.gate",))
    cache = lib / "course_core" / "measurement" / "__pycache__"
    tag = sys.implementation.cache_tag
    assert (cache / f"scoring.{tag}.pyc").is_file()
    assert not (lib / "course_core" / "measurement" / "gate.py").exists()
    assert not list(cache.glob("gate.*")), "the forbidden module's bytecode would import without its source"
    assert all(p.name.endswith(f".{tag}.pyc") for p in lib.rglob("*.pyc"))
