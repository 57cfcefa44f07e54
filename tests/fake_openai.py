"""A fake OpenAI-compatible server on 127.0.0.1 for the rollout tests, with each real server's quirks on demand.

Models are functions ``(prompt, seed, choice) -> completion``; the quirks are counters and
flags: ``honour_n``, ``reject_n``, ``logprobs``, ``too_many`` (429s before answering),
``drop`` (connections closed without an answer), ``fail_after`` (503 forever after that many
answers). ``port`` reuses the port of an earlier server, as a restarted server would. Every request is kept (path, payload, headers) for the tests to inspect.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Model = Callable[[str, int, int], str]
_SUM = re.compile(r"What is (-?\d+)\+(-?\d+)\?")


def rollout_file(run: Any) -> Path:
    """The rollouts file of a run ``course_core.rollouts.sampler.sample_rollouts`` wrote."""
    return run.outdir / run.artifacts[0]


def _operands(prompt: str) -> tuple[int, int]:
    m = _SUM.search(prompt)
    assert m, f"unexpected prompt {prompt!r}"
    return int(m.group(1)), int(m.group(2))


def solver(prompt: str, seed: int, choice: int) -> str:
    """Always right."""
    a, b = _operands(prompt)
    return f"Final: {a + b}"


def half_right(prompt: str, seed: int, choice: int) -> str:
    """Right when the first operand is even, off by one otherwise."""
    a, b = _operands(prompt)
    return f"Final: {a + b + (a % 2)}"


def varied(prompt: str, seed: int, choice: int) -> str:
    """A different completion for every (seed, choice): shows which seed each sample came from."""
    a, b = _operands(prompt)
    return f"Final: {a + b}\n(seed {seed}, choice {choice})"


class FakeServer:
    def __init__(self, models: dict[str, Model] | None = None, *, honour_n: bool = True, reject_n: bool = False,
                 logprobs: bool = True, too_many: int = 0, retry_after: str | None = "0", drop: int = 0,
                 fail_after: int | None = None, echo_key_in_errors: bool = False, port: int = 0) -> None:
        self.models = models or {"solver": solver}
        self.honour_n, self.reject_n, self.logprobs = honour_n, reject_n, logprobs
        self.too_many, self.retry_after, self.drop, self.fail_after = too_many, retry_after, drop, fail_after
        self.echo_key_in_errors = echo_key_in_errors
        self.requests: list[dict[str, Any]] = []
        self.answered = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())  # port: reuse an earlier one (resume tests)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def payloads(self) -> list[dict[str, Any]]:
        return [r["payload"] for r in self.requests if r.get("payload") is not None]

    # ---------------------------------------------------------------- answering

    def _answer(self, path: str, payload: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self.requests.append({"path": path, "payload": payload, "headers": headers})
            if self.drop:
                self.drop -= 1
                return -1, {}, {}
            if self.too_many:
                self.too_many -= 1
                extra = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
                return 429, {"error": {"message": "rate limited"}}, extra
            if self.fail_after is not None and self.answered >= self.fail_after:
                return 503, {"error": {"message": "overloaded"}}, {}
        if path not in ("/v1/chat/completions", "/v1/completions"):
            return 404, {"error": {"message": f"no route {path}"}}, {}
        if self.echo_key_in_errors:
            return 401, {"error": {"message": f"bad key {headers.get('authorization', '')}"}}, {}
        model = self.models.get(payload.get("model"))
        if model is None:
            return 404, {"error": {"message": f"model {payload.get('model')!r} not found"}}, {}
        n = payload.get("n", 1)
        if n > 1 and self.reject_n:
            return 400, {"error": {"message": "only one completion choice is allowed"}}, {}
        chat = path.endswith("/chat/completions")
        prompt = payload["messages"][-1]["content"] if chat else payload["prompt"]
        seed = payload.get("seed", -1)
        choices = []
        for i in range(n if self.honour_n else 1):
            text = model(prompt, seed, i)
            tokens = [text[j:j + 4] for j in range(0, len(text), 4)]
            values = [-0.25 * (i + 1)] * len(tokens)
            choice: dict[str, Any] = {"index": i, "finish_reason": "stop"}
            if chat:
                choice["message"] = {"role": "assistant", "content": text}
            else:
                choice["text"] = text
            if self.logprobs and payload.get("logprobs"):
                if chat:
                    choice["logprobs"] = {"content": [{"token": t, "logprob": v, "top_logprobs": []} for t, v in zip(tokens, values)]}
                else:
                    choice["logprobs"] = {"tokens": tokens, "token_logprobs": values, "top_logprobs": None, "text_offset": []}
            else:
                choice["logprobs"] = None
            choices.append(choice)
        with self._lock:
            self.answered += 1
        return 200, {"id": "cmpl-1", "object": "chat.completion" if chat else "text_completion", "created": 0,
                     "model": f"{payload['model']}-served", "system_fingerprint": "fp_fake", "choices": choices}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5  # a stuck client cannot hold a handler thread for long

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer, extra = server._answer(self.path, json.loads(body), headers)
                if status == -1:
                    self.close_connection = True  # hang up without a word: the client sees a dropped connection
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler
