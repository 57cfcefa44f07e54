"""Run best-of-N selection with YOUR pick function from exercises/b1_selection/selection.py.

    python exercises/b1_selection/run_selection.py --n 4 --outdir exercises/b1_selection/evidence/deterministic_1
    python exercises/b1_selection/run_selection.py --sabotage --n 4 --outdir exercises/b1_selection/evidence/random_1

Without --sabotage it selects with your ``pick_best``; with --sabotage, with the provided
``pick_best_random_tiebreak``. Everything else is the kit's own Loop B instrument
(course_core.selection.best_of_n.run_selection): same scoring, same run directory, same manifest, which
records the pick function's name under sampling_config.selector. Kit-owned: do not edit.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course_core.present.cli import parser, run  # noqa: E402

if TYPE_CHECKING:
    from course_core.usermodule import LoadedModule

STUDENT_FILE = HERE / "selection.py"
SCRIPT = "exercises/b1_selection/run_selection.py"


def load_student() -> LoadedModule:
    """Import exercises/b1_selection/selection.py as the module ``selection`` (the kit's loader of a user's file)."""
    from course_core.usermodule import load_user_module

    return load_user_module(STUDENT_FILE, ["pick_best", "pick_best_random_tiebreak"], flag="selection.py", name="selection")


def main(argv: Sequence[str] | None = None) -> int:
    p = parser(f"python {SCRIPT}", "Best-of-N selection with the pick function from your selection.py (b1_selection).")
    p.add_argument("--n", type=int, required=True, help="samples per item to choose from (the first N)")
    p.add_argument("--outdir", required=True, help="run directory to write, e.g. exercises/b1_selection/evidence/random_1")
    p.add_argument("--sabotage", action="store_true", help="select with pick_best_random_tiebreak instead of your pick_best")
    p.add_argument("--dataset", default="data/datasets/math_dev.jsonl", help="dataset JSONL (default: %(default)s)")
    p.add_argument("--samples", default="data/rollouts/selection_pack_dev.jsonl", help="selection pack JSONL (default: %(default)s)")
    args = p.parse_args(argv)

    from course_core.errors import UserError
    from course_core.present.cli import console
    from course_core.present.render_selection import selection_summary
    from course_core.selection.best_of_n import run_selection

    student = load_student()
    pick = student.function("pick_best_random_tiebreak" if args.sabotage else "pick_best")  # sys.exit() in it: a clear error
    command = ["python", SCRIPT, *(sys.argv[1:] if argv is None else argv)]
    try:
        result = run_selection(args.dataset, args.samples, args.outdir, args.n, pick=pick, command=command)
    except NotImplementedError as exc:
        raise UserError(
            f"not implemented yet: {exc}",
            path=STUDENT_FILE.relative_to(ROOT),
            hint="finish the Build stage first: python -m pytest exercises/b1_selection/tests/test_build.py -q",
        ) from None
    selection_summary(console(), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, SCRIPT))
