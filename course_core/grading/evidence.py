"""Sabotage evidence: trusted checks on the run directories a student committed.

Evidence is data. It is read from the private staged copy (symlinks and oversized files were
refused while staging, and are refused again here), validated with the kit's own schemas
through :func:`course_core.artifacts.rundir.load_run`, and then re-derived: every run a check
reads is made again by the kit's own instrument from the inputs its manifest hashes
(:mod:`course_core.grading.rederive`), so a run edited or written by hand fails every check
that reads it, with feedback naming the file and the first value that differs. The gate is the
kit's own :func:`course_core.measurement.gate.compare` run in this process. Nothing of the
evidence is executed here; a student's module a run names is replayed only in a sandbox.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from course_core.errors import UserError
from course_core.artifacts import strict_json
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
    return staged.exercise.limits.max_file_bytes


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
    """The run at ``rel``, validated by the kit (manifest, summary, every results row) and re-derived.

    Loaded once per staged submission (its private copy does not change while it is graded):
    the run, or the error, is kept for every later check that reads the same run.
    """
    cache = staged.memo.setdefault("loaded_runs", {})
    checked = cache.get((rel, True))
    passed_with_rows = checked is not None and not isinstance(checked, EvidenceError)
    key = (rel, True) if passed_with_rows else (rel, rows)  # a run that passed with its rows checked passes without them
    if key not in cache:
        try:
            run = _load_checked(staged, rel, rows=rows)
            problem = _rederived(staged, rel, run.manifest)
            cache[key] = EvidenceError(problem) if problem else run
        except EvidenceError as exc:
            cache[key] = exc
    found = cache[key]
    if isinstance(found, EvidenceError):
        raise EvidenceError(str(found))
    return found


def _load_checked(staged: Staged, rel: str, *, rows: bool) -> Any:
    """The run at ``rel`` validated against the kit's schemas (the shape), before it is re-derived (the truth)."""
    from course_core.artifacts.rundir import RESULT_ROW_SCHEMA
    from course_core.artifacts.rundir import load_run as kit_load_run

    path = staged.root / rel
    if not path.is_dir():
        notes = staged.notes_for(rel)
        raise EvidenceError("; ".join(notes) if notes else f"{rel}/ is not in your submission")
    for name in ("manifest.json", "summary.json", "results.jsonl", "log.jsonl"):
        if f"{rel}/{name}" in staged.refused:
            raise EvidenceError(f"{rel}/{name} was not taken: {staged.refused[f'{rel}/{name}']}")
    _screen_run(staged, rel)
    try:
        run = kit_load_run(path, rel)
        if rows and run.kind in RESULT_ROW_SCHEMA:
            n = sum(1 for _ in run.results())
            expected = run.summary.get("n")
            if isinstance(expected, int) and run.results_path.is_file() and n != expected:
                raise UserError(f"results.jsonl has {n} rows but summary.json says n = {expected}", path=run.results_path)
    except UserError as exc:
        raise EvidenceError(_display(staged, str(exc))) from None
    if rows and run.kind == "bandit" and (path / "log.jsonl").is_file():  # a Bernoulli run's per-step log
        n, steps = len(_checked_log_rows(staged, f"{rel}/log.jsonl")), run.summary.get("steps")
        if isinstance(steps, int) and n != steps:
            raise EvidenceError(f"{rel}/log.jsonl has {n} rows but summary.json says steps = {steps}")
    return run


def _is_run(staged: Staged, rel: str) -> bool:
    return (staged.root / rel / "manifest.json").is_file() and rel not in staged.refused


def run_of(staged: Staged, rel: str) -> str | None:
    """The run directory a path of the submission is, or lies in (``evidence/clean/summary.json`` → ``evidence/clean``)."""
    if _is_run(staged, rel):
        return rel
    parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
    return parent if parent and _is_run(staged, parent) else None


def _read_paths(staged: Staged) -> list[str]:
    """Every path the exercise's evidence and Reflect checks read."""
    stages = staged.exercise.stages
    paths = [p for check in getattr(stages.get("sabotage"), "checks", []) for p in paths_of(check)]
    for spec in getattr(stages.get("reflect"), "fields", []):
        kind = spec["kind"]
        if kind in ("equals_json", "log_signs", "equals_sha256"):
            paths.append(spec[kind]["file"])
        elif kind == "equals_manifest_diff":
            paths += spec[kind]
    return paths


