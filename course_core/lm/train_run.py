"""An ``lm_train`` run directory: train, then write manifest, logs, summary, weights and figures atomically.

    manifest.json   the conditions: model, weights fingerprint before and after, every hyperparameter
    log.jsonl       one row per step: mean reward, strict format rate, accuracy, KL to the start, entropy, grad norm
    samples.jsonl   one row per step: the first prompt's G completions, their rewards and advantages
    summary.json    held-out before → after, and what the run amounts to (summary.md for a person)
    weights.pt      the trained tiny model (SmolLM2: weights/ with --save-weights)
    *.png           training curves (with the ``plot`` extra)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_core.present import plots
from course_core.artifacts.jsonl import write_rows
from course_core.lm.train import LMTrainConfig, TrainResult, train, validate
from course_core.artifacts.manifest import build_manifest, input_record
from course_core.artifacts.rundir import WrittenRun, check_outdir, finish_run, staged_run
from course_core.measurement.scoring import get_scorer

KIND = "lm_train"
LAST = 10  # "the first / last 10 steps" in the summary (half the run when it is shorter)


@dataclass
class LMTrainRun(WrittenRun):
    """What ``course.lm_train`` wrote, and how long training took (kept out of the byte-stable files)."""

    seconds: float = 0.0
    seconds_to_format_95: float | None = None  # until a step's strict format rate first reached 0.95


def sampling_config(cfg: LMTrainConfig, result: TrainResult) -> dict[str, Any]:
    """How training sampled: the same keys a rollout sidecar records (the policy is kept apart)."""
    return {
        "source": "local",
        "temperature": 1.0,
        "top_p": 1.0,
        "max_tokens": cfg.max_new_tokens,
        "n": cfg.group_size,
        "seed": cfg.seed,
        "prompt_template": result.policy.prompt_template,
    }


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    return round(sum(r[key] for r in rows) / len(rows), 6) if rows else 0.0


def verdict(result: TrainResult) -> str:
    """One sentence: did the policy learn, and if not, why not."""
    if all(r["groups_with_signal"] == 0 for r in result.rows):
        return "nothing to learn from: in every group all samples earned the same reward, so every advantage was 0 (RL needs pass@G > 0)"
    if result.before is None or result.after is None:
        return "trained; no held-out set was evaluated"
    b, a = result.before["accuracy"], result.after["accuracy"]
    if a > b:
        return f"learned: held-out accuracy {b:.3f} → {a:.3f}"
    return f"no held-out gain: accuracy {b:.3f} → {a:.3f}"


def summarize(cfg: LMTrainConfig, result: TrainResult, weights_file: str | None) -> dict[str, Any]:
    rows = result.rows
    w = max(1, min(LAST, len(rows) // 2))  # first and last windows never overlap
    first_95 = next((r["step"] for r in rows if r["strict_format_rate"] >= 0.95), None)
    heldout = None
    if result.before is not None and result.after is not None:
        heldout = {"dataset": cfg.heldout, "n": result.before["n"], "before": result.before, "after": result.after}
    return {
        "kind": KIND,
        "model": cfg.model,
        "parameters": result.parameters,
        "weights_before": result.fingerprint_before,
        "weights_after": result.fingerprint_after,
        "weights_file": weights_file,
        "dataset": cfg.dataset,
        "steps": cfg.steps,
        "group_size": cfg.group_size,
        "prompts_per_step": cfg.prompts_per_step,
        "samples_per_step": cfg.group_size * cfg.prompts_per_step,
        "lr": cfg.lr,
        "beta": cfg.beta,
        "normalize_std": cfg.normalize_std,
        "optimizer": cfg.optimizer,
        "seed": cfg.seed,
        "scorer": cfg.scorer,
        "heldout": heldout,
        "train": {
            "mean_reward_first": _mean(rows[:w], "mean_reward"),
            "mean_reward_last": _mean(rows[-w:], "mean_reward"),
            "strict_format_rate_first": _mean(rows[:w], "strict_format_rate"),
            "strict_format_rate_last": _mean(rows[-w:], "strict_format_rate"),
            "window": w,
            "kl_final": rows[-1]["kl"],
            "entropy_first": rows[0]["entropy"],
            "entropy_final": rows[-1]["entropy"],
            "first_step_format_95": first_95,
            "steps_without_signal": sum(1 for r in rows if r["groups_with_signal"] == 0),
        },
        "verdict": verdict(result),
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    t = summary["train"]
    lines = [
        f"# lm_train run — {summary['model']} ({summary['parameters']:,} parameters), REINFORCE with a group baseline",
        "",
        f"- {summary['steps']} steps × {summary['prompts_per_step']} prompts × {summary['group_size']} samples; "
        f"{summary['optimizer']} lr {summary['lr']:g}, β {summary['beta']:g}, "
        f"advantage {'÷ group std' if summary['normalize_std'] else 'not scaled'}, seed {summary['seed']}, reward `{summary['scorer']}`",
        "- update: θ ← θ + lr · ∇θ [ (1/PG) Σᵢ (rᵢ − mean_group r) · Σₜ log πθ(yᵢₜ | xᵢ, yᵢ<ₜ) − β · KL̄(πθ ‖ π_ref) ]",
        f"- weights {summary['weights_before'][:19]}… → {summary['weights_after'][:19]}…",
        "",
        f"**{summary['verdict']}**",
        "",
    ]
    h = summary["heldout"]
    if h is not None:
        lines += [
            f"Held-out ({h['dataset']}, {h['n']} prompts, one sample each at temperature 1):",
            "",
            "| | before | after |",
            "|---|---:|---:|",
            f"| strict format rate | {h['before']['strict_format_rate']:.3f} | {h['after']['strict_format_rate']:.3f} |",
            f"| accuracy (strict) | {h['before']['accuracy']:.3f} | {h['after']['accuracy']:.3f} |",
            f"| P(first token of \"Final:\") | {h['before']['p_final_first']:.3f} | {h['after']['p_final_first']:.3f} |",
            "",
        ]
    w = t["window"]
    lines += [
        f"Training samples: mean reward {t['mean_reward_first']:.3f} (first {w} steps) → {t['mean_reward_last']:.3f} (last {w}); "
        f"strict format {t['strict_format_rate_first']:.3f} → {t['strict_format_rate_last']:.3f}; "
        f"per-token KL to the start {t['kl_final']:.4f}; entropy {t['entropy_first']:.3f} → {t['entropy_final']:.3f}.",
        f"Steps where no group had any reward difference (nothing to learn): {t['steps_without_signal']}.",
        "",
        "log.jsonl holds one row per step; samples.jsonl the first prompt's completions at each step.",
        "",
    ]
    return "\n".join(lines)


def _save_weights(result: TrainResult, directory: Path) -> str:
    if result.policy.name == "tiny":
        from course_core.lm.weights import save_tiny

        save_tiny(result.policy.model, directory / "weights.pt", {"fingerprint": result.fingerprint_after})
        return "weights.pt"
    from course_core.lm.smollm2 import save_smollm2

    save_smollm2(result.policy, directory / "weights")
    return "weights"


def run_lm_train(cfg: LMTrainConfig, outdir: str | Path, args: dict[str, Any], command: list[str] | None = None,
                 on_step: Any = None) -> LMTrainRun:
    """Train and write the run directory; nothing is written if anything fails."""
    validate(cfg)
    reads = (cfg.dataset, cfg.heldout, cfg.weights)  # continuing from weights.pt into its own run would delete it
    check_outdir(Path(outdir), reads)  # refuse a forbidden --outdir before spending minutes on training
    result = train(cfg, on_step)
    with staged_run(outdir, reads) as staged:
        weights_file = _save_weights(result, staged.path) if cfg.save_weights else None
        summary = summarize(cfg, result, weights_file)
        write_rows(staged.path / "log.jsonl", result.rows, "lm_train_log_row")
        write_rows(staged.path / "samples.jsonl", result.samples, "lm_train_sample_row")
        figures = plots.lm_train_figures(staged.path, result.rows)
        artifacts = ["manifest.json", "log.jsonl", "samples.jsonl", "summary.json", "summary.md", *figures]
        artifacts += [weights_file] if weights_file else []
        inputs = [input_record("dataset", cfg.dataset, len(result.train_prompts))]
        if result.heldout_prompts is not None:
            inputs.append(input_record("heldout", cfg.heldout, len(result.heldout_prompts)))
        manifest = build_manifest(
            kind=KIND, args=args, inputs=inputs, sampling_config=sampling_config(cfg, result), artifacts=artifacts,
            dataset_fingerprint=inputs[0]["sha256"], scorer=get_scorer(cfg.scorer), command=command,
        )
        manifest["policy"] = {  # the policy this run made (weights_fingerprint), and the one it started from
            "source": "local",
            "model": cfg.model,
            "weights_fingerprint": result.fingerprint_after,
            "parameters": result.parameters,
            "weights_before": result.fingerprint_before,
            "weights_after": result.fingerprint_after,
            "started_from": result.policy.source,
            "saved_as": weights_file,
        }
        manifest["hyperparameters"] = cfg.hyperparameters()
        manifest["timing"] = {
            "train_seconds": round(result.seconds, 3),
            "seconds_per_step": round(result.seconds / cfg.steps, 4),
            "seconds_to_format_95": None if result.seconds_first_format_95 is None else round(result.seconds_first_format_95, 3),
            "torch_threads": _threads(),
        }
        finish_run(staged.path, manifest, summary, "lm_train_summary", summary_markdown(summary))
    return LMTrainRun(Path(outdir), summary, artifacts, staged.replaced, result.rows, result.seconds, result.seconds_first_format_95)


def _threads() -> int:
    import torch

    return torch.get_num_threads()
