"""Two-step run directories (Loop C): train, then write manifest, log, summary atomically.

The mechanism and its update live in :mod:`course_core.learning.two_step`; this module turns a
trained run into its artifacts: one log.jsonl row per episode, summary.json and summary.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from course_core.artifacts.jsonl import write_rows
from course_core.artifacts.manifest import build_manifest
from course_core.artifacts.rundir import WrittenRun, default_outdir, finish_run, staged_run
from course_core.learning.two_step import ENVIRONMENT, REWARDING_PATH, STEP1_ACTIONS, TwoStepConfig, TwoStepPolicy, kit_update, train

ARTIFACTS = ["manifest.json", "log.jsonl", "summary.json", "summary.md"]


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


def summary_markdown(summary: dict[str, Any]) -> str:
    """summary.md: the policy at the start and the end, and where the terminal reward was sent."""
    credit = "both steps" if summary["credit_step1"] else "step 2 only (step 1 gets no credit)"
    lines = ["# Two-step credit assignment (REINFORCE)"] + [
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


def run_two_step(config: TwoStepConfig, outdir: str | Path | None = None, command: list[str] | None = None,
                 user: Any = None) -> WrittenRun:
    """Train, then write manifest.json, log.jsonl, summary.json and summary.md atomically.

    ``user`` (a :class:`course_core.learning.two_step_user.UserUpdate`) trains with a user's
    update instead of the kit's; the manifest then names it (``sampling_config.update``) and
    records the module's path and sha256 (``policy_module``).
    """
    config.check()
    outdir = outdir or default_outdir("two_step")
    start = TwoStepPolicy()
    end, rows = train(config, kit_update if user is None else user)
    summary = summarize(config, start, end, rows)
    with staged_run(outdir) as staged:
        write_rows(staged.path / "log.jsonl", rows, "two_step_log_row")
        sampling_config = config.sampling_config()
        args = {"steps": config.steps, "seed": config.seed, "lr": config.lr,
                "credit_step1": config.credit_step1, "baseline": config.baseline, "outdir": str(outdir)}
        if user is not None:
            sampling_config["update"] = user.label
            args["policy"] = user.loaded.path
        manifest = build_manifest(
            kind="two_step",
            args=args,
            inputs=[],
            sampling_config=sampling_config,
            artifacts=ARTIFACTS,
            command=command,
        )
        if user is not None:
            manifest["policy_module"] = user.loaded.record()
        finish_run(staged.path, manifest, summary, "two_step_summary", summary_markdown(summary))
    return WrittenRun(Path(outdir), summary, ARTIFACTS, staged.replaced, rows)