def _rederived(staged: Staged, rel: str, manifest: dict[str, Any]) -> str | None:
    """None when the kit made ``rel`` again and got the same run; else what differs. Computed once,
    for every run the exercise's checks read that validates (one replay process)."""
    from course_core.artifacts.rundir import load_run as kit_load_run
    from course_core.grading.rederive import rederive

    cache = staged.memo.setdefault("rederived", {})
    if rel not in cache:
        runs = {rel: manifest}
        for other in dict.fromkeys(r for r in map(lambda p: run_of(staged, p), _read_paths(staged)) if r):
            if other in cache or other in runs:
                continue
            try:
                runs[other] = kit_load_run(staged.root / other, other).manifest
            except (UserError, OSError, ValueError):
                continue  # its own checks say why
        cache.update(rederive(staged, runs))
    return cache[rel]


# What the kit's instruments write into a run directory: a file of one of these names is evidence
# only inside a run (its manifest.json beside it), which the grader re-derives, never loose.
RUN_FILES = frozenset({"manifest.json", "summary.json", "summary.md", "results.jsonl", "log.jsonl", "samples.jsonl"})


def _loose_run_file(staged: Staged, rel: str) -> str | None:
    """Why ``rel``, named like a run's file but with no run around it, counts for nothing; None if it is not such a file."""
    folder, _, name = rel.rpartition("/")
    if name not in RUN_FILES or run_of(staged, rel) is not None:
        return None
    notes = staged.notes_for(rel, f"{folder}/manifest.json") if folder else []
    if notes:
        why = notes[0]
    elif not (staged.root / folder).is_dir():
        why = f"{folder}/ is not in your submission"
    elif not (staged.root / rel).is_file():
        why = f"{rel} is not in your submission"
    else:
        why = f"{folder or '.'}/ has no manifest.json: {name} counts only inside a run directory an instrument wrote, which the grader re-derives"
    return f"{why}; make the run with the README's command"


def validated_file(staged: Staged, rel: str, pointer: str | None = None) -> None:
    """What an answer may read: a file an instrument wrote into a run the kit re-derived, or a file
    that a passing evidence check of the exercise reads itself (a3's exploits.json: there the row
    ``pointer`` reads must be one the kit's judge accepts). Anything else, a loose copy of a run's
    file included, is refused with the reason."""
    run = run_of(staged, rel)
    if run is not None:
        manifest = load_run(staged, run, rows=False).manifest
        name = rel[len(run) + 1 :]
        if name and name not in manifest["artifacts"]:
            raise EvidenceError(f"{rel} is not one of the files the instrument wrote for {run} ({', '.join(manifest['artifacts'])})")
        return
    loose = _loose_run_file(staged, rel)
    if loose:
        raise EvidenceError(loose)
    readers = [c for c in getattr(staged.exercise.stages.get("sabotage"), "checks", []) if c.get("file") == rel]
    if not readers:
        raise EvidenceError(f"{rel} is not part of a run the kit made: answers are read only from run directories an "
                            "instrument wrote (with their manifest.json), which the grader re-derives")
    first = None
    for check in readers:
        verdict = evaluate(staged, check)
        if verdict.passed:
            if check["check"] == "exploit_classes" and pointer is not None:
                _judged_row(staged, rel, pointer)
            return
        first = first or verdict
    detail = first.detail.splitlines()[0] if first and first.detail else "see Sabotage"
    raise EvidenceError(f"{rel} does not pass the evidence check that reads it: {detail}")


def _judged_row(staged: Staged, rel: str, pointer: str) -> None:
    """The row of a judged list of exploits that ``pointer`` (``/2/class``) reads is one the kit's judge accepts."""
    from course_core.measurement.reward_hacking import judge_exploit

    token = pointer.lstrip("/").split("/", 1)[0]
    rows = read_json_file(staged, rel)
    if not (token.isdigit() and isinstance(rows, list) and int(token) < len(rows)):
        return  # nothing there: the answer's own check says so
    cls, problems = judge_exploit(rows[int(token)])
    if problems:
        raise EvidenceError(f"exploit {int(token) + 1} of {rel}" + (f" ({cls})" if cls else "")
                            + f" is not one the kit's judge accepts: {'; '.join(problems)[:300]}")


