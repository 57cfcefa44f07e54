"""The training loop of ``course.lm_train``: sample groups, score them, take the policy-gradient step.

Each step: pick P training prompts; sample G completions of each from the current policy
(temperature 1: the samples come from the policy being trained); score each with the reward
scorer; advantages A = r − group mean; one optimizer step on the loss of
:func:`course_core.lm.grpo.policy_gradient_loss` (its docstring states the update). Held-out
prompts are evaluated before training, every ``eval_every`` steps and at the end, with one
sample per prompt drawn from a fixed seed, so the numbers are comparable across evaluations.

Everything random comes from generators seeded by ``seed``: the same config gives the same
log, byte for byte, on the same CPU build of torch.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch

from course_core.errors import UserError
from course_core.lm import defaults
from course_core.lm.complete import Completion, complete
from course_core.lm.grpo import group_advantages, policy_gradient_loss, token_log_probs
from course_core.lm.policies import Policy, check_model_name, load_policy
from course_core.lm.prompts import Prompts, load_prompts
from course_core.learning.bandit import round6
from course_core.lm.reproducible import seed_everything
from course_core.measurement.scoring import DEFAULT_SCORER, FORMAT_OK, get_scorer, score_strict

EVAL_SEED_OFFSET = 10_000  # held-out sampling uses seed + this, apart from the training stream
OPTIMIZERS = ("adam", "sgd")


@dataclass(frozen=True)
class LMTrainConfig:
    """Everything that determines a run (defaults per model in MODEL_DEFAULTS)."""

    model: str = "tiny"
    dataset: str = "data/datasets/sums_train.jsonl"
    heldout: str | None = "data/datasets/sums_holdout.jsonl"
    weights: str | None = None  # starting weights; None = the model's shipped ones
    steps: int = 150
    group_size: int = 8
    prompts_per_step: int = 16
    lr: float = 3e-4
    beta: float = 0.0
    normalize_std: bool = False
    optimizer: str = "adam"
    max_grad_norm: float = 1.0
    max_new_tokens: int = defaults.MAX_NEW_TOKENS["tiny"]
    eval_every: int = 25
    heldout_limit: int | None = None  # evaluate on the first N held-out items only
    seed: int = 0
    scorer: str = DEFAULT_SCORER
    shots: int = 0  # worked examples in the prompt (SmolLM2)
    save_weights: bool = True
    threads: int = defaults.THREADS["tiny"]  # torch threads: a fixed count keeps runs byte-reproducible (see lm/reproducible.py)

    def hyperparameters(self) -> dict[str, Any]:
        return asdict(self)


MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "tiny": {},
    "smollm2-135m": {  # its two-digit sums are almost never right (pass@k ≈ 0): one-digit sums it sometimes gets
        "dataset": "data/datasets/digit_sums_train.jsonl",
        "heldout": "data/datasets/digit_sums_holdout.jsonl",
        "steps": 10, "group_size": 4, "prompts_per_step": 4, "lr": 2e-5, "max_new_tokens": defaults.MAX_NEW_TOKENS["smollm2-135m"],
        "eval_every": 0, "shots": 1, "save_weights": False, "threads": defaults.THREADS["smollm2-135m"],
    },
}


def config_for(model: str, without_heldout: bool = False, **given: Any) -> LMTrainConfig:
    """The model's defaults, overridden by every option the user gave (None = not given)."""
    chosen = {k: v for k, v in given.items() if v is not None}
    if without_heldout:
        chosen["heldout"] = None
    return replace(LMTrainConfig(model=check_model_name(model)), **{**MODEL_DEFAULTS[model], **chosen})


MAX_LR = 10.0  # the defaults are 3e-4 (tiny) and 2e-5 (SmolLM2); past ~3e38 the optimizer cannot even hold the number
MAX_BETA = 1000.0  # the docs use 0.05; at 1000 the KL term is all there is
MAX_SEED = 2**63 - 1  # torch's generator takes a 64-bit seed


