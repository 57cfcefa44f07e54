"""Import a dataset into the kit's rows ``{id, prompt, expected_answer}``, reporting every row it skips.

Formats:

- ``gsm8k`` — GSM8K's JSONL (``{"question", "answer"}``, the answer's reasoning ending in a line
  ``#### <int>``). Ids are ``<prefix>-<line number>`` (``gsm8k-00001``…), stable whatever is skipped.
- ``jsonl`` — any JSONL, mapped by ``--id-field``, ``--prompt-field`` and ``--answer-field``
  (without ``--id-field``, ids are made from line numbers as for GSM8K). The answer is a JSON
  integer or a string holding one.

Every prompt gets the kit's strict-format instruction (``FORMAT_INSTRUCTION``) on its own last
line, as the kit's own datasets have it, unless it already ends with it. Answers are integers:
``2125`` and ``2,125`` (thousands separators in groups of three) are both 2125; ``3.5``,
``1/2``, ``$5``, ``1,00`` and anything else are skipped with the reason. Skipped rows are listed
(file:line, why) and counted by reason, on screen and in the import record.

Writing follows the kit's rule for outputs: the dataset and its record ``<out stem>.import.json``
are written through temporary files and renamed into place; an existing ``--out`` is replaced
only when its record shows it is an earlier import by the kit, unchanged since; anything else is
refused.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_core.artifacts.atomic import atomic_path
from course_core.artifacts.fingerprint import sha256_file
from course_core.artifacts.jsonl import iter_jsonl, write_rows
from course_core.artifacts.manifest import PRODUCER, read_json, utc_now, write_json
from course_core.errors import UserError
from course_core.measurement.scoring import FORMAT_INSTRUCTION, MAX_ABS_ANSWER

FORMATS = ("gsm8k", "jsonl")
GSM8K_MARKER = "####"
MAX_ID_LENGTH = 200  # common.schema.json#/$defs/example_id
MAX_PREFIX_LENGTH = MAX_ID_LENGTH - 12  # PREFIX-<line number>: room for the dash and line numbers of up to 11 digits
SKIPS_RECORDED = 1000  # skipped rows listed one by one in the record; all are counted


class _Skip(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class FieldMap:
    """Which source fields become the kit's ``id``, ``prompt`` and ``expected_answer``."""

    id_field: str | None = None
    prompt_field: str = "prompt"
    answer_field: str = "answer"


@dataclass
class ImportResult:
    source: Path
    out: Path
    record: Path
    read: int
    imported: int
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {"line", "code", "reason"}, in file order
    skip_counts: dict[str, int] = field(default_factory=dict)
    replaced: bool = False
    unchanged: bool = False


def parse_int_answer(text: str) -> int:
    """An integer answer as written: ``-?digits`` or ``-?d{1,3}(,ddd)+``; anything else raises _Skip."""
    value = text.strip()
    body = value[1:] if value.startswith("-") else value
    groups = body.split(",")
    plain = len(groups) == 1 and body.isascii() and body.isdigit()
    grouped = (
        len(groups) > 1 and all(g.isascii() and g.isdigit() for g in groups)
        and 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    )
    if not (plain or grouped):
        raise _Skip("not_an_integer", f"answer {value!r} is not an integer")
    digits = "".join(groups)
    if len(digits) > len(str(MAX_ABS_ANSWER)) or int(digits) > MAX_ABS_ANSWER:
        raise _Skip("out_of_range", f"answer {value!r} is beyond ±{MAX_ABS_ANSWER}")
    return -int(digits) if value.startswith("-") else int(digits)


def with_instruction(prompt: str) -> str:
    """The prompt with the strict-format instruction as its last line (never twice)."""
    text = prompt.rstrip()
    return text if text.endswith(FORMAT_INSTRUCTION) else f"{text}\n{FORMAT_INSTRUCTION}"


def _text(obj: dict[str, Any], key: str) -> str:
    if key not in obj:
        raise _Skip("missing_field", f"no field {key!r}")
    value = obj[key]
    if not isinstance(value, str) or not value.strip():
        raise _Skip("bad_field", f"field {key!r} must be a non-empty string")
    return value


def gsm8k_fields(obj: dict[str, Any]) -> tuple[str, int]:
    """(question, integer answer) of one GSM8K row."""
    question, answer = _text(obj, "question"), _text(obj, "answer")
    count = answer.count(GSM8K_MARKER)
    if count == 0:
        raise _Skip("no_answer_line", "the answer has no '#### <int>' line")
    if count > 1:
        raise _Skip("several_answer_lines", f"the answer has {count} '####' markers; expected one")
    value = answer.split(GSM8K_MARKER, 1)[1]
    if "\n" in value.strip():
        raise _Skip("text_after_answer", "the '#### <int>' line is not the answer's last line")
    return question, parse_int_answer(value)


def mapped_fields(obj: dict[str, Any], fields: FieldMap) -> tuple[str, int]:
    """(prompt, integer answer) of one generic row."""
    prompt = _text(obj, fields.prompt_field)
    if fields.answer_field not in obj:
        raise _Skip("missing_field", f"no field {fields.answer_field!r}")
    answer = obj[fields.answer_field]
    if isinstance(answer, str):
        return prompt, parse_int_answer(answer)
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise _Skip("not_an_integer", f"field {fields.answer_field!r} is {json.dumps(answer)}, not an integer")
    if abs(answer) > MAX_ABS_ANSWER:
        raise _Skip("out_of_range", f"answer {answer} is beyond ±{MAX_ABS_ANSWER}")
    return prompt, answer


