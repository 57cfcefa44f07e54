"""python -m course.validate_scorer — check a scorer against golden sets; non-zero exit on any disagreement."""

from __future__ import annotations

import json
from collections.abc import Sequence

from course_core.measurement.scoring import DEFAULT_SCORER
from course_core.present.cli import parser, run

EPILOG = """\
examples:
  python -m course.validate_scorer --dataset data/datasets/math_dev.jsonl \\
      --golden data/golden/golden_correct.jsonl --golden data/golden/golden_exploits.jsonl
  python -m course.validate_scorer --dataset data/datasets/math_dev.jsonl \\
      --golden data/golden/golden_exploits.jsonl --scorer weak_contains   # watch it fail

  python -m course.validate_scorer --dataset data/datasets/math_dev.jsonl \
      --golden data/golden/golden_exploits.jsonl --scorer-module my_scorer.py --outdir runs/golden_mine

exit codes: 0 every row agreed, 1 a false positive/negative or outcome mismatch, 2 unusable input."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.validate_scorer", "Validate a scorer against golden sets.", EPILOG)
    p.add_argument("--dataset", required=True, help="dataset JSONL the golden rows refer to by id")
    p.add_argument("--golden", required=True, action="append", help="golden JSONL (repeatable)")
    p.add_argument("--scorer", default=DEFAULT_SCORER, help=f"scorer name (default {DEFAULT_SCORER})")
    p.add_argument("--scorer-module", metavar="FILE", help="validate the instrument a Python file declares (NAME, VERSION, RULES, score)")
    p.add_argument("--outdir", help="also write a run directory (every golden row with its verdict; manifest with the conditions)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    args = p.parse_args(argv)

    from course_core.measurement.golden import validate_scorer, write_validation_run
    from course_core.present.cli import command_line, console
    from course_core.present.render_measurement import golden_result

    replaced = False
    if args.outdir:
        result, replaced = write_validation_run(args.dataset, args.golden, args.outdir, args.scorer, args.scorer_module,
                                                command=command_line("course.validate_scorer"))
    else:
        result = validate_scorer(args.dataset, args.golden, args.scorer, args.scorer_module)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        golden_result(console(), result)
        if args.outdir:
            console().print(f"{'replaced an earlier run in' if replaced else 'wrote'} {args.outdir}")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.validate_scorer"))