def validate(cfg: LMTrainConfig) -> None:
    """UserError for a config that cannot make a meaningful run, before anything is loaded."""
    checks = [
        (1 <= cfg.steps <= 100_000, "--steps", f"must be between 1 and 100000, got {cfg.steps}"),
        (2 <= cfg.group_size <= 256, "--group-size", f"must be between 2 and 256 (a group baseline needs 2 samples), got {cfg.group_size}"),
        (1 <= cfg.prompts_per_step <= 1024, "--prompts-per-step", f"must be between 1 and 1024, got {cfg.prompts_per_step}"),
        (math.isfinite(cfg.lr) and 0 < cfg.lr <= MAX_LR, "--lr", f"must be a positive number at most {MAX_LR:g}, got {cfg.lr:g}"),
        (math.isfinite(cfg.beta) and 0 <= cfg.beta <= MAX_BETA, "--beta", f"must be a number between 0 and {MAX_BETA:g}, got {cfg.beta:g}"),
        (cfg.optimizer in OPTIMIZERS, "--optimizer", f"must be one of {', '.join(OPTIMIZERS)}, got {cfg.optimizer!r}"),
        (math.isfinite(cfg.max_grad_norm) and cfg.max_grad_norm > 0, "--max-grad-norm", f"must be positive, got {cfg.max_grad_norm}"),
        (1 <= cfg.max_new_tokens <= 4096, "--max-new-tokens", f"must be between 1 and 4096, got {cfg.max_new_tokens}"),
        (cfg.eval_every >= 0, "--eval-every", f"must be >= 0 (0: only before and after), got {cfg.eval_every}"),
        (cfg.heldout_limit is None or cfg.heldout_limit >= 1, "--heldout-limit", f"must be >= 1, got {cfg.heldout_limit}"),
        (0 <= cfg.seed <= MAX_SEED, "--seed", f"must be between 0 and 2**63 - 1, got {cfg.seed}"),
        (1 <= cfg.threads <= 64, "--threads", f"must be between 1 and 64, got {cfg.threads}"),
    ]
    for ok, flag, message in checks:
        if not ok:
            raise UserError(f"{flag} {message}", field=flag)
    get_scorer(cfg.scorer)


# ---------------------------------------------------------------- log-probabilities of sampled completions


def completion_batch(prompts: list[list[int]], completions: list[list[int]], pad: int) -> tuple[torch.Tensor, ...]:
    """Right-padded prompt+completion ids (N, L), their attention mask, and for each completion
    token the position whose logits predict it (N, Tc), the tokens (N, Tc) and a 0/1 mask (N, Tc)."""
    n = len(prompts)
    length = max(len(p) + len(c) for p, c in zip(prompts, completions))
    tc = max(1, max(len(c) for c in completions))
    ids = torch.full((n, length), pad, dtype=torch.long)
    attn = torch.zeros((n, length), dtype=torch.long)
    pos = torch.zeros((n, tc), dtype=torch.long)
    tokens = torch.full((n, tc), pad, dtype=torch.long)
    mask = torch.zeros((n, tc))
    for i, (p, c) in enumerate(zip(prompts, completions)):
        seq = p + c
        ids[i, : len(seq)] = torch.tensor(seq)
        attn[i, : len(seq)] = 1
        pos[i] = torch.arange(len(p) - 1, len(p) - 1 + tc).clamp(max=length - 1)
        tokens[i, : len(c)] = torch.tensor(c, dtype=torch.long)
        mask[i, : len(c)] = 1.0
    return ids, attn, pos, tokens, mask


def first_token_probability(policy: Policy, prompts: list[list[int]]) -> list[float]:
    """π(first completion token = the first token of "Final:" | prompt), exactly, for each prompt."""
    ids, attn, pos, _, _ = completion_batch(prompts, [[] for _ in prompts], policy.pad)
    with torch.no_grad():
        logits = policy.logits_at(ids, attn, pos[:, :1])
    return torch.softmax(logits[:, 0].float(), dim=-1)[:, policy.answer_token].tolist()


