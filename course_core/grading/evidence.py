"""Sabotage evidence: trusted checks on the run directories a student committed.

Evidence is data. It is read from the private staged copy (symlinks and oversized files were
refused while staging, and are refused again here), validated with the kit's own schemas
through :func:`course_core.artifacts.rundir.load_run`, and the gate is the kit's own
:func:`course_core.measurement.gate.compare` run in this process. Nothing in it is executed.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from course_core.errors import UserError
from course_core.grading import strict_json
from course_core.grading.staging import Refused, Staged, decode_utf8, read_capped


@dataclass
class Verdict:
    passed: bool
    detail: str = ""  # what was found, when it matters


class EvidenceError(Exception):
    """A file needed by a check is missing, refused, or invalid: the check fails with this message."""


def _display(staged: Staged, text: str) -> str:
    """Messages name files as the student knows them (exercises/<id>/...), never the private copy."""
    return text.replace(str(staged.root), f"exercises/{staged.exercise.id}")


def _cap(staged: Staged) -> int:
    return int(staged.exercise.limits.max_file_mb * (1 << 20))


def read_text(staged: Staged, rel: str) -> str:
    path = staged.root / rel
    if rel in staged.refused:
        raise EvidenceError(f"{rel} was not taken: {staged.refused[rel]}")
    try:
        return decode_utf8(read_capped(path, _cap(staged)), rel)
    except Refused as exc:
        raise EvidenceError(f"{rel} {exc}" if not str(exc).startswith(rel) else str(exc)) from None


def read_json_file(staged: Staged, rel: str) -> Any:
    """A JSON file of the submission, strictly parsed (finite numbers, bounded size and nesting)."""
    text = read_text(staged, rel)
    try:
        return strict_json.loads(text)
    except ValueError as exc:
        raise EvidenceError(f"{rel} is not valid JSON here: {exc}") from None


def _screen_run(staged: Staged, rel: str) -> None:
    """Every JSON document of a run parsed strictly before the kit reads it: a value the kit's
    instruments could not compute with (1e400, a 400-digit integer, 300 levels of nesting) is a
    clear failure naming the file and line, never an error in the grader."""
    for name in ("manifest.json", "summary.json", "results.jsonl"):
        path = staged.root / rel / name
        if not path.is_file():
            continue
        text = read_text(staged, f"{rel}/{name}")
        lines = text.splitlines() if name.endswith(".jsonl") else [text]
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                strict_json.loads(line)
            except ValueError as exc:
                where = f"{rel}/{name}" + (f" line {n}" if name.endswith(".jsonl") else "")
                raise EvidenceError(f"{where} cannot be checked: {exc}") from None


def load_run(staged: Staged, rel: str, *, rows: bool = True) -> Any:
    """The run at ``rel``, validated by the kit (manifest, summary, every results row)."""
    from course_core.artifacts.rundir import load_run as kit_load_run

    path = staged.root / rel
    if not path.is_dir():
        notes = staged.notes_for(rel)
        raise EvidenceError("; ".join(notes) if notes else f"{rel}/ is not in your submission")
    for name in ("manifest.json", "summary.json", "results.jsonl"):
        if f"{rel}/{name}" in staged.refused:
            raise EvidenceError(f"{rel}/{name} was not taken: {staged.refused[f'{rel}/{name}']}")
    _screen_run(staged, rel)
    try:
        run = kit_load_run(path, rel)
        if rows:
            n = sum(1 for _ in run.results())
            expected = run.summary.get("n")
            if isinstance(expected, int) and run.results_path.is_file() and n != expected:
                raise UserError(f"results.jsonl has {n} rows but summary.json says n = {expected}", path=run.results_path)
    except UserError as exc:
        raise EvidenceError(_display(staged, str(exc))) from None
    return run


def _field(manifest: dict[str, Any], dotted: str) -> Any:
    value: Any = manifest
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(dotted)
        value = value[part]
    return value


def json_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901: ``/a/0/b`` → document["a"][0]["b"]; KeyError when absent."""
    if pointer in ("", "/"):
        return document
    value = document
    for token in pointer.lstrip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise KeyError(pointer)
    return value


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 90 else text[:89] + "…"


