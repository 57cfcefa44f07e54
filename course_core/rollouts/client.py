"""JSON over HTTP to an OpenAI-compatible server, on the standard library's ``http.client``.

One POST per call on a fresh connection (servers drop idle keep-alive connections at will, and a
connection costs little next to a generation). Failures come in two kinds:

- **transient** — HTTP 408, 429 or 5xx, a refused, reset or dropped connection, a timeout:
  retried up to ``RetryPolicy.max_retries`` times. The wait before retry ``k`` (0-based) is the
  server's ``Retry-After`` when it sends one (capped at ``max_retry_after``), otherwise
  ``min(max_delay, base_delay · 2^k)`` scaled by a uniform factor in [0.5, 1) ("equal jitter",
  so concurrent workers do not retry in lockstep). Out of retries: :class:`SourceGaveUp`.
- **permanent** — any other HTTP status (400 a rejected parameter, 401 a bad key, 404 a wrong
  URL or model): a :class:`UserError` quoting the server's own message.

The API key is sent as ``Authorization: Bearer`` and never appears in an error message (the
server's messages are scrubbed of it too).
"""

from __future__ import annotations

import http.client
import json
import math
import random
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from course_core import __version__
from course_core.artifacts.strict_json import UnsafeJSON, loads
from course_core.errors import UserError
from course_core.rollouts.sources import SourceGaveUp

DEFAULT_TIMEOUT = 300.0  # seconds for one answer: a long generation on a slow machine
MAX_TIMEOUT = 86400.0  # a day: longer is no timeout at all (and past about 1e12 the socket refuses it)
_TRANSIENT_STATUS = frozenset({408, 429})
_MESSAGE_LIMIT = 300  # characters of a server's error message quoted back


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently transient failures are retried."""

    max_retries: int = 5
    base_delay: float = 0.5  # seconds before the first retry (before jitter)
    max_delay: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After is cut to this

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2**retry)
        return ceiling * (0.5 + 0.5 * rng.random())


@dataclass(frozen=True)
class Endpoint:
    """A base URL taken apart: ``http(s)://host[:port]/path``, no credentials, no query."""

    scheme: str
    host: str
    port: int | None
    path: str

    @property
    def public(self) -> str:
        """The URL as recorded in sidecars and manifests."""
        port = f":{self.port}" if self.port is not None else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}{port}{self.path}"


