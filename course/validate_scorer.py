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

exit codes: 0 every row agreed, 1 a false positive/negative or outcome mismatch, 2 unusable input."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.validate_scorer", "Validate a scorer against golden sets.", EPILOG)
    p.add_argument("--dataset", required=True, help="dataset JSONL the golden rows refer to by id")
    p.add_argument("--golden", required=True, action="append", help="golden JSONL (repeatable)")
    p.add_argument("--scorer", default=DEFAULT_SCORER, help=f"scorer name (default {DEFAULT_SCORER})")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    args = p.parse_args(argv)

    from course_core.measurement.golden import validate_scorer
    from course_core.present.cli import console
    from course_core.present.render_measurement import golden_result

    result = validate_scorer(args.dataset, args.golden, args.scorer)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        golden_result(console(), result)
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.validate_scorer"))