def log_rows(staged: Staged, rel: str, schema: str = "bandit_log_row") -> list[dict[str, Any]]:
    """The rows of a run's per-step log (``<run>/log.jsonl``), every row validated and the run re-derived by the kit."""
    rows = _checked_log_rows(staged, rel, schema)
    load_run(staged, rel.rsplit("/", 1)[0] if "/" in rel else ".", rows=False)
    return rows


def _checked_log_rows(staged: Staged, rel: str, schema: str = "bandit_log_row") -> list[dict[str, Any]]:
    from course_core.artifacts.schemas import validate_input

    _load_checked(staged, rel.rsplit("/", 1)[0] if "/" in rel else ".", rows=False)
    rows = []
    for i, line in enumerate(read_text(staged, rel).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = strict_json.loads(line)
            validate_input(row, schema, path=rel, line=i, what="log row")
        except (ValueError, RecursionError) as exc:
            raise EvidenceError(f"{rel}:{i} is not valid JSON: {exc}") from None
        except UserError as exc:
            raise EvidenceError(_display(staged, str(exc))) from None
        rows.append(row)
    return rows


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
    """The run validates against the kit's schemas, is of ``kind``, was made on ``inputs`` (kit
    paths), and the kit re-derives it (:mod:`course_core.grading.rederive`)."""
    from course_core.grading.rederive import locate

    run = load_run(staged, check["run"])
    kind = check.get("kind")
    if kind and run.kind != kind:
        return Verdict(False, f"{check['run']} is a '{run.kind}' run; this check needs a '{kind}' run")
    made_on = [locate(staged, rec["path"])[1] for rec in run.manifest["inputs"]]
    missing = [w for w in check.get("inputs", []) if w not in made_on]
    if missing:
        return Verdict(False, f"{check['run']} must be made with {', '.join(missing)} among its inputs (it was made on {', '.join(made_on) or 'none'})")
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


def same_conditions(staged: Staged, runs: list[str]) -> Verdict:
    """Runs that should differ only by chance (or not at all) were made under the same conditions:
    checked before their results are compared, so the feedback names the condition first."""
    first = _conditions(load_run(staged, runs[0], rows=False).manifest)
    for rel in runs[1:]:
        found = leaf_differences(first, _conditions(load_run(staged, rel, rows=False).manifest))
        if found:
            name, (a, b) = next(iter(found.items()))
            return Verdict(False, f"{runs[0]} and {rel} were made under different conditions: {name} is {_short(a)} in one and "
                                  f"{_short(b)} in the other; make them with the same command")
    return Verdict(True)


def results_differ(staged: Staged, check: dict[str, Any]) -> Verdict:
    same = same_conditions(staged, check["runs"])
    if not same.passed:
        return same
    distinct = len(set(_results_digests(staged, check["runs"]).values()))
    need = int(check.get("min_distinct", 2))
    if distinct < need:
        return Verdict(False, f"{distinct} distinct results.jsonl among {len(check['runs'])} runs; {need} needed")
    return Verdict(True)


def results_identical(staged: Staged, check: dict[str, Any]) -> Verdict:
    same = same_conditions(staged, check["runs"])
    if not same.passed:
        return same
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
    """The value at ``pointer`` in ``file`` compares so; a file of a run is read only once the kit re-derived the run."""
    run = run_of(staged, check["file"])
    if run is not None:
        validated_file(staged, check["file"])
    elif loose := _loose_run_file(staged, check["file"]):
        return Verdict(False, loose)
    document = read_json_file(staged, check["file"])
    try:
        value = json_pointer(document, check["pointer"])
    except KeyError:
        return Verdict(False, f"{check['file']} has nothing at {check['pointer']}")
    if not _compare(value, check["op"], check["value"]):
        return Verdict(False, f"{check['file']} at {check['pointer']} is {_short(value)}; needs {check['op']} {_short(check['value'])}")
    return Verdict(True)


VOLATILE_FIELDS = frozenset({"producer", "created_utc", "command", "args", "inputs", "environment", "artifacts"})
_ABSENT = object()


def leaf_differences(a: Any, b: Any, prefix: str = "") -> dict[str, tuple[Any, Any]]:
    """Dotted paths to the innermost values that differ ("sampling_config.n_used") → (a's, b's).

    Dicts on both sides are descended into; anything else (lists included) is one value. A key
    on one side only differs (None stands for the missing side).
    """
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return {} if a == b else {prefix: (a, b)}
    out: dict[str, tuple[Any, Any]] = {}
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key, _ABSENT), b.get(key, _ABSENT)
        path = f"{prefix}.{key}" if prefix else key
        if va is _ABSENT or vb is _ABSENT:
            out[path] = (None if va is _ABSENT else va, None if vb is _ABSENT else vb)
        else:
            out.update(leaf_differences(va, vb, path))
    return out


