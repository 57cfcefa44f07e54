"""python -m course.lm_train — Loop C on a real language model: REINFORCE with a group baseline."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.present.cli import parser, run

EPILOG = """\
examples:
  python -m course.lm_train --model tiny --steps 150 --seed 0 --outdir runs/lm_tiny
  python -m course.lm_train --model tiny --steps 150 --lr 3e-4 --beta 0.05 --normalize-std --outdir runs/lm_tiny_kl
  python -m course.lm_train --model smollm2-135m --steps 10 --outdir runs/lm_smollm2
  python -m course.lm_train --model smollm2-135m --shots 0 --steps 3 --outdir runs/lm_smollm2_zero_shot

update (one step, P prompts x G samples each, A_i = r_i - mean of its group [/ std]):
  theta <- theta + lr * grad[ (1/PG) sum_i A_i * sum_t log pi(y_it | x_i, y_i<t) - beta * KL(pi || pi_start) ]

defaults depend on --model: tiny trains on data/datasets/sums_train.jsonl and evaluates on
sums_holdout.jsonl (150 steps, 16 prompts x 8 samples, Adam lr 3e-4); smollm2-135m trains on
digit_sums_train.jsonl with one worked example in the prompt (10 steps, 4 prompts x 4 samples)
and evaluates on digit_sums_holdout.jsonl.

writes manifest.json (model, weights fingerprint before and after, every hyperparameter),
log.jsonl (per step: mean reward, strict format rate, accuracy, KL to the start, entropy, grad
norm), samples.jsonl, summary.json and summary.md (held-out before -> after), the trained
weights and, with matplotlib, training_curves.png. Needs the lm extra (torch)."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.lm_train", "Train a language model with the strict scorer as reward (Loop C: learning).", EPILOG)
    p.add_argument("--model", default="tiny", help="tiny (default) or smollm2-135m")
    p.add_argument("--dataset", help="training prompts, dataset JSONL {id, prompt, expected_answer}")
    p.add_argument("--heldout", help="held-out dataset evaluated before and after training")
    p.add_argument("--no-heldout", action="store_true", help="evaluate no held-out set")
    p.add_argument("--heldout-limit", type=int, help="evaluate only the first N held-out items")
    p.add_argument("--weights", help="start from these weights (an earlier run's weights.pt / weights/) instead of the shipped ones")
    p.add_argument("--steps", type=int, help="policy-gradient steps")
    p.add_argument("--group-size", type=int, help="G: samples per prompt (the group whose mean reward is the baseline)")
    p.add_argument("--prompts-per-step", type=int, help="P: prompts per step")
    p.add_argument("--lr", type=float, help="learning rate")
    p.add_argument("--beta", type=float, help="KL penalty coefficient (default 0: KL is only monitored)")
    p.add_argument("--normalize-std", action="store_true", default=None, help="divide advantages by the group's reward std")
    p.add_argument("--optimizer", help="adam (default) or sgd")
    p.add_argument("--max-grad-norm", type=float, help="clip the gradient norm to this (default 1.0)")
    p.add_argument("--max-new-tokens", type=int, help="longest completion sampled")
    p.add_argument("--eval-every", type=int, help="evaluate the held-out set every N steps (0: only before and after)")
    p.add_argument("--shots", type=int, help="worked examples in the prompt (smollm2-135m; default 1)")
    p.add_argument("--scorer", help="reward scorer (default strict_final_int; weak_contains shows reward hacking)")
    p.add_argument("--save-weights", action="store_true", default=None, help="also save SmolLM2's trained weights (~540 MB)")
    p.add_argument("--seed", type=int, help="random seed (default 0); same seed, same log.jsonl bytes")
    p.add_argument("--threads", type=int, help="torch threads (tiny 1, smollm2-135m 2); a fixed count keeps runs reproducible")
    p.add_argument("--outdir", help="run directory to write (default: runs/lm_train_<UTC timestamp>)")
    p.add_argument("--quiet", action="store_true", help="no per-step progress lines")
    args = p.parse_args(argv)

    from course_core.present import render_lm
    from course_core.present.cli import command_line, console
    from course_core.lm.train import config_for
    from course_core.lm.train_run import run_lm_train
    from course_core.artifacts.rundir import default_outdir

    outdir = args.outdir or default_outdir("lm_train")
    given = {k: getattr(args, k) for k in ("dataset", "heldout", "weights", "steps", "group_size", "prompts_per_step", "lr", "beta",
                                          "normalize_std", "optimizer", "max_grad_norm", "max_new_tokens", "eval_every",
                                          "heldout_limit", "shots", "scorer", "save_weights", "seed", "threads")}
    cfg = config_for(args.model, without_heldout=args.no_heldout, **given)
    con = console()
    progress = None if args.quiet else render_lm.progress_printer(con, cfg.steps)
    result = run_lm_train(cfg, outdir, args={**cfg.hyperparameters(), "outdir": str(outdir)},
                          command=command_line("course.lm_train"), on_step=progress)
    render_lm.lm_train_summary(con, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.lm_train"))
