"""python -m course.gate — accept or reject a candidate run against a baseline, inside a Locked Room."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from course_core.errors import UserError
from course_core.present.cli import parser, run

EPILOG = """\
exit codes: 0 ACCEPT, 1 REJECT, 2 unusable input.

Runs are comparable only when dataset fingerprint, scorer name/version/spec, sampling
configuration and example ids are all equal; otherwise the answer is REJECT (Locked Room
violation), whatever the metrics say. The policy (the model as asked and as served, its weights
fingerprint, or whatever produced frozen rollouts) is not a condition: it is the variable under
test, and the report names it with both values when it changed."""


def check_flags(min_delta: float, alpha: float) -> None:
    """--min-delta a finite number (NaN would reject everything, inf is not JSON), --alpha a level in (0, 1)."""
    if not math.isfinite(min_delta):
        raise UserError(f"--min-delta must be a finite number, got {min_delta}", field="--min-delta",
                        hint="a difference of pass rates, e.g. --min-delta 0.02 (or 0 to accept no worse)")
    if not (math.isfinite(alpha) and 0.0 < alpha < 1.0):
        raise UserError(f"--alpha must be a number strictly between 0 and 1, got {alpha}", field="--alpha", hint="e.g. --alpha 0.05")


def is_gate_report(path: Path) -> bool:
    """Does the file hold a gate report this kit wrote (kind "gate", valid against schemas/gate_report.schema.json)?"""
    from course_core.artifacts.schemas import first_error
    from course_core.artifacts.strict_json import loads

    try:
        report = loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(report, dict) and report.get("kind") == "gate" and first_error(report, "gate_report") is None


def check_out(out: str) -> None:
    """--out may name a new file, an empty one or an earlier gate report; anything else is never overwritten."""
    target = Path(out)
    if target.is_dir():
        raise UserError("--out is a directory; expected a file path", path=target)
    if target.exists() and not target.is_file():
        raise UserError("--out exists and is not a regular file; refusing to replace it", path=target)
    if target.exists() and target.stat().st_size > 0 and not is_gate_report(target):
        raise UserError("--out exists and is not a gate report of this kit; refusing to overwrite it", path=target,
                        hint="choose a new file name for --out (an earlier report written by course.gate may be replaced)")


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.gate", "Compare a candidate run with a baseline run.", EPILOG)
    p.add_argument("--baseline", required=True, help="baseline run directory")
    p.add_argument("--candidate", required=True, help="candidate run directory")
    p.add_argument("--min-delta", type=float, required=True, help="accept iff candidate - baseline pass rate >= this")
    p.add_argument("--require-significant", action="store_true", help="also require McNemar's exact p < --alpha")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    p.add_argument("--out", help="also write the report (JSON) to this file")
    args = p.parse_args(argv)
    check_flags(args.min_delta, args.alpha)
    if args.out:
        check_out(args.out)

    from course_core.artifacts.manifest import write_json_atomic
    from course_core.measurement.gate import compare, exit_code
    from course_core.present.cli import console
    from course_core.present.render_measurement import gate_report

    report = compare(args.baseline, args.candidate, args.min_delta, args.require_significant, args.alpha)
    if args.out:
        write_json_atomic(args.out, report, "gate_report")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        gate_report(console(), report)
        if args.out:
            console().print(f"wrote {args.out}")
    return exit_code(report)


if __name__ == "__main__":
    raise SystemExit(run(main, "course.gate"))
