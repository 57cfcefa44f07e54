"""python -m course.eval — Loop A: measure frozen completions with a versioned scorer."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.measurement.scoring import DEFAULT_SCORER
from course_core.present.cli import parser, run

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
    p.add_argument("--scorer", default=DEFAULT_SCORER, help=f"scorer name (default: {DEFAULT_SCORER}; weak_contains is for sabotage demos)")
    p.add_argument("--scorer-module", metavar="FILE", help="score with the instrument a Python file declares (NAME, VERSION, RULES, score); recorded in the manifest with its sha256")
    args = p.parse_args(argv)

    from course_core.measurement.evaluate import run_eval
    from course_core.present.cli import command_line, console
    from course_core.present.render_measurement import eval_summary

    result = run_eval(args.dataset, args.completions, args.outdir, scorer_name=args.scorer, command=command_line("course.eval"),
                      scorer_module=args.scorer_module)
    eval_summary(console(), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.eval"))
