"""python -m course.import_dataset — turn GSM8K (or any JSONL) into the kit's dataset rows."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.present.cli import parser, run
from course_core.rollouts.importers import FieldMap

EPILOG = """\
examples:
  python -m course.import_dataset --format gsm8k gsm8k_test.jsonl --out data/datasets/gsm8k_test.jsonl
  python -m course.import_dataset --format jsonl items.jsonl --out data/datasets/items.jsonl \\
      --id-field uid --prompt-field question --answer-field target

each row becomes {id, prompt, expected_answer}; the prompt ends with the kit's instruction
"Output exactly one line: Final: <int>". GSM8K answers are read from their '#### <int>' line
('#### 2,125' is 2125). Rows that cannot be imported are listed (file:line, why), counted and
skipped. Writes the dataset and OUT-stem.import.json (source hash, counts, every skipped row);
an existing --out is replaced only when it is an earlier import by the kit, unchanged since."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.import_dataset", "Import a dataset into the kit's {id, prompt, expected_answer} rows.", EPILOG)
    p.add_argument("source", metavar="FILE", help="the JSONL file to import")
    p.add_argument("--format", required=True, choices=("gsm8k", "jsonl"), help="gsm8k ({question, answer} with '#### <int>'), or jsonl with a field mapping")
    p.add_argument("--out", required=True, help="the dataset JSONL to write")
    p.add_argument("--id-field", help="jsonl: field holding the id (default: ids from line numbers)")
    p.add_argument("--prompt-field", help=f"jsonl: field holding the prompt (default: {FieldMap.prompt_field})")
    p.add_argument("--answer-field", help=f"jsonl: field holding the integer answer (default: {FieldMap.answer_field})")
    p.add_argument("--id-prefix", help="ids made from line numbers are PREFIX-00001, ... (default: gsm8k, or the file's stem)")
    args = p.parse_args(argv)

    from course_core.present import render_rollouts as render
    from course_core.present.cli import command_line, console
    from course_core.errors import UserError
    from course_core.rollouts.importers import import_dataset

    given = {k: v for k, v in (("id_field", args.id_field), ("prompt_field", args.prompt_field),
                               ("answer_field", args.answer_field)) if v is not None}
    if args.format == "gsm8k" and given:
        raise UserError("--id-field, --prompt-field and --answer-field map a generic file; GSM8K's fields are fixed",
                        field="--format", hint="drop the field options, or use --format jsonl")
    fields = FieldMap(**given)
    result = import_dataset(args.source, args.out, args.format, fields=fields, id_prefix=args.id_prefix,
                            command=command_line("course.import_dataset"))
    render.import_summary(console(), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.import_dataset"))
