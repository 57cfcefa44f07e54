"""python -m course.demo — the instructor guide, live, with every expected outcome checked (``nox -s demo``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from course_core.present.cli import parser, run
from course_core.present.demo import SEGMENTS

EPILOG = """\
examples:
  nox -s demo                      the whole guide, no pauses
  nox -s demo -- --pause           wait for Enter before each command (for class)
  nox -s demo -- --segment B       one segment: A (measurement), B (selection), C (learning), D (synthesis)
  nox -s demo -- --segment LM      the three loops on a real language model (needs torch; not in the default run)

A segment that reads another's runs (D reads A's) runs it first, quietly. With --pause, Ctrl-D
or Ctrl-C stops the demo (exit 130) and says what the steps before it wrote.

exit code 0 when every expected outcome held, 1 otherwise, 130 when stopped. A transcript is
saved as HTML: runs/demo_transcript.html for the whole guide, runs/demo_transcript_B.html for
--segment B (a partial run never replaces the whole guide's)."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.demo", "Run the instructor guide end to end, checking each expected outcome.", EPILOG)
    p.add_argument("--pause", action="store_true", help="wait for Enter between steps")
    p.add_argument("--segment", action="append", choices=[*(s.key for s in SEGMENTS), "LM"],
                   help="run only this segment (repeatable); LM, the three loops on a real language model, is not part of the default run")
    p.add_argument("--transcript", help="where to save the transcript (default: see below)")
    args = p.parse_args(argv)

    from rich.console import Console

    from course_core.present.demo import Stopped, default_transcript, run_demo

    con = Console(record=True, highlight=False)
    try:
        outcomes = run_demo(Path.cwd(), args.segment, args.pause, con)
    except Stopped as stop:
        print(f"{stop}; no transcript saved", file=sys.stderr)
        return 130
    transcript = Path(args.transcript or default_transcript(args.segment))
    transcript.parent.mkdir(parents=True, exist_ok=True)
    con.save_html(str(transcript))
    print(f"transcript: {transcript}")
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(run(main, "course.demo"))
