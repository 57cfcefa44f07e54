"""python -m course.bandit_train — Loop C: REINFORCE moves a policy's distribution on a bandit."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.learning import defaults
from course_core.present.cli import parser, run

EPILOG = """\
examples:
  python -m course.bandit_train --steps 30 --seed 0 --lr 0.5 --baseline --slow --outdir runs/demo_bandit_slow
  python -m course.bandit_train --steps 30 --seed 0 --lr -0.5 --baseline --slow --outdir runs/demo_bandit_negative
  python -m course.bandit_train --steps 200 --lr 0.5 --baseline --runs 500 --outdir runs/bandit_500
  python -m course.bandit_train --testbed sutton-barto --outdir runs/figure_2_5
  python -m course.bandit_train --policy exercises/c1_reinforce/reinforce.py --steps 30 --lr 0.5 --baseline --slow --outdir runs/c1_mine

update: theta <- theta + lr * (r - b) * (onehot(a) - pi), logits start at 0 (uniform policy);
b is the mean of the rewards seen before this step with --baseline, else 0.

writes manifest.json, log.jsonl (one row per step: probs before/after, action, reward, baseline,
advantage), summary.json and summary.md (P(best arm) start -> end and a verdict), and PNG figures
when matplotlib is installed (--no-plot: none). --testbed writes testbed_curves.csv instead of log.jsonl.
--policy FILE trains with the softmax and train_step of your module (the c1_reinforce exercise)
and records its path and sha256 in the manifest; with --runs, summary.json adds across_runs
(the variance of the update across runs, and where the runs ended)."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.bandit_train", "Train a softmax policy on a bandit with REINFORCE (Loop C: learning).", EPILOG)
    p.add_argument("--steps", type=int, help=f"training steps (default {defaults.BANDIT_STEPS}; {defaults.TESTBED_STEPS} with --testbed)")
    p.add_argument("--seed", type=int, default=defaults.BANDIT_SEED, help="random seed (default %(default)s); same seed, same log.jsonl bytes")
    p.add_argument("--lr", type=float, help=f"learning rate, may be negative (default {defaults.BANDIT_LR})")
    p.add_argument("--baseline", action="store_true", help="subtract the running mean of earlier rewards (b = 0 without)")
    p.add_argument("--slow", action="store_true", help="narrate every step: arm, reward, baseline, advantage, how each P(arm) moved")
    p.add_argument("--outdir", help="run directory to write (default: runs/bandit_<UTC timestamp>)")
    p.add_argument("--runs", type=int, help=f"train this many bandits at once and report mean curves (default 1; {defaults.TESTBED_RUNS} with --testbed)")
    p.add_argument("--arms", help=f"reward probability of each arm, comma-separated (default {','.join(map(str, defaults.BANDIT_ARMS))})")
    p.add_argument("--policy", metavar="FILE", help="train with the update in this Python file (softmax, train_step, ...: exercises/c1_reinforce)")
    p.add_argument("--no-plot", action="store_true", help="draw no PNG figure even if matplotlib is installed")
    p.add_argument("--testbed", metavar="NAME", help="run a reference experiment instead: sutton-barto (Figure 2.5 of Sutton & Barto 2018)")
    args = p.parse_args(argv)

    from course_core.learning.bandit_run import run_bandit_train
    from course_core.present.cli import command_line, console
    from course_core.present.render_learning import bandit_run

    result = run_bandit_train(
        steps=args.steps, seed=args.seed, lr=args.lr, baseline=args.baseline, slow=args.slow, runs=args.runs,
        arms=args.arms, testbed=args.testbed, outdir=args.outdir, command=command_line("course.bandit_train"), policy=args.policy,
        plot=False if args.no_plot else None,
    )
    bandit_run(console(), result, slow=args.slow)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.bandit_train"))
