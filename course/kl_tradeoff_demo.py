"""python -m course.kl_tradeoff_demo — how β trades reward against staying near the reference policy."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.cli import parser, run

EPILOG = """\
the closed form: maximising E_π[r] − β·KL(π || π_ref) gives π*(y) ∝ π_ref(y)·exp(r(y)/β).
Six candidate completions of one arithmetic prompt (a formatted correct answer, a verbose
correct answer, a wrong one, a leading zero, a refusal, and a reward hack that a lenient reward
model over-rewards). Large β: π* ≈ π_ref. Small β: π* piles onto the highest reward — the hack.

example:
  python -m course.kl_tradeoff_demo --betas 0.02,0.05,0.1,0.5,1,5 --outdir runs/kl_tradeoff

writes manifest.json, results.csv (one row per β), summary.json, summary.md, and
kl_tradeoff.png when matplotlib is installed (the `plot` extra)."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.kl_tradeoff_demo", "Sweep β in the KL-regularised optimum over six candidate completions.", EPILOG)
    p.add_argument("--betas", default="0.01,0.02,0.05,0.1,0.2,0.5,1,2,5,10",
                   help="comma-separated β values > 0 (default 0.01,0.02,0.05,0.1,0.2,0.5,1,2,5,10)")
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG even if matplotlib is installed")
    p.add_argument("--outdir", help="run directory to write (default: runs/kl_tradeoff_<UTC timestamp>)")
    args = p.parse_args(argv)

    from course_core import render
    from course_core.cli import command_line, console
    from course_core.kl_tradeoff import parse_betas, run_kl_tradeoff, sweep_table
    from course_core.rundir import default_outdir

    betas = parse_betas(args.betas)
    outdir = args.outdir or default_outdir("kl_tradeoff")
    result = run_kl_tradeoff(betas, outdir, command=command_line("course.kl_tradeoff_demo"), plot=False if args.no_plot else None)
    con = console()
    ref = result.summary["reference"]
    con.print(f"[bold]π*(y) ∝ π_ref(y)·exp(r(y)/β)[/bold]   (under π_ref itself: E\\[r] = {ref['expected_reward']:.3f})")
    con.print(sweep_table(result.summary))
    con.print(f"small β → π* piles onto {result.summary['argmax_reward']} (highest reward); large β → π* ≈ π_ref (KL → 0)")
    if not result.plotted and not args.no_plot:
        con.print("no plot: matplotlib is not installed (install the `plot` extra for kl_tradeoff.png)")
    render.written(con, result.outdir, result.artifacts, result.replaced)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.kl_tradeoff_demo"))
