"""Credit assignment in a two-step decision: the reward arrives only at the end.

Step 1 chooses ``left`` or ``right``; step 2, knowing step 1's choice, chooses ``up`` or
``down``. Only the path ``right → up`` pays reward 1; every other path pays 0. Each of the three
decision points (the root, and the two second-step states) has its own softmax policy over two
logits. REINFORCE sends the single terminal reward back to *both* decisions of the episode;
withholding it from step 1 (``credit_step1=False``) leaves step 1 exactly uniform forever, while
step 2 still learns — the first decision can only improve if the final reward reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from course_core.errors import UserError
from course_core.jsonl import dumps_line
from course_core.manifest import build_manifest, write_json
from course_core.rundir import staged_run
from course_core.schemas import check_artifact

ENVIRONMENT = "two_step_v1"
STEP1_ACTIONS = ("left", "right")
STEP2_ACTIONS = ("up", "down")
REWARDING_PATH = ("right", "up")
ARTIFACTS = ["manifest.json", "log.jsonl", "summary.json", "summary.md"]
MAX_STEPS = 1_000_000


def softmax(logits: np.ndarray) -> np.ndarray:
    """π(a) = exp(θ_a − max θ) / Σ_b exp(θ_b − max θ) (shifted for stability)."""
    z = np.exp(logits - logits.max())
    return z / z.sum()


def reward(a1: int, a2: int) -> float:
    """1.0 for the one rewarding path, 0.0 otherwise; paid only after step 2."""
    return 1.0 if (STEP1_ACTIONS[a1], STEP2_ACTIONS[a2]) == REWARDING_PATH else 0.0


@dataclass
class TwoStepPolicy:
    """Logits: ``step1`` (2,) at the root; ``step2`` (2, 2), one row per step-1 choice."""

    step1: np.ndarray = field(default_factory=lambda: np.zeros(2))
    step2: np.ndarray = field(default_factory=lambda: np.zeros((2, 2)))

    def probs(self) -> dict[str, Any]:
        """The policy as named probabilities (plain floats, stable key order)."""
        p1 = softmax(self.step1)
        return {
            "step1": {a: float(p) for a, p in zip(STEP1_ACTIONS, p1)},
            "step2": {
                s: {a: float(p) for a, p in zip(STEP2_ACTIONS, softmax(self.step2[i]))}
                for i, s in enumerate(STEP1_ACTIONS)
            },
        }

    def expected_reward(self) -> float:
        """E[R] = Σ_{a1,a2} π1(a1) · π2(a2 | a1) · R(a1, a2)."""
        p1 = softmax(self.step1)
        return float(sum(
            p1[i] * softmax(self.step2[i])[j] * reward(i, j) for i in range(2) for j in range(2)
        ))


def grad_log_softmax(logits: np.ndarray, action: int) -> np.ndarray:
    """∇_θ log softmax(θ)[a] = onehot(a) − softmax(θ)."""
    g = -softmax(logits)
    g[action] += 1.0
    return g


def reinforce_update(
    policy: TwoStepPolicy, a1: int, a2: int, advantage: float, lr: float, credit_step1: bool = True
) -> None:
    """θ_t += lr · (R − b) · ∇ log π(a_t | s_t) for t = 1, 2 (step 1 skipped when credit_step1 is False).

    ``advantage`` is R − b. Both gradients are taken at the logits the episode was sampled
    with, then applied.
    """
    g1 = grad_log_softmax(policy.step1, a1)
    g2 = grad_log_softmax(policy.step2[a1], a2)
    if credit_step1:
        policy.step1 += lr * advantage * g1
    policy.step2[a1] += lr * advantage * g2


def sample(probs: np.ndarray, rng: np.random.Generator) -> int:
    """Index 0 with probability probs[0], else 1 (one uniform draw per decision)."""
    return 0 if rng.random() < probs[0] else 1


@dataclass
class TwoStepConfig:
    steps: int = 200
    seed: int = 0
    lr: float = 0.5
    credit_step1: bool = True
    baseline: str = "mean"  # "mean": running mean of earlier rewards; "none": b = 0

    def check(self) -> None:
        if not 1 <= self.steps <= MAX_STEPS:
            raise UserError(f"--steps must be between 1 and {MAX_STEPS}, got {self.steps}")
        if self.seed < 0:
            raise UserError(f"--seed must be a non-negative integer, got {self.seed}")
        if not np.isfinite(self.lr):
            raise UserError(f"--lr must be a finite number, got {self.lr}")
        if self.baseline not in ("mean", "none"):
            raise UserError(f"--baseline must be 'mean' or 'none', got {self.baseline!r}")

    def sampling_config(self) -> dict[str, Any]:
        """What the manifest records as the conditions of this run."""
        return {
            "environment": ENVIRONMENT,
            "step1_actions": list(STEP1_ACTIONS),
            "step2_actions": list(STEP2_ACTIONS),
            "rewarding_path": list(REWARDING_PATH),
            "policy": "softmax per decision point, logits initialised to 0",
            "algorithm": "REINFORCE",
            "baseline": self.baseline,
            "credit_step1": self.credit_step1,
            "steps": self.steps,
            "seed": self.seed,
            "lr": self.lr,
            "rng": "numpy.random.default_rng",
        }


def train(config: TwoStepConfig) -> tuple[TwoStepPolicy, list[dict[str, Any]]]:
    """Run ``config.steps`` episodes; return the final policy and one log row per episode."""
    config.check()
    rng = np.random.default_rng(config.seed)
    policy = TwoStepPolicy()
    rows: list[dict[str, Any]] = []
    reward_sum = 0.0
    for episode in range(1, config.steps + 1):
        a1 = sample(softmax(policy.step1), rng)
        a2 = sample(softmax(policy.step2[a1]), rng)
        r = reward(a1, a2)
        b = reward_sum / (episode - 1) if config.baseline == "mean" and episode > 1 else 0.0
        reinforce_update(policy, a1, a2, r - b, config.lr, config.credit_step1)
        reward_sum += r
        rows.append({
            "episode": episode,
            "step1_action": STEP1_ACTIONS[a1],
            "step2_action": STEP2_ACTIONS[a2],
            "reward": r,
            "baseline": b,
            "advantage": r - b,
            "step1_updated": config.credit_step1,
            "policy_after": policy.probs(),
            "expected_reward_after": policy.expected_reward(),
        })
    return policy, rows


def summarize(config: TwoStepConfig, start: TwoStepPolicy, end: TwoStepPolicy, rows: list[dict[str, Any]]) -> dict[str, Any]:
    rewards = [row["reward"] for row in rows]
    tail = rewards[-max(1, len(rewards) // 10):]
    return {
        "kind": "two_step",
        "environment": ENVIRONMENT,
        "rewarding_path": list(REWARDING_PATH),
        "steps": config.steps,
        "seed": config.seed,
        "lr": config.lr,
        "baseline": config.baseline,
        "credit_step1": config.credit_step1,
        "start": {"policy": start.probs(), "expected_reward": start.expected_reward()},
        "end": {"policy": end.probs(), "expected_reward": end.expected_reward()},
        "mean_reward": sum(rewards) / len(rewards),
        "mean_reward_last_10pct": sum(tail) / len(tail),
        "rewarded_episodes": int(sum(rewards)),
    }


def policy_rows(summary: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(label, start, end) for the table printed at the end of a run and in summary.md."""
    s, e = summary["start"], summary["end"]
    out = [("P(step 1 = right)", s["policy"]["step1"]["right"], e["policy"]["step1"]["right"])]
    for state in STEP1_ACTIONS:
        out.append((f"P(step 2 = up | {state})", s["policy"]["step2"][state]["up"], e["policy"]["step2"][state]["up"]))
    out.append(("E[reward]", s["expected_reward"], e["expected_reward"]))
    return out


