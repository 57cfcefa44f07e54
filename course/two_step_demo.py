"""python -m course.two_step_demo — credit assignment: a terminal reward must reach the first decision."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.learning import defaults
from course_core.present.cli import parser, run

EPILOG = """\
the environment: step 1 chooses left/right, step 2 chooses up/down; only right → up pays 1,
and only at the end. REINFORCE updates both decisions from that one reward:
  θ_t += lr · (R − b) · ∇ log π(a_t | s_t)   for t = 1, 2

examples:
  python -m course.two_step_demo --steps 200 --seed 0 --lr 0.5 --outdir runs/two_step
  python -m course.two_step_demo --no-credit-step1 --outdir runs/two_step_no_credit
      (step 1 stays exactly uniform: P(right) = 0.5 forever; step 2 still learns)
  python -m course.two_step_demo --policy exercises/c2_credit_tokens/credit.py --outdir runs/two_step_mine
      (your reinforce_update instead of the kit's; the manifest records the file and its sha256)

writes manifest.json, log.jsonl (one row per episode), summary.json and summary.md."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.two_step_demo", "REINFORCE on a two-step decision with reward only at the end.", EPILOG)
    p.add_argument("--steps", type=int, default=defaults.TWO_STEP_STEPS, help="episodes to train (default %(default)s)")
    p.add_argument("--seed", type=int, default=defaults.TWO_STEP_SEED, help="random seed (default %(default)s)")
    p.add_argument("--lr", type=float, default=defaults.TWO_STEP_LR, help="learning rate (default %(default)s; negative reverses the update)")
    p.add_argument("--baseline", choices=("mean", "none"), default=defaults.TWO_STEP_BASELINE,
                   help="b: running mean of earlier rewards, or none (b = 0) (default %(default)s)")
    p.add_argument("--no-credit-step1", action="store_true", help="withhold the update from step 1 (credit reaches step 2 only)")
    p.add_argument("--policy", metavar="FILE", help="train with reinforce_update from this Python file instead of the kit's")
    p.add_argument("--outdir", help="run directory to write (default: runs/two_step_<UTC timestamp>)")
    args = p.parse_args(argv)

    from course_core.learning.two_step import TwoStepConfig
    from course_core.learning.two_step_run import run_two_step
    from course_core.present.cli import command_line, console
    from course_core.present.render_learning import two_step_result

    config = TwoStepConfig(steps=args.steps, seed=args.seed, lr=args.lr,
                           credit_step1=not args.no_credit_step1, baseline=args.baseline)
    user = None
    if args.policy:
        from course_core.learning.two_step_user import load_update

        user = load_update(args.policy)
    result = run_two_step(config, args.outdir, command=command_line("course.two_step_demo"), user=user)
    two_step_result(console(), result, None if user is None else f"{user.label} from {user.loaded.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.two_step_demo"))