def _conditions(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.items() if k not in VOLATILE_FIELDS}


def differs_only_in(staged: Staged, check: dict[str, Any]) -> Verdict:
    """Two runs that differ in the named conditions (dotted leaf paths) and in nothing else."""
    a, b = (_conditions(load_run(staged, r, rows=False).manifest) for r in check["runs"])
    found = leaf_differences(a, b)
    allowed = set(check["fields"])
    extra = [f for f in found if f not in allowed]
    if extra:
        shown = "; ".join(f"{f}: {_short(found[f][0])} vs {_short(found[f][1])}" for f in extra[:3])
        return Verdict(False, f"{' and '.join(check['runs'])} also differ in {shown}: this step changes only {', '.join(check['fields'])}")
    if not found:
        return Verdict(False, f"{' and '.join(check['runs'])} do not differ at all; this step changes {', '.join(check['fields'])}")
    return Verdict(True)


# --- instruments: which code made a run -------------------------------------------------------


def version_tracks_behaviour(staged: Staged, check: dict[str, Any]) -> Verdict:
    """Runs of one instrument name on the same inputs whose results differ must name different versions."""
    runs = [(rel, load_run(staged, rel, rows=False)) for rel in check["runs"]]
    compared = 0
    for i, (rel_a, a) in enumerate(runs):
        for rel_b, b in runs[i + 1:]:
            ma, mb = a.manifest, b.manifest
            same_inputs = [r["sha256"] for r in ma["inputs"]] == [r["sha256"] for r in mb["inputs"]]
            if a.kind != b.kind or ma.get("scorer_name") != mb.get("scorer_name") or not same_inputs:
                continue
            compared += 1
            changed = file_sha256(staged, f"{rel_a}/results.jsonl") != file_sha256(staged, f"{rel_b}/results.jsonl")
            if changed and ma.get("scorer_version") == mb.get("scorer_version"):
                code = lambda m: (m.get("scorer_module") or {}).get("sha256", "the kit's own scorer")[:19]  # noqa: E731
                return Verdict(False, f"{rel_a} and {rel_b} were scored by {ma.get('scorer_name')}@{ma.get('scorer_version')} on the same inputs "
                                      f"and their results differ (code {code(ma)} vs {code(mb)}): a changed behaviour with an unchanged "
                                      "version is a defect; bump VERSION in the changed copy and re-run it")
    if not compared:
        return Verdict(False, "no two of these runs share a scorer name and inputs, so there is nothing to compare: "
                              "score the same inputs with your strict and your relaxed copy (same NAME)")
    return Verdict(True)


MAX_EXPLOITS = 50


def exploit_classes(staged: Staged, check: dict[str, Any]) -> Verdict:
    """``file`` (a JSON list of claimed exploits) holds valid exploits of at least ``min_classes`` distinct classes.

    Each row is judged by :func:`course_core.measurement.reward_hacking.judge_exploit`: the kit's naive
    verifier must pay it, the kit's strict scorer must refuse it, and its class label must hold.
    """
    from course_core.measurement.reward_hacking import judge_exploit

    rows = read_json_file(staged, check["file"])
    if not isinstance(rows, list) or not rows:
        return Verdict(False, f"{check['file']} must be a non-empty JSON list of exploits")
    if len(rows) > MAX_EXPLOITS:
        return Verdict(False, f"{check['file']} holds {len(rows)} exploits; keep it to {MAX_EXPLOITS} at most")
    valid: set[str] = set()
    notes = []
    for i, row in enumerate(rows, start=1):
        cls, problems = judge_exploit(row)
        if problems:
            notes.append(f"exploit {i}" + (f" ({cls})" if cls else "") + ": " + "; ".join(problems))
        elif cls:
            valid.add(cls)
    need = int(check["min_classes"])
    if len(valid) < need:
        found = f"{len(valid)} class(es) with a valid exploit ({', '.join(sorted(valid)) or 'none'}); {need} needed"
        return Verdict(False, "\n".join([found, *notes[:8]]))
    return Verdict(True)


