"""python -m course.grade — grade exercises: the working copy (students) or submissions (staff)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from course_core.present.cli import parser, run

EPILOG = """\
examples:
  python -m course.grade                                   grade this checkout's exercises/
  python -m course.grade --exercise a1_locked_room         one exercise
  python -m course.grade --stage sabotage --stage reflect  only the evidence and REFLECT.md (no tests run)
  python -m course.grade --submission subs/* --jobs 2      staff: many submissions

Only the files each exercise.toml lists in student_files are taken from a submission; tests,
conftest files and schemas always come from this kit. Student code runs in sandboxed worker
processes. Hidden tests, hidden chaffs and answer keys are used when solutions/ (or
--solutions / --hidden-tests) is present.

exit codes: 0 grading completed (scores are data), 1 a score is below --fail-under or a --check does not pass,
2 bad arguments, 3 grading incomplete (a grader problem; the report says where)."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.grade", "Grade Build / Sabotage / Reflect / Repair for each exercise.", EPILOG)
    p.add_argument("--submission", nargs="+", action="extend", metavar="PATH", help="a checkout (or a folder laid out like exercises/) to grade; repeatable")
    p.add_argument("--exercise", action="append", metavar="ID", help="grade only this exercise (repeatable)")
    p.add_argument("--stage", action="append", metavar="NAME", help="grade only this stage of each exercise: build, sabotage, reflect or repair (repeatable); the report lists only these")
    p.add_argument("--check", action="append", metavar="ID", help="grade this check again (its id in report.json; repeatable) and say how it stands, writing no report: exit 1 while one does not pass")
    p.add_argument("--exercises-root", metavar="DIR", help="where the exercise definitions live (default: this kit's exercises/)")
    p.add_argument("--solutions", metavar="DIR", help="reference solutions, chaffs and answer keys (default: this kit's solutions/ if present)")
    p.add_argument("--hidden-tests", metavar="DIR", help="hidden tests, laid out like solutions/ (default: --solutions)")
    p.add_argument("--out", default="grade-report", metavar="DIR", help="where the reports go (default: grade-report/)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="processes grading in parallel, an exercise of a submission each (default 1)")
    p.add_argument("--fail-under", type=float, metavar="P", help="exit 1 when any submission scores below P percent")
    p.add_argument("--json", action="store_true", help="print report.json to stdout instead of the table")
    args = p.parse_args(argv)

    from rich.padding import Padding
    from rich.text import Text

    from course_core.errors import UserError, did_you_mean
    from course_core.grading.engine import Options, grade, named_checks, stages_for
    from course_core.grading.exercise import STAGES, discover
    from course_core.grading.progress import progress
    from course_core.grading.reports import check_grade_flags, render_table, write_reports
    from course_core.grading.sandbox import isolation
    from course_core.paths import KIT_ROOT, check_input_folder, check_output_folder
    from course_core.present.cli import console

    if args.jobs < 1:
        raise UserError("--jobs must be at least 1", field="--jobs")
    for flag, value in (("--solutions", args.solutions), ("--hidden-tests", args.hidden_tests), ("--exercises-root", args.exercises_root)):
        if value is not None:
            check_input_folder(Path(value), flag)
    out = Path(args.out)
    check_output_folder(out, "--out")
    check_grade_flags(args.fail_under, out, writes_reports=not args.check)
    default_solutions = KIT_ROOT / "solutions"
    exercises_root = args.exercises_root or str(KIT_ROOT / "exercises")
    exercises = discover(exercises_root, args.exercise)  # an unknown --exercise is refused before any sandbox starts
    for stage in args.stage or []:
        if stage not in STAGES:
            raise UserError(f"there is no stage '{stage}'", field="--stage", hint=did_you_mean(stage, list(STAGES), "the stages are " + ", ".join(STAGES)))
    if args.stage and args.check:
        raise UserError("--stage and --check do not go together: a check's id names its stage", field="--stage")
    ex_ids, stages = stages_for(args.check, exercises) if args.check else (args.exercise or [], list(dict.fromkeys(args.stage or [])))
    if args.check and args.submission and len(args.submission) > 1:
        raise UserError("--check grades one submission (or the working copy)", field="--check")
    opts = Options(
        exercises_root=exercises_root,
        solutions_root=args.solutions or (str(default_solutions) if default_solutions.is_dir() else None),
        hidden_root=args.hidden_tests,
        exercise_ids=ex_ids,
        jobs=args.jobs,
        stages=stages,
    )
    err = console(stderr=True)
    if args.submission and not isolation().contained:  # staff, on a machine without user namespaces: said once
        err.print(Text("isolation: " + isolation().note))
    with progress(err, len(args.submission or [None])) as on_done:
        outcome = grade(args.submission, opts, on_done)
    report = outcome.report
    if args.check:  # one check graded again: its verdict on the terminal, the reports left as they were
        checks = named_checks(report, args.check)
        for check in checks:
            console().print(Text.assemble((check["id"], "bold"), f": {check['status'].replace('_', ' ')}"))
            if check["status"] != "passed" and check["feedback"].strip():
                console().print(Padding(Text(check["feedback"].strip()), (0, 0, 0, 2)))
    else:
        try:
            written = write_reports(report, out)
        except OSError as exc:
            raise UserError(f"could not write the reports: {exc.strerror}", path=exc.filename or out) from None
        if args.json:
            print(json.dumps(report, indent=2, ensure_ascii=True))
        else:
            render_table(console(), report)
            if args.stage:
                console().print(f"graded only {', '.join(stages)} (--stage): the other stages are not in this report")
            console().print(f"wrote {args.out}/")
            for path in written:
                console().print(f"  {path}")
    for problem in outcome.problems:
        err.print(Text.assemble(("grader problem: ", "red"), problem))
    if outcome.problems:
        return 3
    if args.check and any(c["status"] != "passed" for c in checks):
        return 1
    if args.fail_under is not None and any(s["percent"] < args.fail_under for s in report["submissions"]):
        low = ", ".join(f"{s['submission']} {s['percent']:.1f}%" for s in report["submissions"] if s["percent"] < args.fail_under)
        err.print(f"below --fail-under {args.fail_under:g}%: {low}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.grade"))
