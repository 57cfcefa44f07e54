"""The worker: the only grader code that runs INSIDE the sandbox, next to untrusted code.

Started by :mod:`course_core.grading.sandbox` as ``python -I -S -B worker.py IN_FD OUT_FD``.
It uses the standard library only (the kit is not on its path until the config says so).
Protocol, one JSON object per line on the two pipes (stdout is /dev/null; the student's
``print`` goes to a size-capped buffer, so it can neither corrupt nor fake a reply):

    trusted → worker   config: {"mode": "serve"|"pytest", "sys_path": [...], "module": ..., ...}
    worker → trusted   serve:  {"ready": true} | {"ready": false, "error": {...}}
    trusted → worker   {"seq": n, "fn": name, "args": [...], "kwargs": {...}}
    worker → trusted   {"seq": n, "ok": value} | {"seq": n, "error": {"type", "message", "where"}}
    worker → trusted   pytest: {"exit": code, "output": tail of pytest's report}

Nothing here decides a grade: values are re-parsed and judged in the trusted process.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback

MAX_REPLY = 16 << 20  # characters of JSON per reply
TEXT_LIMIT = 2000


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

    def text(self) -> str:
        if not self.tail:
            return self.head
        return self.head + "\n[...]\n" + self.tail if self.dropped > len(self.tail) else self.head + self.tail

    def last(self, n: int) -> str:
        return self.text()[-n:]


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

    def write(self, message: dict) -> None:
        data = (json.dumps(message, allow_nan=False) + "\n").encode("utf-8")
        while data:
            data = data[os.write(self.fd_out, data) :]


def _short(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(exc: BaseException, module_file: str) -> dict:
    """type, message and the innermost line of the student's own file that was running."""
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
    return {"type": type(exc).__name__, "message": _short(message), "where": where}


def import_student(name: str, path: str) -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _encode(seq: int, value: object) -> str:
    """The reply for a returned value; anything that is not plain JSON becomes an error reply."""
    try:
        text = json.dumps({"seq": seq, "ok": value}, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        kind = type(value).__name__
        return json.dumps(
            {"seq": seq, "error": {"type": "NotJSON", "message": _short(f"returned a {kind}, which is not a JSON value ({exc})"), "where": None}}
        )
    if len(text) > MAX_REPLY:
        return json.dumps({"seq": seq, "error": {"type": "ReplyTooLarge", "message": f"returned {len(text)} characters of JSON (limit {MAX_REPLY})", "where": None}})
    return text


def serve(channel: Channel, config: dict) -> None:
    module_file = config["module_file"]
    try:
        module = import_student(config["module"], module_file)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: the student's doing
        channel.write({"ready": False, "error": describe(exc, module_file)})
        return
    channel.write({"ready": True})
    while True:
        request = channel.read()
        if request is None:
            return
        seq = request.get("seq", 0)
        name = request.get("fn", "")
        fn = getattr(module, name, None) if isinstance(name, str) and not name.startswith("__") else None
        if fn is None or not callable(fn):
            error = {"type": "AttributeError", "message": f"your module has no function {name}()", "where": None}
            channel.write({"seq": seq, "error": error})
            continue
        try:
            value = fn(*request.get("args", []), **request.get("kwargs", {}))
            reply = _encode(seq, value)
        except BaseException as exc:
            reply = json.dumps({"seq": seq, "error": describe(exc, module_file)})
        data = (reply + "\n").encode("utf-8")
        while data:
            data = data[os.write(channel.fd_out, data) :]


def run_pytest(channel: Channel, config: dict, sink: CappedText) -> None:
    try:
        import pytest

        code = int(pytest.main(list(config["pytest_args"])))
    except BaseException as exc:
        code = 3
        sink.write(f"\n{type(exc).__name__}: {exc}\n")
    channel.write({"exit": code, "output": sink.last(6000)})


def main(argv: list[str]) -> None:
    channel = Channel(int(argv[1]), int(argv[2]))
    config = channel.read()
    if config is None:
        return
    os.chdir(config["scratch"])
    sys.path[:] = [config["scratch"] if p == "__SCRATCH__" else str(p) for p in config["sys_path"]]
    sys.argv = [config.get("module_file", "worker")]
    sink = CappedText(int(config.get("output_cap", 64 << 10)))
    sys.stdin = open(os.devnull, encoding="utf-8")
    sys.stdout = sys.stderr = sink
    if config["mode"] == "serve":
        serve(channel, config)
    elif config["mode"] == "pytest":
        run_pytest(channel, config, sink)
    sys.__stderr__.flush()
    os._exit(0)  # no atexit hooks or finalizers of student code after the reply


if __name__ == "__main__":
    main(sys.argv)
