"""The OpenAI-compatible source: ``/chat/completions`` or ``/completions`` on any server that speaks them.

vLLM, SGLang, Ollama, llama.cpp's server, LM Studio and hosted APIs all accept the same request
shape, with known differences this module absorbs:

- ``n`` > 1: some servers honour it, some return one choice (the sampler tops up), and some
  refuse it with HTTP 400; on that refusal the request is sent again with ``n`` = 1 and every
  later request asks for one sample at a time.
- log-probabilities: chat answers give ``logprobs.content[*].logprob``, legacy completions give
  ``logprobs.token_logprobs``; some servers use the chat shape on both endpoints, some give
  neither. ``sum_logprob`` is the sum over the sampled tokens, or None when the answer has no
  usable per-token values.
- ``model`` and ``system_fingerprint`` in the answer say what actually served the request; they
  are kept per sample and recorded beside the model as asked.
"""

from __future__ import annotations

import math
import os
import threading
from typing import Any

from course_core.errors import UserError
from course_core.rollouts.client import DEFAULT_TIMEOUT, HTTPRefused, JsonClient, RetryPolicy
from course_core.rollouts.sources import Sample, SamplingParams

PATHS = {"chat": "/chat/completions", "completions": "/completions"}
_POSITIVE_SLACK = 1e-6  # a sum of log-probabilities may round a hair above 0, never more


def request_payload(model: str, prompt: str, n: int, params: SamplingParams) -> dict[str, Any]:
    """The JSON body of one request (``n`` omitted when 1, ``seed`` and ``stop`` only when set)."""
    payload: dict[str, Any] = {"model": model}
    if params.api == "chat":
        messages = [{"role": "system", "content": params.system_prompt}] if params.system_prompt is not None else []
        payload["messages"] = [*messages, {"role": "user", "content": prompt}]
    else:
        payload["prompt"] = prompt
    payload.update(temperature=params.temperature, top_p=params.top_p, max_tokens=params.max_tokens, stream=False)
    if n != 1:
        payload["n"] = n
    if params.stop:
        payload["stop"] = list(params.stop)
    if params.seed is not None:
        payload["seed"] = params.seed
    if params.logprobs:
        # chat: a boolean; legacy completions: how many alternatives per token (1 is the least every server accepts)
        payload["logprobs"] = True if params.api == "chat" else 1
    return payload


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)  # an integer of 400 digits overflows here
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def sum_logprob(logprobs: Any, text: str) -> float | None:
    """Sum of the sampled tokens' log-probabilities from either answer shape; None when unusable."""
    if not isinstance(logprobs, dict):
        return None
    if isinstance(logprobs.get("content"), list):
        values = [_number(t.get("logprob")) if isinstance(t, dict) else None for t in logprobs["content"]]
    elif isinstance(logprobs.get("token_logprobs"), list):
        values = [_number(v) for v in logprobs["token_logprobs"]]
    else:
        return None
    if any(v is None for v in values) or (not values and text):
        return None
    total = sum(values)  # type: ignore[arg-type]
    if total > _POSITIVE_SLACK or not math.isfinite(total):
        return None  # not log-probabilities, or a sum no instrument can compute with (-1e308 twice)
    return min(total, 0.0)


def parse_choices(answer: dict[str, Any], api: str) -> list[Sample]:
    """The samples in one answer, in choice order."""
    choices = answer.get("choices")
    if not isinstance(choices, list) or not choices or not all(isinstance(c, dict) for c in choices):
        raise UserError(
            "the server's answer has no 'choices' list", field="--base-url",
            hint="is this an OpenAI-compatible endpoint? (vLLM: http://localhost:8000/v1, Ollama: http://localhost:11434/v1)",
        )
    if all(isinstance(c.get("index"), int) for c in choices):
        choices = sorted(choices, key=lambda c: c["index"])
    served = answer.get("model") if isinstance(answer.get("model"), str) else None
    fingerprint = answer.get("system_fingerprint") if isinstance(answer.get("system_fingerprint"), str) else None
    samples = []
    for choice in choices:
        if api == "chat":
            message = choice.get("message")
            text = message.get("content") if isinstance(message, dict) else None
        else:
            text = choice.get("text")
        if text is None:
            text = ""  # e.g. a chat answer with no content: an empty completion, scored as such
        if not isinstance(text, str):
            raise UserError(f"the server's answer has a non-text completion ({type(text).__name__})", field="--base-url")
        finish = choice.get("finish_reason")
        samples.append(Sample(
            completion=text,
            sum_logprob=sum_logprob(choice.get("logprobs"), text),
            finish_reason=finish if isinstance(finish, str) else None,
            served_model=served,
            system_fingerprint=fingerprint,
        ))
    return samples


class OpenAICompatibleSource:
    """A :class:`~course_core.rollouts.sources.Source` backed by an OpenAI-compatible HTTP server."""

    thread_safe = True

    def __init__(self, client: JsonClient, model: str) -> None:
        if not model.strip():
            raise UserError("--model must name the model the server should run", field="--model")
        self.client = client
        self.model = model
        self._lock = threading.Lock()
        self.n_refused = False  # the server answered HTTP 400/422 to n > 1: one sample per request from then on

    def policy(self) -> dict[str, Any]:
        return {"source": "openai_compatible", "model": self.model, "base_url": self.client.endpoint.public, "weights_fingerprint": None}

    def stats(self) -> dict[str, Any]:
        """Counters for the sidecar's ``stats``."""
        return {"retries": self.client.retries, "n_refused": self.n_refused}

    def generate(self, prompt: str, n: int, params: SamplingParams) -> list[Sample]:
        path = PATHS[params.api]
        if n > 1 and not self.n_refused:
            try:
                return parse_choices(self.client.post(path, request_payload(self.model, prompt, n, params)), params.api)
            except HTTPRefused as exc:
                if exc.status not in (400, 422):
                    raise
                answer = self.client.post(path, request_payload(self.model, prompt, 1, params))
                with self._lock:
                    self.n_refused = True  # n=1 worked where n>1 did not: n was the problem
                return parse_choices(answer, params.api)
        return parse_choices(self.client.post(path, request_payload(self.model, prompt, 1, params)), params.api)


def api_key_from_env(variable: str | None) -> str | None:
    """The API key held by environment variable ``variable`` (None when no variable is named)."""
    if variable is None:
        return None
    key = os.environ.get(variable, "")
    if not key.strip():
        raise UserError(f"environment variable {variable} is not set (or empty)", field="--api-key-env",
                        hint=f"export {variable}=... first, or drop --api-key-env for a server that needs no key")
    return key.strip()


def server_source(
    base_url: str,
    model: str,
    *,
    api_key_env: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = RetryPolicy.max_retries,
) -> OpenAICompatibleSource:
    """The source for ``--base-url``/``--model``, its key read from the environment."""
    if timeout <= 0:
        raise UserError(f"--timeout must be > 0 seconds, got {timeout:g}", field="--timeout")
    if max_retries < 0:
        raise UserError(f"--max-retries must be >= 0, got {max_retries}", field="--max-retries")
    client = JsonClient(base_url, api_key_from_env(api_key_env), timeout=timeout, retry=RetryPolicy(max_retries=max_retries))
    return OpenAICompatibleSource(client, model)
