"""The tiny GPT, its sampler and the policy-gradient pieces, each against an independent reference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import skip_unless_installed

skip_unless_installed("torch")

from course_core.learning.policy import grad_log_prob  # noqa: E402
from course_core.lm import chars  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def _torch_and_the_lm_modules() -> None:
    """torch and the kit's modules built on it, imported when this module's first test runs (see
    conftest.skip_unless_installed); the tests read them as this module's globals."""
    global torch, group_advantages, policy_gradient_loss, token_kl, token_log_probs, GPT, GPTConfig, KVCache
    global weights_fingerprint, filter_top_p, sample
    import torch

    from course_core.lm.grpo import group_advantages, policy_gradient_loss, token_kl, token_log_probs
    from course_core.lm.model import GPT, GPTConfig, KVCache
    from course_core.lm.reproducible import weights_fingerprint
    from course_core.lm.sampling import filter_top_p, sample


@pytest.fixture
def model() -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig()).eval()


def test_vocabulary_round_trips_text_and_names_a_character_it_lacks():
    text = "What is 12 + 34?\nFinal: 46"
    assert chars.decode(chars.encode(text) + [chars.EOS] + chars.encode("ignored")) == text
    with pytest.raises(ValueError, match="'é'"):
        chars.encode("café")


def test_the_cache_gives_the_logits_of_a_full_forward_pass(model):
    x = torch.randint(1, chars.VOCAB_SIZE, (3, 12))
    full = model(x)
    cache = KVCache(model.cfg, 3)
    pieces = [model(x[:, :7], cache)] + [model(x[:, t : t + 1], cache) for t in range(7, 12)]
    assert torch.allclose(torch.cat(pieces, dim=1), full, atol=1e-5)


def test_the_model_refuses_a_sequence_longer_than_its_window(model):
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, model.cfg.block_size + 1, dtype=torch.long))


def test_greedy_sampling_follows_the_argmax_of_full_forward_passes(model):
    prompt = torch.tensor([chars.encode("What is 12 + 34?\n")])
    tokens, logps = sample(lambda ids, cache: _cached(model, ids, cache), prompt, chars.EOS, 6, torch.Generator(), temperature=0)
    seq = prompt[0].tolist()
    for tok, lp in zip(tokens[0], logps[0]):
        with torch.no_grad():
            logits = model(torch.tensor([seq]))[0, -1]
        assert tok == int(logits.argmax())
        assert lp == pytest.approx(float(torch.log_softmax(logits, -1)[tok]), abs=1e-5)
        seq.append(tok)


def _cached(model: GPT, ids: torch.Tensor, cache: KVCache | None) -> tuple[torch.Tensor, KVCache]:
    cache = KVCache(model.cfg, ids.shape[0]) if cache is None else cache
    return model(ids, cache), cache


def test_top_p_keeps_the_smallest_set_reaching_the_mass_and_renormalises():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    assert torch.allclose(filter_top_p(probs, 0.7), torch.tensor([[0.625, 0.375, 0.0, 0.0]]))
    assert torch.allclose(filter_top_p(probs, 0.5), torch.tensor([[1.0, 0.0, 0.0, 0.0]]))
    assert torch.equal(filter_top_p(probs, 1.0), probs)


def test_group_advantages_subtract_the_group_mean_and_optionally_divide_by_its_std():
    rewards = torch.tensor([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    assert torch.allclose(group_advantages(rewards), torch.tensor([[0.75, -0.25, -0.25, -0.25], [0.0, 0.0, 0.0, 0.0]]))
    scaled = group_advantages(rewards, normalize_std=True)
    std = math.sqrt(0.75 * 0.25)  # population std of one 1 among four
    assert torch.allclose(scaled[0], torch.tensor([0.75, -0.25, -0.25, -0.25]) / std, atol=1e-4)
    assert torch.equal(scaled[1], torch.zeros(4))  # all equal: nothing to learn, and no division by zero


def test_the_loss_gradient_is_the_bandits_reinforce_step():
    """One-token completions from a softmax over logits θ: −∇loss = (1/N) Σ A_i (onehot(a_i) − π), as in learning/policy.py."""
    theta = torch.tensor([0.2, -0.4, 1.0, 0.0], requires_grad=True)
    actions = torch.tensor([2, 0, 2, 1])
    adv = torch.tensor([0.5, -0.5, 0.5, -0.5])
    logits = theta.expand(4, 1, 4)
    token_logp, log_dist = token_log_probs(logits, actions.view(4, 1))
    parts = policy_gradient_loss(token_logp, log_dist, log_dist.detach(), torch.ones(4, 1), adv, beta=0.0)
    parts.loss.backward()
    probs = torch.softmax(theta.detach(), -1).numpy()
    expected = np.mean([a * grad_log_prob(probs, int(k)) for a, k in zip(adv.numpy(), actions)], axis=0)
    assert np.allclose(-theta.grad.numpy(), expected, atol=1e-6)


def test_kl_is_zero_against_itself_and_matches_the_definition():
    p = torch.log_softmax(torch.tensor([[[1.0, 0.0, -1.0]]]), -1)
    q = torch.log_softmax(torch.tensor([[[0.0, 0.0, 0.0]]]), -1)
    assert float(token_kl(p, p)) == pytest.approx(0.0, abs=1e-7)
    expected = sum(math.exp(a) * (a - b) for a, b in zip(p.flatten().tolist(), q.flatten().tolist()))
    assert float(token_kl(p, q)) == pytest.approx(expected, rel=1e-6)


def test_the_kl_penalty_pulls_toward_the_reference():
    """With A = 0 and β > 0 the only gradient is the KL's: a step along −∇ moves the policy toward π_ref."""
    ref = torch.log_softmax(torch.tensor([[[0.0, 0.0, 0.0]]]), -1)
    theta = torch.tensor([2.0, 0.0, -2.0], requires_grad=True)
    token_logp, log_dist = token_log_probs(theta.view(1, 1, 3), torch.tensor([[0]]))
    parts = policy_gradient_loss(token_logp, log_dist, ref, torch.ones(1, 1), torch.zeros(1), beta=1.0)
    parts.loss.backward()
    with torch.no_grad():
        after = torch.log_softmax((theta - 0.1 * theta.grad).view(1, 1, 3), -1)
    assert float(token_kl(after, ref)) < float(parts.kl.detach())


def test_the_fingerprint_names_the_weights_not_the_file(model, tmp_path):
    from course_core.lm.weights import load_tiny, save_tiny

    before = weights_fingerprint(model.state_dict())
    save_tiny(model, tmp_path / "a.pt", {})
    loaded, _ = load_tiny(tmp_path / "a.pt")
    assert weights_fingerprint(loaded.state_dict()) == before
    with torch.no_grad():
        loaded.ln_f.bias[0] += 1e-3
    assert weights_fingerprint(loaded.state_dict()) != before
