"""python -m course.eval — Loop A: measure frozen completions with a versioned scorer."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.cli import parser, run

EPILOG = """\
example:
  python -m course.eval --dataset data/datasets/math_dev.jsonl \\
      --completions data/rollouts/frozen_rollouts_dev.jsonl --outdir runs/demo_eval_clean

writes manifest.json (conditions), results.jsonl (one row per example),
summary.json and summary.md (pass rate with a 95% Wilson interval, outcome counts)."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.eval", "Score one completion per dataset example (Loop A: measurement).", EPILOG)
    p.add_argument("--dataset", required=True, help="dataset JSONL: {id, prompt, expected_answer}")
    p.add_argument("--completions", required=True, help="completions JSONL: {id, completion[, sum_logprob]}")
    p.add_argument("--outdir", help="run directory to write (default: runs/eval_<UTC timestamp>)")
    p.add_argument("--scorer", default="strict_final_int", help="scorer name (default: strict_final_int; weak_contains is for sabotage demos)")
    args = p.parse_args(argv)

    from course_core import render
    from course_core.cli import command_line, console
    from course_core.eval import run_eval
    from course_core.rundir import default_outdir

    outdir = args.outdir or default_outdir("eval")
    result = run_eval(args.dataset, args.completions, outdir, scorer_name=args.scorer, command=command_line("course.eval"))
    render.eval_summary(console(), result.summary, result.outdir, result.replaced)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.eval"))
