"""python -m course.gate — accept or reject a candidate run against a baseline, inside a Locked Room."""

from __future__ import annotations

import json
from collections.abc import Sequence

from course_core.present.cli import parser, run

EPILOG = """\
exit codes: 0 ACCEPT, 1 REJECT, 2 unusable input.

Runs are comparable only when dataset fingerprint, scorer name/version/spec, sampling
configuration and example ids are all equal; otherwise the answer is REJECT (Locked Room
violation), whatever the metrics say. The policy (the model as asked and as served, its weights
fingerprint, or whatever produced frozen rollouts) is not a condition: it is the variable under
test, and the report names it with both values when it changed."""


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
    from course_core.artifacts.manifest import write_json_atomic
    from course_core.measurement.gate import check_report_file, check_rule, compare, exit_code

    check_rule(args.min_delta, args.alpha)
    if args.out:
        check_report_file(args.out)
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