def policy_table(summary: dict[str, Any]) -> Any:
    """A rich Table of the policy at the start and the end of the run."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("policy")
    table.add_column("start", justify="right")
    table.add_column(f"after {summary['steps']} episodes", justify="right")
    for label, a, b in policy_rows(summary):
        table.add_row(escape(label), f"{a:.3f}", f"{b:.3f}")
    return table


def summary_markdown(summary: dict[str, Any]) -> str:
    credit = "both steps" if summary["credit_step1"] else "step 2 only (step 1 gets no credit)"
    lines = [
        "# Two-step credit assignment (REINFORCE)",
        "",
        f"- rewarding path: {' → '.join(summary['rewarding_path'])} (reward 1, paid only at the end; every other path 0)",
        f"- {summary['steps']} episodes, seed {summary['seed']}, lr {summary['lr']}, baseline {summary['baseline']}",
        f"- update: θ_t += lr · (R − b) · ∇ log π(a_t | s_t), applied to {credit}",
        "",
        "| | start | end |",
        "|---|---:|---:|",
    ]
    lines += [f"| {label} | {a:.3f} | {b:.3f} |" for label, a, b in policy_rows(summary)]
    lines += [
        "",
        f"Mean reward over the run {summary['mean_reward']:.3f}; over the last 10% of episodes "
        f"{summary['mean_reward_last_10pct']:.3f}.",
        "",
        "The left branch never pays: with a baseline, each visit there has a negative advantage and pushes",
        "the chosen action down, so P(step 2 = up | left) wanders without learning anything.",
        "",
    ]
    if not summary["credit_step1"]:
        lines += ["Step 1 never received the terminal reward, so its policy is exactly where it started:",
                  "step 2 learned, but the first decision cannot improve without credit.", ""]
    return "\n".join(lines)


@dataclass
class TwoStepOutcome:
    outdir: Path
    summary: dict[str, Any]
    replaced: bool


def run_two_step(config: TwoStepConfig, outdir: str | Path, command: list[str] | None = None) -> TwoStepOutcome:
    """Train, then write manifest.json, log.jsonl, summary.json and summary.md atomically."""
    config.check()
    start = TwoStepPolicy()
    end, rows = train(config)
    summary = summarize(config, start, end, rows)
    with staged_run(outdir) as staged:
        with (staged.path / "log.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
            for row in rows:
                check_artifact(row, "two_step_log_row", artifact="log.jsonl")
                fh.write(dumps_line(row))
        manifest = build_manifest(
            kind="two_step",
            args={"steps": config.steps, "seed": config.seed, "lr": config.lr,
                  "credit_step1": config.credit_step1, "baseline": config.baseline, "outdir": str(outdir)},
            inputs=[],
            sampling_config=config.sampling_config(),
            artifacts=ARTIFACTS,
            command=command,
        )
        write_json(staged.path / "summary.json", summary, "two_step_summary")
        write_json(staged.path / "manifest.json", manifest, "manifest")
        (staged.path / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")
    return TwoStepOutcome(outdir=Path(outdir), summary=summary, replaced=staged.replaced)