def parse_base_url(url: str) -> Endpoint:
    """Check and split ``--base-url``; credentials or a query string in it are refused."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # e.g. "Invalid IPv6 URL": an unclosed [ in the host
        raise UserError(f"--base-url is not a valid URL ({exc}): {url!r}", field="--base-url",
                        hint="e.g. http://localhost:8000/v1, or http://[::1]:8000/v1 for an IPv6 address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(
            f"--base-url must be an http:// or https:// URL, got {url!r}",
            field="--base-url", hint="e.g. http://localhost:8000/v1 (vLLM) or http://localhost:11434/v1 (Ollama)",
        )
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        # Refused rather than stripped: whatever is there may be a secret, and the URL is recorded.
        raise UserError(
            "--base-url must not carry credentials, a query string or a fragment",
            field="--base-url", hint="pass the key through an environment variable named by --api-key-env",
        )
    try:
        port = parts.port
    except ValueError:
        raise UserError(f"--base-url has an invalid port: {url!r}", field="--base-url") from None
    return Endpoint(parts.scheme, parts.hostname, port, parts.path.rstrip("/"))


def check_timeout(timeout: float) -> None:
    """--timeout: seconds, finite and > 0 (NaN or inf is a socket error only when the first request is sent)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        raise UserError(f"--timeout must be a number of seconds > 0 and at most {MAX_TIMEOUT:g}, got {timeout!r}", field="--timeout",
                        hint=f"the default is {DEFAULT_TIMEOUT:g}")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HTTPRefused(UserError):
    """The server answered with a permanent HTTP error; ``status`` says which."""

    def __init__(self, message: str, status: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class _Transient(Exception):
    def __init__(self, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.retry_after = retry_after


class JsonClient:
    """POST JSON to ``<base_url><path>`` with retries; thread-safe (one connection per call)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.endpoint = parse_base_url(base_url)
        check_timeout(timeout)
        self._api_key = api_key
        self.timeout = timeout
        self.retry = retry
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.retries = 0  # transient failures retried so far, over all calls

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The server's JSON answer to one POST, after retrying transient failures."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        url = self.endpoint.public + path
        for attempt in range(self.retry.max_retries + 1):
            try:
                return self._once(path, body, url)
            except _Transient as exc:
                if attempt == self.retry.max_retries:
                    raise SourceGaveUp(f"{url}: gave up after {attempt + 1} attempts; last failure: {exc}") from None
                with self._lock:
                    self.retries += 1
                    wait = self.retry.delay(attempt, exc.retry_after, self._rng)
                self._sleep(wait)
        raise AssertionError("unreachable")

    def _headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"rl-foundations-llm/{__version__}",
        }
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _connection(self) -> http.client.HTTPConnection:
        e = self.endpoint
        if e.scheme == "https":
            return http.client.HTTPSConnection(e.host, e.port, timeout=self.timeout, context=ssl.create_default_context())
        return http.client.HTTPConnection(e.host, e.port, timeout=self.timeout)

    def _once(self, path: str, body: bytes, url: str) -> dict[str, Any]:
        conn = self._connection()
        try:
            conn.request("POST", self.endpoint.path + path, body=body, headers=self._headers())
            response = conn.getresponse()
            status, raw = response.status, response.read()
            retry_after = retry_after_seconds(response.getheader("Retry-After"))
        except ssl.SSLCertVerificationError as exc:
            raise UserError(f"{url}: TLS certificate not trusted: {exc.verify_message}", field="--base-url") from None
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, dropped, timed out
            raise _Transient(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
        finally:
            conn.close()
        if status in _TRANSIENT_STATUS or status >= 500:
            raise _Transient(f"HTTP {status}: {self._message(raw)}", retry_after)
        if status != 200:
            raise HTTPRefused(f"{url}: the server refused the request: HTTP {status}: {self._message(raw)}", status, _hint(status))
        try:
            answer = loads(raw.decode("utf-8"), text_only=True, nonfinite=True)  # a logprob of -Infinity is an absent one
        except UnsafeJSON as exc:  # a 400-digit integer, 100000 levels of nesting, a lone surrogate
            where = f" at {exc.field}" if exc.field else ""
            if exc.kind == "text":
                raise UserError(
                    f"{url}: the server's answer to the prompt {_prompt_of(body)} is not text: {exc}{where}",
                    field="--base-url", hint="no file can hold it; the server sent broken Unicode (try another server or model)",
                ) from None
            raise UserError(f"{url}: the server's answer is not JSON: {exc}{where}", field="--base-url",
                            hint="a server sends numbers a float holds and shallow JSON") from None
        except (UnicodeDecodeError, ValueError):
            raise UserError(
                f"{url}: the server's answer is not JSON: {self._message(raw)}",
                field="--base-url", hint="an OpenAI-compatible base URL usually ends in /v1",
            ) from None
        if not isinstance(answer, dict):
            raise UserError(f"{url}: expected a JSON object from the server, got {type(answer).__name__}", field="--base-url")
        return answer

    def _message(self, raw: bytes) -> str:
        """The server's error message (OpenAI's ``{"error": {"message": ...}}`` or the raw text), scrubbed and cut."""
        text = raw.decode("utf-8", "replace").strip()
        try:
            data = loads(text)  # strict: a deep-nested error body is quoted as text, never a RecursionError
        except ValueError:
            data = None
        if isinstance(data, dict):
            err = data.get("error", data.get("detail", data.get("message")))
            if isinstance(err, dict):
                err = err.get("message", err)
            if err is not None:
                text = err if isinstance(err, str) else json.dumps(err)
        if self._api_key:
            text = text.replace(self._api_key, "***")
        text = " ".join(text.split()) or "(empty body)"
        return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + "…"


def _prompt_of(body: bytes) -> str:
    """The prompt of a request body (chat: the last message), quoted and cut, to say which item's answer was bad."""
    try:
        payload = json.loads(body)
        prompt = payload["prompt"] if "prompt" in payload else payload["messages"][-1]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return "(unknown)"
    text = repr(prompt) if isinstance(prompt, str) else "(unknown)"
    return text if len(text) <= 80 else text[:79] + "…'"


def _hint(status: int) -> str | None:
    if status in (401, 403):
        return "check the key in the environment variable named by --api-key-env"
    if status == 404:
        return "check --base-url (it usually ends in /v1) and --model (the server's /v1/models lists them)"
    if status in (400, 422):
        return "the server rejected a parameter; if it names logprobs or seed, try --no-logprobs or --no-seed"
    return None
