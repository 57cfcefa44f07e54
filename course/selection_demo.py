"""python -m course.selection_demo — Loop B: best-of-N selection over frozen samples (no learning)."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.measurement.scoring import DEFAULT_SCORER
from course_core.present.cli import parser, run
from course_core.selection.selectors import DEFAULT_SELECTOR, SELECTORS

EPILOG = """\
example:
  python -m course.selection_demo --dataset data/datasets/math_dev.jsonl \\
      --samples data/rollouts/selection_pack_dev.jsonl --n 4 --outdir runs/demo_sel_n4

selectors:
  oracle    (default) highest reward, then higher sum_logprob, shorter, lexicographic, lower index;
            needs the expected answer: an upper bound, not deployable
  majority  most common well-formed answer (self-consistency); deployable
  logprob   highest sum_logprob; deployable

writes manifest.json (sampling_config records n_used and selector: runs with a different N are
different Locked Rooms), results.jsonl (the selected sample per item, plus every sample's
reward), summary.json and summary.md (pass@1 vs pass@N, mean per-sample pass rate, unbiased pass@k)."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.selection_demo", "Pick one of the first N samples per item (Loop B: selection without learning).", EPILOG)
    p.add_argument("--dataset", required=True, help="dataset JSONL: {id, prompt, expected_answer}")
    p.add_argument("--samples", required=True, help="selection pack JSONL: {id, samples: [{completion, sum_logprob}, ...]}")
    p.add_argument("--n", type=int, required=True, help="how many samples per item to choose from (the first N)")
    p.add_argument("--outdir", help="run directory to write (default: runs/selection_<UTC timestamp>)")
    p.add_argument("--selector", default=DEFAULT_SELECTOR, help=f"{', '.join(SELECTORS)} (default: {DEFAULT_SELECTOR})")
    p.add_argument("--scorer", default=DEFAULT_SCORER, help=f"scorer name (default: {DEFAULT_SCORER})")
    p.add_argument("--allow-short", action="store_true", help="items with fewer than N samples use what they have")
    args = p.parse_args(argv)

    from course_core.present.cli import command_line, console
    from course_core.present.render_selection import selection_summary
    from course_core.selection.best_of_n import run_selection

    result = run_selection(
        args.dataset, args.samples, args.outdir, args.n,
        selector=args.selector, scorer_name=args.scorer, allow_short=args.allow_short,
        command=command_line("course.selection_demo"),
    )
    selection_summary(console(), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.selection_demo"))