def _compare(a: Any, op: str, b: Any) -> bool:
    if op in ("eq", "ne"):
        equal = math.isclose(a, b, rel_tol=0, abs_tol=1e-12) if _is_number(a) and _is_number(b) else a == b
        return equal if op == "eq" else not equal
    if not (_is_number(a) and _is_number(b)):
        raise EvidenceError(f"cannot compare {_short(a)} with {_short(b)} using '{op}': not numbers")
    return {"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# --- the vocabulary ---------------------------------------------------------------------------


def run_valid(staged: Staged, check: dict[str, Any]) -> Verdict:
    run = load_run(staged, check["run"])
    kind = check.get("kind")
    if kind and run.kind != kind:
        return Verdict(False, f"{check['run']} is a '{run.kind}' run; this check needs a '{kind}' run")
    return Verdict(True)


def manifest_field_differs(staged: Staged, check: dict[str, Any]) -> Verdict:
    a, b = (load_run(staged, r, rows=False).manifest for r in check["runs"])
    field = check["field"]
    try:
        va, vb = _field(a, field), _field(b, field)
    except KeyError:
        return Verdict(False, f"the manifests have no field '{field}'")
    if va == vb:
        return Verdict(False, f"'{field}' is the same in both runs ({_short(va)})")
    return Verdict(True)


def manifest_field_equal(staged: Staged, check: dict[str, Any]) -> Verdict:
    runs = check["runs"]
    values = []
    for rel in runs:
        try:
            values.append(_field(load_run(staged, rel, rows=False).manifest, check["field"]))
        except KeyError:
            return Verdict(False, f"{rel}/manifest.json has no field '{check['field']}'")
    if any(v != values[0] for v in values[1:]):
        shown = ", ".join(f"{r}: {_short(v)}" for r, v in zip(runs, values))
        return Verdict(False, f"'{check['field']}' differs ({shown})")
    return Verdict(True)


def file_sha256(staged: Staged, rel: str) -> str:
    """sha256 (hex) of a file in the submission, read with the size cap and refusals applied."""
    return hashlib.sha256(read_capped_or_fail(staged, rel)).hexdigest()


def _results_digests(staged: Staged, runs: list[str]) -> dict[str, str]:
    digests = {}
    for rel in runs:
        load_run(staged, rel, rows=False)
        digests[rel] = file_sha256(staged, f"{rel}/results.jsonl")
    return digests


def results_differ(staged: Staged, check: dict[str, Any]) -> Verdict:
    distinct = len(set(_results_digests(staged, check["runs"]).values()))
    need = int(check.get("min_distinct", 2))
    if distinct < need:
        return Verdict(False, f"{distinct} distinct results.jsonl among {len(check['runs'])} runs; {need} needed")
    return Verdict(True)


def results_identical(staged: Staged, check: dict[str, Any]) -> Verdict:
    digests = _results_digests(staged, check["runs"])
    if len(set(digests.values())) > 1:
        shown = ", ".join(f"{rel}: {d[:12]}…" for rel, d in digests.items())
        return Verdict(False, f"results.jsonl differs between the runs (sha256 {shown})")
    return Verdict(True)


def read_capped_or_fail(staged: Staged, rel: str) -> bytes:
    if rel in staged.refused:
        raise EvidenceError(f"{rel} was not taken: {staged.refused[rel]}")
    try:
        return read_capped(staged.root / rel, _cap(staged))
    except Refused as exc:
        raise EvidenceError(f"{rel} {exc}") from None


def gate_rejects(staged: Staged, check: dict[str, Any]) -> Verdict:
    from course_core.measurement.gate import compare

    for rel in (check["baseline"], check["candidate"]):
        load_run(staged, rel)  # refusals and row validation, with the student's paths
    try:
        report = compare(staged.root / check["baseline"], staged.root / check["candidate"], float(check.get("min_delta", 0.0)))
    except UserError as exc:
        raise EvidenceError(_display(staged, str(exc))) from None
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise EvidenceError(f"the kit's gate cannot compare these runs ({type(exc).__name__}): check their results rows") from None
    if report["decision"] != "REJECT":
        return Verdict(False, "the kit's gate ACCEPTS this pair: " + "; ".join(report["reasons"]))
    wanted = check.get("violation")
    if wanted:
        fields = [v["field"] for v in report["locked_room"]["violations"]]
        if wanted not in fields:
            found = ", ".join(fields) if fields else "no Locked Room violation (rejected on the delta rule)"
            return Verdict(False, f"the gate rejects, but for {found}, not for {wanted}")
    return Verdict(True)


def json_value(staged: Staged, check: dict[str, Any]) -> Verdict:
    document = read_json_file(staged, check["file"])
    try:
        value = json_pointer(document, check["pointer"])
    except KeyError:
        return Verdict(False, f"{check['file']} has nothing at {check['pointer']}")
    if not _compare(value, check["op"], check["value"]):
        return Verdict(False, f"{check['file']} at {check['pointer']} is {_short(value)}; needs {check['op']} {_short(check['value'])}")
    return Verdict(True)


CHECKS = {
    "run_valid": run_valid,
    "manifest_field_differs": manifest_field_differs,
    "manifest_field_equal": manifest_field_equal,
    "results_differ": results_differ,
    "results_identical": results_identical,
    "gate_rejects": gate_rejects,
    "json_value": json_value,
}


def paths_of(check: dict[str, Any]) -> list[str]:
    return [check[k] for k in ("run", "baseline", "candidate", "file") if k in check] + list(check.get("runs", []))


def evaluate(staged: Staged, check: dict[str, Any]) -> Verdict:
    """Run one evidence check; every problem with the evidence is a failed verdict, never an exception."""
    if not staged.found:
        return Verdict(False, f"exercises/{staged.exercise.id}/ is not in your submission")
    try:
        return CHECKS[check["check"]](staged, check)
    except EvidenceError as exc:
        return Verdict(False, str(exc))
    except (OSError, ValueError, TypeError, KeyError, RecursionError, ArithmeticError) as exc:
        return Verdict(False, _display(staged, f"your evidence could not be read: {type(exc).__name__}: {str(exc)[:300]}"))


def manifest_differences(staged: Staged, runs: list[str]) -> set[str]:
    """Top-level manifest fields that differ between two runs (ignoring when/how/where it ran)."""
    volatile = {"producer", "created_utc", "command", "args", "inputs", "environment", "artifacts"}
    a, b = (load_run(staged, r, rows=False).manifest for r in runs)
    return {k for k in set(a) | set(b) if k not in volatile and a.get(k) != b.get(k)}


__all__ = ["CHECKS", "EvidenceError", "Verdict", "evaluate", "json_pointer", "load_run", "manifest_differences", "paths_of", "read_json_file", "read_text", "file_sha256"]
