"""python -m course.token_inspect — how a real BPE tokenizer splits nearly identical answers."""

from __future__ import annotations

import json
from collections.abc import Sequence

from course_core.present.cli import parser, run

EPILOG = """\
with no TEXT, compares the four spellings of one answer:
  "Final: 323"   "Final:  323"   "Final:\\n323"   "Final: 0323"

examples:
  python -m course.token_inspect
  python -m course.token_inspect 'Final: 323' $'Final:\\n323' --json
  python -m course.token_inspect --outdir runs/tokens
      (also saves the split as a run directory: manifest.json names the tokenizer)

the tokenizer is cl100k_base via tiktoken, loaded offline from the files the `tokens` extra
installs (nox -s dev includes it); without them the split falls back to UTF-8
bytes and says so."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.token_inspect", "Show token ids, token strings and counts for each TEXT, side by side.", EPILOG)
    p.add_argument("texts", nargs="*", metavar="TEXT", help="text to tokenize (default: four spellings of 'Final: 323')")
    p.add_argument("--bytes", action="store_true", help="split into UTF-8 bytes instead of BPE tokens")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--outdir", help="also write the report as a run directory (manifest.json, summary.json, summary.md)")
    args = p.parse_args(argv)

    from course_core.learning.tokens import inspect_texts, load_tokenizer

    report = inspect_texts(args.texts or None, load_tokenizer(force_bytes=args.bytes))
    written = None
    if args.outdir:
        from course_core.learning.token_run import run_token_inspect
        from course_core.present.cli import command_line

        written = run_token_inspect(report, args.outdir, force_bytes=args.bytes, command=command_line("course.token_inspect"))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0

    from course_core.present.cli import console
    from course_core.present.render_learning import token_report

    con = console()
    token_report(con, report)
    if written is not None:
        from course_core.present.cli import written as print_written

        print_written(con, written)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.token_inspect"))
