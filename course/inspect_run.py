"""python -m course.inspect_run — read a run directory: outcome groups, examples, reasons."""

from __future__ import annotations

import json
from collections.abc import Sequence

from course_core.present.cli import parser, run

EPILOG = """\
examples:
  python -m course.inspect_run --run runs/demo_eval_clean --top-k 5 --show 2
  python -m course.inspect_run --run runs/demo_eval_clean --only-fails --top-k 5 --show 2
  python -m course.inspect_run --run runs/demo_eval_clean --id dev-0007"""


def _non_negative(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.inspect_run", "Inspect a run directory written by the kit.", EPILOG)
    p.add_argument("--run", required=True, help="run directory")
    p.add_argument("--top-k", type=_non_negative, default=5, help="outcome groups to show examples for (default 5)")
    p.add_argument("--show", type=_non_negative, default=2, help="examples per group (default 2)")
    p.add_argument("--only-fails", action="store_true", help="leave out examples that passed")
    p.add_argument("--id", dest="example_id", help="show one example by id")
    p.add_argument("--json", action="store_true", help="print the inspection as JSON")
    args = p.parse_args(argv)

    from course_core.artifacts.rundir import load_run
    from course_core.present.cli import console
    from course_core.present.inspect_run import InspectOptions, inspect_run, show

    opts = InspectOptions(top_k=args.top_k, show=args.show, only_fails=args.only_fails, example_id=args.example_id)
    data = inspect_run(load_run(args.run), opts)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        show(console(), data)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.inspect_run"))
