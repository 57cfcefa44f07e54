"""Where samples come from: the ``Source`` protocol the sampler drives.

A source turns one prompt into up to ``n`` completions::

    class Source(Protocol):
        thread_safe: bool                       # False: the sampler calls generate() from one thread
        def policy(self) -> dict[str, Any]: ...  # what is being sampled (recorded as the policy)
        def generate(self, prompt: str, n: int, params: SamplingParams) -> list[Sample]: ...

``generate`` returns between 1 and ``n`` samples, in order. Returning fewer is allowed (a server
that ignores ``n`` returns one); the sampler asks again for the rest, so a source never has to
loop itself. ``params.seed`` is already the seed of this request (see
:mod:`course_core.rollouts.sampler` for the seed rule); a source passes it through or, if it
cannot honour seeds, says so in ``policy()``. A source raises
:class:`course_core.errors.UserError` for a failure the user must fix (a wrong model name, a bad
key) and :class:`SourceGaveUp` when it retried and could not get an answer; the sampler keeps every
sample already written either way, so the next run resumes.

Optional members the sampler reads when present: ``stats() -> dict`` (counters merged into the
sidecar's ``stats``, e.g. retries), ``n_refused`` (True once the source knows it cannot
return several samples per request), ``default_params() -> SamplingParams`` (what an option
the user did not give means for this source), ``check_params(params)`` (raises UserError for a
parameter it cannot honour), ``check_prompt(text)`` (raises ValueError for a prompt it cannot
take; the sampler names the dataset line) and ``prompt_format`` (the text the source itself
wraps around each prompt, recorded in the sampling configuration). The three checks run before
anything is staged or sampled.

``policy()`` is the policy under test, recorded in the sidecar and in every manifest that uses
the rollouts. Keys the kit reads: ``source`` (a short kind, e.g. ``"openai_compatible"``),
``model`` (as the user asked for it), ``base_url`` (no credentials), ``weights_fingerprint``
(``sha256:<hex>`` of the weights where the source can compute it, else None). The sampler adds
what the samples report (``served_model``, ``system_fingerprint``).

Two sources exist: :class:`course_core.rollouts.openai_compat.OpenAICompatibleSource` (any
server speaking the OpenAI chat or completions API) and :class:`course_core.lm.source.LocalSource`
(the kit's own local models, tiny and SmolLM2, which need no server; it fills
``weights_fingerprint``). A new source is a class with these three members; nothing
else in the sampler changes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from course_core.errors import UserError

APIS = ("chat", "completions")
KINDS = {"openai": ("--base-url", "--api-key-env"), "local": ("--weights", "--shots")}  # --source → the options only it takes


@dataclass(frozen=True)
class SamplingParams:
    """Every sampling parameter a request carries (``n`` travels apart, per request)."""

    api: str = "chat"  # "chat" (messages, the server applies the model's chat template) or "completions" (raw text)
    temperature: float = 0.8
    top_p: float = 0.95
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int | None = 0
    logprobs: bool = True
    system_prompt: str | None = None

    def as_record(self) -> dict[str, Any]:
        """The parameters as the sidecar records them (``stop`` as a list)."""
        record = asdict(self)
        record["stop"] = list(self.stop)
        return record


@dataclass(frozen=True)
class Sample:
    """One completion, with what the source said about it."""

    completion: str
    sum_logprob: float | None = None  # sum of the sampled tokens' log-probabilities; None when not given
    finish_reason: str | None = None  # "stop", "length", ... as the source reported it
    served_model: str | None = None  # the model id the server says answered
    system_fingerprint: str | None = None  # the server's backend fingerprint, where it gives one


class Source(Protocol):
    """Anything that can sample completions for a prompt; see the module docstring."""

    thread_safe: bool

    def policy(self) -> dict[str, Any]:
        """The policy under test: source kind, model as asked, base URL, weights fingerprint."""
        ...

    def generate(self, prompt: str, n: int, params: SamplingParams) -> list[Sample]:
        """Between 1 and ``n`` samples for ``prompt``."""
        ...


class SourceGaveUp(Exception):
    """A source retried as far as it may and still has no answer (the run can be resumed later)."""


def check_source_options(kind: str, given: dict[str, Any]) -> None:
    """Refuse an option of the other kind of source (``given``: option → value, None when absent); a server needs --base-url."""
    for other, options in KINDS.items():
        for option in options:
            if other != kind and given.get(option) is not None:
                raise UserError(f"{option} is for --source {other}, not --source {kind}", field=option,
                                hint=f"drop {option}, or sample with --source {other}")
    if kind == "openai" and given.get("--base-url") is None:
        raise UserError("--source openai needs the server's --base-url", field="--base-url",
                        hint="e.g. --base-url http://localhost:8000/v1, or --source local --model tiny for the kit's own model")
