"""python -m course.bandit_train — Loop C: REINFORCE moves a policy's distribution on a bandit."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from course_core.cli import parser, run

DEFAULT_STEPS, DEFAULT_LR = 30, 0.5
TESTBED_RUNS, TESTBED_STEPS = 2000, 1000

EPILOG = """\
examples:
  python -m course.bandit_train --steps 30 --seed 0 --lr 0.5 --baseline --slow --outdir runs/demo_bandit_slow
  python -m course.bandit_train --steps 30 --seed 0 --lr -0.5 --baseline --slow --outdir runs/demo_bandit_negative
  python -m course.bandit_train --steps 200 --lr 0.5 --baseline --runs 500 --outdir runs/bandit_500
  python -m course.bandit_train --testbed sutton-barto --outdir runs/figure_2_5

update: theta <- theta + lr * (r - b) * (onehot(a) - pi), logits start at 0 (uniform policy);
b is the mean of the rewards seen before this step with --baseline, else 0.

writes manifest.json, log.jsonl (one row per step: probs before/after, action, reward, baseline,
advantage), summary.json and summary.md (P(best arm) start -> end and a verdict), and PNG figures
when matplotlib is installed. --testbed writes testbed_curves.csv instead of log.jsonl."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.bandit_train", "Train a softmax policy on a bandit with REINFORCE (Loop C: learning).", EPILOG)
    p.add_argument("--steps", type=int, help=f"training steps (default {DEFAULT_STEPS}; {TESTBED_STEPS} with --testbed)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0); same seed, same log.jsonl bytes")
    p.add_argument("--lr", type=float, help=f"learning rate, may be negative (default {DEFAULT_LR})")
    p.add_argument("--baseline", action="store_true", help="subtract the running mean of earlier rewards (b = 0 without)")
    p.add_argument("--slow", action="store_true", help="narrate every step: arm, reward, baseline, advantage, how each P(arm) moved")
    p.add_argument("--outdir", help="run directory to write (default: runs/bandit_<UTC timestamp>)")
    p.add_argument("--runs", type=int, help="train this many bandits at once and report mean curves (default 1)")
    p.add_argument("--arms", help="reward probability of each arm, comma-separated (default 0.2,0.5,0.8)")
    p.add_argument("--testbed", metavar="NAME", help="run a reference experiment instead: sutton-barto (Figure 2.5 of Sutton & Barto 2018)")
    args = p.parse_args(argv)

    from course_core import render
    from course_core.cli import command_line, console
    from course_core.rundir import default_outdir

    outdir = args.outdir or default_outdir("bandit")
    con = console()
    if args.testbed is not None:
        from course_core.bandit_run import run_testbed

        _refuse_with_testbed(args)
        runs = TESTBED_RUNS if args.runs is None else args.runs
        steps = TESTBED_STEPS if args.steps is None else args.steps
        recorded = {"testbed": args.testbed, "steps": steps, "runs": runs, "seed": args.seed, "outdir": str(outdir)}
        outcome = run_testbed(
            args.testbed,
            runs=runs,
            steps=steps,
            seed=args.seed,
            outdir=outdir,
            args=recorded,
            command=command_line("course.bandit_train"),
        )
        render.bandit_testbed(con, outcome.summary, outcome.outdir, outcome.artifacts, outcome.replaced)
        return 0

    from course_core.bandit import DEFAULT_ARMS, BanditConfig, parse_arms
    from course_core.bandit_run import run_bandit
    from course_core.errors import UserError

    runs = 1 if args.runs is None else args.runs
    if args.slow and runs > 1:
        raise UserError("--slow narrates one bandit; it cannot be combined with --runs > 1", field="--slow",
                        hint="drop --runs to watch one bandit learn, or drop --slow to see the mean curves")
    config = BanditConfig(
        arms=DEFAULT_ARMS if args.arms is None else parse_arms(args.arms),
        steps=DEFAULT_STEPS if args.steps is None else args.steps,
        lr=DEFAULT_LR if args.lr is None else args.lr,
        baseline=args.baseline,
        seed=args.seed,
        runs=runs,
    )
    recorded = {
        "steps": config.steps, "seed": config.seed, "lr": config.lr, "baseline": config.baseline, "slow": args.slow,
        "runs": config.runs, "arms": list(config.arms), "outdir": str(outdir),
    }
    outcome = run_bandit(config, outdir, args=recorded, command=command_line("course.bandit_train"))
    if args.slow:
        render.bandit_steps(con, outcome.rows, list(config.arms), config.best_arm)
    render.bandit_summary(con, outcome.summary, outcome.outdir, outcome.artifacts, outcome.replaced)
    return 0


def _refuse_with_testbed(args: argparse.Namespace) -> None:
    """The testbed fixes its own arms, learning rates and baselines; say so rather than ignore a flag."""
    from course_core.errors import UserError

    for flag, given in (("--lr", args.lr is not None), ("--arms", args.arms is not None),
                        ("--baseline", args.baseline), ("--slow", args.slow)):
        if given:
            raise UserError(
                f"{flag} does not apply to --testbed: it runs alpha 0.1 and 0.4, with and without baseline, "
                "on its own 10-armed Gaussian testbed",
                field=flag,
                hint="drop that flag (the testbed accepts --steps, --runs, --seed and --outdir)",
            )


if __name__ == "__main__":
    raise SystemExit(run(main, "course.bandit_train"))
