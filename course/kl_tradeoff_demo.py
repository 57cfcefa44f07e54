"""python -m course.kl_tradeoff_demo — how β trades reward against staying near the reference policy."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.learning.defaults import KL_BETAS
from course_core.present.cli import parser, run

BETAS = ",".join(f"{b:g}" for b in KL_BETAS)

EPILOG = """\
the closed form: maximising E_π[r] − β·KL(π || π_ref) gives π*(y) ∝ π_ref(y)·exp(r(y)/β).
Six candidate completions of one arithmetic prompt (a formatted correct answer, a verbose
correct answer, a wrong one, a leading zero, a refusal, and a reward hack that a lenient reward
model over-rewards). Large β: π* ≈ π_ref. Small β: π* piles onto the highest reward — the hack.

examples:
  python -m course.kl_tradeoff_demo --betas 0.02,0.05,0.1,0.5,1,5 --outdir runs/kl_tradeoff
  python -m course.kl_tradeoff_demo --choice-betas 0,0.1,0.5 --outdir runs/kl_choice
      (also picks ONE candidate per β: argmax of r − β·KL(δ_y ‖ π_ref); here β may be 0 or negative)
  python -m course.kl_tradeoff_demo --policy exercises/c3_kl_constraint/kl.py --choice-betas 0,0.1 --outdir runs/kl_mine
      (π*, its KL and the choice computed by your module; the manifest records the file and its sha256)

writes manifest.json, results.csv (one row per β), summary.json, summary.md, and
kl_tradeoff.png when matplotlib is installed (the `plot` extra)."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.kl_tradeoff_demo", "Sweep β in the KL-regularised optimum over six candidate completions.", EPILOG)
    p.add_argument("--betas", help=f"comma-separated β values > 0 (default {BETAS})")
    p.add_argument("--choice-betas", metavar="LIST", help="comma-separated β values (any sign) at which to choose one candidate by r − β·KL")
    p.add_argument("--policy", metavar="FILE", help="compute π*, KL and the choice with kl_divergence/optimal_policy/choose from this file")
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG even if matplotlib is installed")
    p.add_argument("--outdir", help="run directory to write (default: runs/kl_tradeoff_<UTC timestamp>)")
    args = p.parse_args(argv)

    from course_core.learning.kl_tradeoff import parse_betas
    from course_core.learning.kl_tradeoff_run import run_kl_tradeoff
    from course_core.present.cli import command_line, console
    from course_core.present.render_learning import kl_sweep

    betas = None if args.betas is None else parse_betas(args.betas)
    choice_betas = None
    if args.choice_betas is not None:
        from course_core.learning.kl_choice import parse_choice_betas

        choice_betas = parse_choice_betas(args.choice_betas)
    user = None
    if args.policy:
        from course_core.learning.kl_user import load_kl

        user = load_kl(args.policy)
    result = run_kl_tradeoff(betas, args.outdir, command=command_line("course.kl_tradeoff_demo"), plot=False if args.no_plot else None,
                             choice_betas=choice_betas, user=user)
    kl_sweep(console(), result, plot_wanted=not args.no_plot, method=None if user is None else f"{user.label} from {user.loaded.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.kl_tradeoff_demo"))
