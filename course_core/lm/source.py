"""The kit's local models as a rollout source: ``course.rollout_sample --source local``, no server at all.

:class:`LocalSource` is a ``Source`` of :mod:`course_core.rollouts.sources`: ``policy()`` names the
weights by their fingerprint, ``generate(prompt, n, params)`` samples ``n`` completions at once,
each with its summed log-probability. It also has the protocol's optional members:
``default_params()`` (the configuration training samples with: temperature 1, the model's
completion budget, its own ``api``), ``prompt_format`` (the model's template around each prompt,
recorded in the sampling configuration: worked examples are conditions, not the policy),
``check_params()`` and ``check_prompt()`` (refusals before anything is sampled).

Seeds: each request draws from a generator seeded by the request's seed and the prompt's text,
so every item has its own random stream and the same command samples the same completions.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import torch

from course_core.errors import UserError
from course_core.lm import defaults
from course_core.lm.complete import complete
from course_core.lm.policies import Policy, check_model_name, load_policy
from course_core.lm.reproducible import seed_everything
from course_core.rollouts.sources import Sample, SamplingParams

SOURCE = "local"


def request_generator(seed: int, prompt: str) -> torch.Generator:
    """A generator for one request: seeded by ``seed`` and the prompt (independent streams per item)."""
    digest = hashlib.sha256(f"{seed}\x1f{prompt}".encode("utf-8")).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "big") >> 1)


class LocalSource:
    """A local policy (tiny or SmolLM2) that answers like a server would."""

    thread_safe = False  # one model, one thread: torch's own threads do the parallel work

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._fingerprint = policy.fingerprint()
        self.prompt_format = policy.prompt_template

    def policy(self) -> dict[str, Any]:
        return {"source": SOURCE, "model": self._policy.name, "base_url": None, "weights_fingerprint": self._fingerprint}

    def default_params(self) -> SamplingParams:
        """How training samples: the policy as trained, the model's completion budget."""
        return SamplingParams(api=self._policy.api, temperature=defaults.TEMPERATURE, top_p=defaults.TOP_P,
                              max_tokens=defaults.MAX_NEW_TOKENS.get(self._policy.name, SamplingParams.max_tokens))

    def check_params(self, params: SamplingParams) -> None:
        """Refuse what a local model cannot do, before anything is sampled."""
        name = self._policy.name
        if params.api != self._policy.api:
            how = "raw text (--completions)" if self._policy.api == "completions" else "its chat template (--chat)"
            raise UserError(f"the {name} model reads a prompt as {how}", field=f"--{'chat' if params.api == 'chat' else 'completions'}",
                            hint="drop the flag: --source local picks the model's own")
        if params.system_prompt is not None:
            raise UserError(f"the local {name} model takes no system message", field="--system")
        if params.stop:
            raise UserError(f"the local {name} model stops at its end token; it takes no stop sequences", field="--stop",
                            hint="bound the completion with --max-tokens instead")

    def check_prompt(self, prompt: str) -> None:
        """ValueError when the model cannot read ``prompt`` (the sampler names its file and line)."""
        ids = self._policy.encode_prompt(prompt)  # the tiny vocabulary raises ValueError on a character it lacks
        window = self._policy.max_length
        if window is not None and len(ids) >= window:
            raise ValueError(f"the prompt is {len(ids)} tokens; the {self._policy.name} model reads at most {window} "
                             "(prompt and completion together)")

    def generate(self, prompt: str, n: int, params: SamplingParams) -> list[Sample]:
        """``n`` samples of ``prompt`` at ``params.temperature`` / ``params.top_p``, at most ``params.max_tokens`` tokens."""
        g = request_generator(0 if params.seed is None else params.seed, prompt)
        ids = self._policy.encode_prompt(prompt)
        limit = params.max_tokens
        if self._policy.max_length is not None:
            limit = min(limit, self._policy.max_length - len(ids))
        (samples,) = complete(self._policy, [ids], n, limit, g, params.temperature, params.top_p)
        eos = self._policy.eos
        return [
            Sample(s.text, round(s.sum_logprob, 4) if params.logprobs else None,
                   "stop" if s.tokens and s.tokens[-1] == eos else "length", self._policy.name)
            for s in samples
        ]


def local_source(model: str, weights: str | Path | None = None, shots: int | None = None) -> LocalSource:
    """The named local model (its starting weights, a weights file, or an lm_train run's) as a rollout source."""
    if shots is not None and check_model_name(model) != "smollm2-135m":
        raise UserError(f"the {model} model takes no worked examples", field="--shots", hint="--shots is for smollm2-135m")
    policy = load_policy(model, weights, shots=shots)
    seed_everything(0, defaults.THREADS.get(policy.name, 1))  # deterministic kernels, a fixed thread count
    return LocalSource(policy)