# ---------------------------------------------------------------- held-out evaluation


def evaluate(policy: Policy, heldout: Prompts, cfg: LMTrainConfig, batch: int = 64) -> dict[str, Any]:
    """Strict format rate, accuracy and P(first token of "Final:") on the held-out prompts.

    One completion per prompt at temperature 1, from a generator seeded the same way every time.
    """
    g = torch.Generator().manual_seed(cfg.seed + EVAL_SEED_OFFSET)
    completions = [c[0] for c in complete(policy, heldout.ids, 1, cfg.max_new_tokens, g)]
    outcomes = Counter(score_strict(item, c.text)["outcome"] for item, c in zip(heldout.items, completions))
    p_first = []
    for start in range(0, len(heldout), batch):
        p_first += first_token_probability(policy, heldout.ids[start : start + batch])
    n = len(heldout)
    return {
        "n": n,
        "strict_format_rate": round6(sum(c for o, c in outcomes.items() if o in FORMAT_OK) / n),
        "accuracy": round6(outcomes.get("correct", 0) / n),
        "p_final_first": round6(sum(p_first) / n),
        "outcome_counts": dict(sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


# ---------------------------------------------------------------- one training step


@dataclass
class StepResult:
    row: dict[str, Any]  # the log.jsonl row
    sample: dict[str, Any]  # the first group's completions (samples.jsonl)


def train_step(
    step: int, policy: Policy, ref: torch.nn.Module, opt: torch.optim.Optimizer,
    train: Prompts, cfg: LMTrainConfig, scorer: Any, g: torch.Generator,
) -> StepResult:
    """Sample P prompts × G completions, score them, and take one step on the group-baseline loss."""
    chosen = torch.randperm(len(train), generator=g)[: cfg.prompts_per_step].tolist()
    prompts = [train.ids[i] for i in chosen]
    groups = complete(policy, prompts, cfg.group_size, cfg.max_new_tokens, g)
    flat: list[tuple[int, Completion]] = [(i, c) for i, group in zip(chosen, groups) for c in group]
    verdicts = [(scorer(train.items[i], c.text), score_strict(train.items[i], c.text)) for i, c in flat]
    rewards = torch.tensor([float(v["reward"]) for v, _ in verdicts]).view(len(chosen), cfg.group_size)
    advantages = group_advantages(rewards, cfg.normalize_std)

    ids, attn, pos, tokens, mask = completion_batch([train.ids[i] for i, _ in flat], [c.tokens for _, c in flat], policy.pad)
    policy.model.train()
    token_logp, log_dist = token_log_probs(policy.logits_at(ids, attn, pos), tokens)
    with torch.no_grad():
        _, ref_log_dist = token_log_probs(policy.logits_at(ids, attn, pos, model=ref), tokens)
    parts = policy_gradient_loss(token_logp, log_dist, ref_log_dist, mask, advantages.flatten(), cfg.beta)
    opt.zero_grad(set_to_none=True)
    parts.loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(policy.model.parameters(), cfg.max_grad_norm)
    opt.step()
    policy.model.eval()

    p_first = log_dist[:: cfg.group_size, 0, policy.answer_token].detach().exp()  # one row per group: they share the prompt
    n = len(flat)
    row = {
        "step": step,
        "mean_reward": round6(rewards.mean()),
        "strict_format_rate": round6(sum(s["outcome"] in FORMAT_OK for _, s in verdicts) / n),
        "accuracy": round6(sum(s["outcome"] == "correct" for _, s in verdicts) / n),
        "kl": round6(parts.kl.detach()),
        "entropy": round6(parts.entropy.detach()),
        "grad_norm": round6(grad_norm),
        "loss": round6(parts.loss.detach()),
        "groups_with_signal": round6((rewards.std(dim=-1) > 0).float().mean()),
        "p_final_first": round6(p_first.mean()),
        "mean_completion_tokens": round6(mask.sum() / n),
        "heldout": None,
    }
    first = chosen[0]
    sample = {
        "step": step,
        "id": train.items[first]["id"],
        "prompt": train.items[first]["prompt"],
        "expected_answer": train.items[first]["expected_answer"],
        "completions": [
            {"completion": c.text, "reward": round6(rewards[0, k]), "advantage": round6(advantages[0, k]), "outcome": verdicts[k][1]["outcome"]}
            for k, (_, c) in enumerate(flat[: cfg.group_size])
        ],
    }
    return StepResult(row, sample)


# ---------------------------------------------------------------- the whole run


@dataclass
class TrainResult:
    policy: Policy
    rows: list[dict[str, Any]]
    samples: list[dict[str, Any]]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fingerprint_before: str
    fingerprint_after: str
    parameters: int
    train_prompts: Prompts
    heldout_prompts: Prompts | None
    seconds: float
    seconds_first_format_95: float | None  # wall time until a step's strict format rate first reached 0.95


def _optimizer(cfg: LMTrainConfig, policy: Policy) -> torch.optim.Optimizer:
    params = [p for p in policy.model.parameters() if p.requires_grad]
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr)
    return torch.optim.Adam(params, lr=cfg.lr)


def train(cfg: LMTrainConfig, on_step: Callable[[dict[str, Any]], None] | None = None) -> TrainResult:
    """Run the whole training; ``on_step`` sees each log row as it is made (for progress output)."""
    validate(cfg)
    g = seed_everything(cfg.seed, cfg.threads)
    policy = load_policy(cfg.model, cfg.weights, shots=cfg.shots)
    train_prompts = load_prompts(cfg.dataset, policy, cfg.max_new_tokens, role="dataset")
    if len(train_prompts) < cfg.prompts_per_step:
        raise UserError(f"--prompts-per-step {cfg.prompts_per_step} is more than the {len(train_prompts)} items of the dataset",
                        path=cfg.dataset, field="--prompts-per-step")
    heldout = None if cfg.heldout is None else load_prompts(cfg.heldout, policy, cfg.max_new_tokens, "held-out dataset", cfg.heldout_limit)
    ref = policy.frozen_copy()
    scorer = get_scorer(cfg.scorer)
    fingerprint_before = policy.fingerprint()
    opt = _optimizer(cfg, policy)
    before = None if heldout is None else evaluate(policy, heldout, cfg)
    rows, samples = [], []
    start, reached = time.perf_counter(), None
    for step in range(1, cfg.steps + 1):
        result = train_step(step, policy, ref, opt, train_prompts, cfg, scorer, g)
        if heldout is not None and cfg.eval_every and step % cfg.eval_every == 0 and step != cfg.steps:
            result.row["heldout"] = _brief(evaluate(policy, heldout, cfg))
        if reached is None and result.row["strict_format_rate"] >= 0.95:
            reached = time.perf_counter() - start
        rows.append(result.row)
        samples.append(result.sample)
        if on_step is not None:
            on_step(result.row)
    seconds = time.perf_counter() - start
    after = None if heldout is None else evaluate(policy, heldout, cfg)
    if after is not None:
        rows[-1]["heldout"] = _brief(after)
    return TrainResult(
        policy=policy, rows=rows, samples=samples, before=before, after=after,
        fingerprint_before=fingerprint_before, fingerprint_after=policy.fingerprint(),
        parameters=sum(p.numel() for p in policy.model.parameters()),
        train_prompts=train_prompts, heldout_prompts=heldout, seconds=seconds, seconds_first_format_95=reached,
    )


def _brief(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in ("strict_format_rate", "accuracy", "p_final_first")}