def manifest_conditions(staged: Staged, check: dict[str, Any]) -> Verdict:
    """The run was made under every stated condition (:mod:`course_core.grading.conditions`): a
    named one (``scorer``, ``selector``, ``n``, ``seed``, ``lr``, ...) or a dotted manifest field."""
    from course_core.grading.conditions import first_unmet

    unmet = first_unmet(check["run"], load_run(staged, check["run"], rows=False).manifest, check["conditions"])
    return Verdict(unmet is None, unmet or "")


def manifest_sha256_of(staged: Staged, check: dict[str, Any]) -> Verdict:
    """Each run's manifest records, at ``field``, the sha256 of the submitted file ``of``: that code made the run."""
    digest = file_sha256(staged, check["of"])
    for run in check["runs"]:
        manifest = load_run(staged, run, rows=False).manifest
        try:
            value = _field(manifest, check["field"])
        except KeyError:
            return Verdict(False, f"{run} records no {check['field']}: it was not made with your {check['of']}")
        if not isinstance(value, str) or value.lower().removeprefix("sha256:") != digest:
            return Verdict(False, f"{run} was made with a different {check['of']} than the one you submit "
                                  f"(recorded {_short(value)[:20]}…, yours sha256:{digest[:12]}…): re-run it with your final file")
    return Verdict(True)


def artifacts_identical(staged: Staged, check: dict[str, Any]) -> Verdict:
    """Like results_identical, for another artifact of the runs (``artifact``, e.g. log.jsonl)."""
    name = check["artifact"]
    same = same_conditions(staged, check["runs"])
    if not same.passed:
        return same
    digests = {}
    for rel in check["runs"]:
        run = load_run(staged, rel, rows=False)
        if name not in run.manifest["artifacts"]:
            return Verdict(False, f"{rel} is a '{run.kind}' run, which writes no {name}")
        digests[rel] = file_sha256(staged, f"{rel}/{name}")
    if len(set(digests.values())) > 1:
        shown = ", ".join(f"{rel}: {d[:12]}…" for rel, d in digests.items())
        return Verdict(False, f"{name} differs between the runs (sha256 {shown})")
    return Verdict(True)


CHECKS = {
    "run_valid": run_valid,
    "manifest_field_differs": manifest_field_differs,
    "manifest_field_equal": manifest_field_equal,
    "results_differ": results_differ,
    "results_identical": results_identical,
    "gate_rejects": gate_rejects,
    "json_value": json_value,
    "differs_only_in": differs_only_in,
    "version_tracks_behaviour": version_tracks_behaviour,
    "exploit_classes": exploit_classes,
    "manifest_conditions": manifest_conditions,
    "manifest_sha256_of": manifest_sha256_of,
    "artifacts_identical": artifacts_identical,
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


def manifest_differences(staged: Staged, runs: list[str], leaves: bool = False) -> set[str]:
    """Manifest fields that differ between two runs (ignoring when/how/where it ran).

    Top-level field names by default; with ``leaves``, dotted paths to the innermost values.
    """
    a, b = (_conditions(load_run(staged, r, rows=False).manifest) for r in runs)
    if leaves:
        return set(leaf_differences(a, b))
    return {k for k in set(a) | set(b) if a.get(k) != b.get(k)}


__all__ = ["CHECKS", "EvidenceError", "Verdict", "evaluate", "file_sha256", "json_pointer", "leaf_differences", "load_run", "log_rows",
           "manifest_differences", "paths_of", "read_json_file", "read_text", "run_of", "validated_file"]