def _row_id(obj: dict[str, Any], line: int, fields: FieldMap | None, prefix: str) -> str:
    if fields is None or fields.id_field is None:
        return f"{prefix}-{line:05d}"
    if fields.id_field not in obj:
        raise _Skip("missing_field", f"no field {fields.id_field!r}")
    value = obj[fields.id_field]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Skip("bad_id", f"field {fields.id_field!r} must be a string or an integer")
    text = str(value)
    if not 1 <= len(text) <= MAX_ID_LENGTH:
        raise _Skip("bad_id", f"id must be 1..{MAX_ID_LENGTH} characters, got {len(text)}")
    return text


def _is_earlier_import(out: Path, record: Path) -> bool:
    """True when ``record`` is a kit import record and ``out`` still has the bytes it recorded."""
    try:
        data = read_json(record)
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict) and data.get("producer") == PRODUCER and data.get("kind") == "dataset_import"
        and isinstance(data.get("output"), dict) and data["output"].get("sha256") == sha256_file(out)
    )


def _check_targets(out: Path, record: Path) -> bool:
    """Refuse targets the import must not overwrite; True when it replaces an earlier import."""
    if out.is_dir():
        raise UserError("--out is a directory; expected a .jsonl file path", path=out)
    if out.exists():
        if _is_earlier_import(out, record):
            return True
        raise UserError(
            "--out exists and is not an earlier import by the kit (or was changed since); refusing to overwrite it",
            path=out, hint="choose another --out, or remove that file yourself",
        )
    if record.exists():
        raise UserError(f"{record.name} exists beside --out without its dataset; refusing to overwrite it", path=record,
                        hint="choose another --out, or remove that file yourself")
    return False


def record_path(out: str | Path) -> Path:
    p = Path(out)
    return p.with_name(p.name.removesuffix(".jsonl") + ".import.json")


def import_dataset(
    source: str | Path,
    out: str | Path,
    fmt: str,
    *,
    fields: FieldMap | None = None,
    id_prefix: str | None = None,
    command: list[str] | None = None,
) -> ImportResult:
    """Convert ``source`` to a kit dataset at ``out`` (with its import record); skipped rows are reported."""
    if fmt not in FORMATS:
        raise UserError(f"unknown --format {fmt!r}", field="--format", hint=f"one of: {', '.join(FORMATS)}")
    src, out = Path(source), Path(out)
    fields = (fields or FieldMap()) if fmt == "jsonl" else None
    prefix = id_prefix or ("gsm8k" if fmt == "gsm8k" else src.name.removesuffix(".jsonl"))
    if (fields is None or fields.id_field is None) and len(prefix) > MAX_PREFIX_LENGTH:
        given = "--id-prefix" if id_prefix else f"the id prefix taken from the file name {src.name!r}"
        raise UserError(f"{given} is {len(prefix)} characters; at most {MAX_PREFIX_LENGTH} leaves room for the line number "
                        f"(ids are PREFIX-00001, ..., at most {MAX_ID_LENGTH} characters)", field="--id-prefix",
                        hint="give a shorter --id-prefix")
    record = record_path(out)
    replaced = _check_targets(out, record)

    skipped: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    read = 0
    first_line: dict[str, int] = {}

    def skip(line: int, code: str, reason: str) -> None:
        counts[code] += 1
        if len(skipped) < SKIPS_RECORDED:
            skipped.append({"line": line, "code": code, "reason": reason})

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal read
        for line, obj in iter_jsonl(src, "source", on_error=lambda ln, why: skip(ln, "invalid_line", why)):
            read += 1
            try:
                prompt, answer = gsm8k_fields(obj) if fields is None else mapped_fields(obj, fields)
                row_id = _row_id(obj, line, fields, prefix)
                if row_id in first_line:
                    raise _Skip("duplicate_id", f"duplicate id {row_id!r} (first on line {first_line[row_id]})")
            except _Skip as exc:
                skip(line, exc.code, exc.message)
                continue
            first_line[row_id] = line
            yield {"id": row_id, "prompt": with_instruction(prompt), "expected_answer": answer}

    # Both files through temporary siblings; the record lands first, so a crash between the two
    # leaves a record that no longer matches the dataset, which the next import refuses to overwrite.
    with atomic_path(out) as tmp:
        write_rows(tmp, rows(), "dataset_row")
        read += counts["invalid_line"]
        imported = len(first_line)
        if imported == 0:
            raise UserError(f"no row could be imported ({read} read, all skipped)", path=src,
                            hint="check --format" + (" and the field names (--id-field, --prompt-field, --answer-field)" if fields else ""))
        unchanged = out.is_file() and sha256_file(out) == sha256_file(tmp)
        rec = {
            "producer": PRODUCER,
            "kind": "dataset_import",
            "created_utc": utc_now(),
            "command": command or [],
            "format": fmt,
            "mapping": None if fields is None else {"id_field": fields.id_field, "prompt_field": fields.prompt_field,
                                                    "answer_field": fields.answer_field},
            "id_prefix": prefix if fields is None or fields.id_field is None else None,
            "instruction": FORMAT_INSTRUCTION,
            "source": {"path": str(source), "sha256": sha256_file(src), "bytes": src.stat().st_size},
            "output": {"path": out.name, "sha256": sha256_file(tmp), "rows": imported},
            "read": read,
            "imported": imported,
            "skipped": sum(counts.values()),
            "skip_counts": dict(sorted(counts.items())),
            "skipped_rows": skipped,
        }
        with atomic_path(record) as rec_tmp:
            write_json(rec_tmp, rec, "dataset_import")
    return ImportResult(source=src, out=out, record=record, read=read, imported=imported, skipped=rec["skipped_rows"],
                        skip_counts=rec["skip_counts"], replaced=replaced and not unchanged, unchanged=unchanged)
