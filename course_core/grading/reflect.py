"""REFLECT.md: structured answers checked against the student's own evidence, prose counted.

A structured answer is judged against a value read from a run the kit re-derived
(:func:`course_core.grading.evidence.validated_file`), or from the answer key; a loose file
with no run around it, or a run that fails re-derivation, checks nothing.

Format (docs/exercise_contract.md): a fenced block opened by a line "```answers" holding
``key: value`` lines, then prose sections under ``## key`` headings. Parsing is total: any
text gives a result, and problems (not UTF-8, too large, a symlink) become feedback.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_core.artifacts import strict_json
from course_core.grading.evidence import EvidenceError, file_sha256, json_pointer, log_rows, manifest_differences, read_json_file, validated_file
from course_core.grading.staging import Refused, Staged, decode_utf8, read_capped

REFLECT = "REFLECT.md"
WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass
class Reflection:
    answers: dict[str, str] = field(default_factory=dict)
    prose: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # why nothing could be read


def fence(line: str) -> tuple[str, str] | None:
    """(the fence run, its info word) when ``line`` opens or closes a code fence; linear in the line."""
    body = line.strip()
    if not body.startswith(("```", "~~~")):
        return None
    mark = body[0]
    run = len(body) - len(body.lstrip(mark))
    info = body[run:].strip()
    if any(ch.isspace() for ch in info):
        return None
    return body[:run], info


def heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading ``## text ##``; linear in the line (no backtracking regex)."""
    level = len(line) - len(line.lstrip("#"))
    if not 1 <= level <= 6 or len(line) == level or not line[level].isspace():
        return None
    text = line[level:].strip()
    closing = text.rstrip("#")
    if closing != text and (not closing or closing[-1].isspace()):
        text = closing.rstrip()
    return level, text


def _clean(value: str) -> str:
    value = value.strip()
    for a, b in (("`", "`"), ('"', '"'), ("'", "'"), ("**", "**")):
        if len(value) >= len(a) + len(b) and value.startswith(a) and value.endswith(b):
            value = value[len(a) : -len(b)].strip()
    return value


def parse(text: str) -> Reflection:
    """Answers from the first ```answers block; prose keyed by each ``##`` heading's text."""
    out = Reflection()
    lines = text.splitlines()
    in_answers = False
    open_fence: str | None = None
    section: str | None = None
    body: list[str] = []

    def close_section() -> None:
        if section is not None:
            out.prose[section] = "\n".join(body).strip()

    seen_answers = False
    for line in lines:
        m = fence(line)
        if open_fence is None and m:
            open_fence = m[0][:3]
            in_answers = m[1].lower() == "answers" and not seen_answers
            seen_answers = seen_answers or in_answers
            if not in_answers and section is not None:
                body.append(line)
            continue
        if open_fence is not None and m and m[0].startswith(open_fence) and not m[1]:
            if not in_answers and section is not None:
                body.append(line)
            open_fence, in_answers = None, False
            continue
        if in_answers:
            key, sep, value = line.partition(":")
            key = key.strip().strip("-* ").strip("`")
            if sep and key and not key.startswith("#") and key not in out.answers:
                out.answers[key] = _clean(value)
            continue
        if open_fence is None:
            h = heading(line)
            if h and h[0] <= 2:
                close_section()
                section, body = _clean(h[1]), []
                continue
        if section is not None:
            body.append(line)
    close_section()
    return out


def load(staged: Staged) -> Reflection:
    if not staged.found:
        return Reflection(problem=f"exercises/{staged.exercise.id}/ is not in your submission")
    if REFLECT in staged.refused:
        return Reflection(problem=f"{REFLECT} was not taken: {staged.refused[REFLECT]}")
    try:
        data = read_capped(staged.root / REFLECT, staged.exercise.limits.max_file_bytes)
        return parse(decode_utf8(data, REFLECT))
    except Refused as exc:
        text = str(exc)
        if text == "not found":
            return Reflection(problem=f"{REFLECT} is not in your submission")
        return Reflection(problem=text if text.startswith(REFLECT) else f"{REFLECT} {text}")


def count_words(text: str) -> int:
    return len(WORD_RE.findall(text))


# --- structured field checks ------------------------------------------------------------------


@dataclass
class FieldVerdict:
    status: str  # passed | failed | pending_key
    feedback: str = ""


def _as_number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _matches(answer: str, expected: Any, tolerance: float) -> bool:
    if isinstance(expected, bool):
        return answer.lower() in (("true", "yes") if expected else ("false", "no"))
    if isinstance(expected, (int, float)):
        got = _as_number(answer)
        return got is not None and abs(got - float(expected)) <= max(tolerance, 1e-9)
    if expected is None:
        return answer.lower() in ("null", "none")
    if isinstance(expected, (list, dict)):  # the answer is written as JSON
        try:
            return strict_json.loads(answer) == expected
        except ValueError:  # not JSON, or JSON no check can compare (NaN, 1e400, 10**400, 10⁵ levels deep)
            return False
    return answer == str(expected)


def _answer_key(key_file: Path | None, key: str) -> tuple[bool, Any, float]:
    """(found, expected, tolerance) from solutions/<id>/answers.toml."""
    from course_core.grading.exercise import tomllib

    if key_file is None or not key_file.is_file():
        return False, None, 0.0
    data = tomllib.loads(key_file.read_text(encoding="utf-8"))
    if key not in data:
        return False, None, 0.0
    entry = data[key]
    if isinstance(entry, dict):
        if "one_of" in entry:
            return True, [str(v) for v in entry["one_of"]], 0.0
        return True, entry.get("value"), float(entry.get("tolerance", 0.0))
    return True, entry, 0.0


SIGN_TOKENS = {"+": 1, "up": 1, "↑": 1, "-": -1, "−": -1, "down": -1, "↓": -1, "0": 0, "=": 0, "same": 0}
SIGN_NAMES = {1: "+", -1: "-", 0: "0"}


def parse_signs(answer: str) -> list[int] | None:
    """``"+ - 0 +"`` (also ``,``-separated; ``up``/``down``/``same`` or the arrows ↑ ↓ =) → [1, -1, 0, 1]; None if unreadable."""
    tokens = [tok for tok in re.split(r"[\s,;]+", answer.strip().lower()) if tok]
    if not all(tok in SIGN_TOKENS for tok in tokens):
        return None
    return [SIGN_TOKENS[tok] for tok in tokens]


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def log_signs(staged: Staged, spec: dict[str, Any]) -> dict[int, int]:
    """step → the sign the log shows for it: of the advantage, or of the sampled arm's probability change."""
    return signs_of(log_rows(staged, spec["file"]), spec)


def signs_of(rows: list[dict[str, Any]], spec: dict[str, Any]) -> dict[int, int]:
    """:func:`log_signs` on rows already read (and validated)."""
    first, last = spec["steps"]
    signs = {}
    for row in rows:
        if first <= row["step"] <= last:
            if spec["of"] == "advantage":
                signs[row["step"]] = _sign(row["advantage"])
            else:
                k = row["action"]
                signs[row["step"]] = _sign(row["probs_after"][k] - row["probs_before"][k]) if k < len(row["probs_after"]) else 0
    return signs


def _check_signs(staged: Staged, key: str, answer: str, spec: dict[str, Any]) -> FieldVerdict:
    first, last = spec["steps"]
    n = last - first + 1
    got = parse_signs(answer)
    if got is None or len(got) != n:
        return FieldVerdict("failed", f"'{key}' needs {n} signs, one per step {first}-{last}, each +, - or 0 (e.g. '+ - + ...')")
    truth = log_signs(staged, spec)
    if sorted(truth) != list(range(first, last + 1)):
        return FieldVerdict("failed", f"{spec['file']} has no rows for every step {first}-{last}; redo that run with the README's command")
    wrong = [step for step, sign in zip(range(first, last + 1), got) if truth[step] != sign]
    if not wrong:
        return FieldVerdict("passed")
    what = "the advantage" if spec["of"] == "advantage" else "the change of the sampled arm's probability"
    return FieldVerdict("failed", f"{len(wrong)} of {n} signs differ from {what} in {spec['file']} (steps {', '.join(map(str, wrong))}): read those rows again")


def check_field(staged: Staged, reflection: Reflection, spec: dict[str, Any], key_file: Path | None) -> FieldVerdict:
    """Judge one structured answer against the evidence (or the answer key)."""
    key = spec["key"]
    if reflection.problem:
        return FieldVerdict("failed", reflection.problem)
    if spec["kind"] == "answer_key":
        found, expected, tolerance = _answer_key(key_file, key)
        if not found:
            note = "solutions are not part of this checkout" if key_file is None else f"the answer key has no entry '{key}'"
            return FieldVerdict("pending_key", f"checked against the answer key when staff grade ({note}); not counted here")
    answer = reflection.answers.get(key, "")
    if not answer:
        where = "is missing from" if key not in reflection.answers else "has no value in"
        return FieldVerdict("failed", f"'{key}' {where} the ```answers block of REFLECT.md: write it after the colon")
    kind = spec["kind"]
    try:
        if kind == "answer_key":
            ok = any(answer.lower() == e.lower() for e in expected) if isinstance(expected, list) else (
                _matches(answer, expected, tolerance) or (isinstance(expected, str) and answer.lower() == expected.lower())
            )
            return FieldVerdict("passed") if ok else FieldVerdict("failed", f"'{key}: {answer}' is not the expected answer")
        if kind == "one_of":
            ok = answer.lower() in [str(v).lower() for v in spec["one_of"]]
            return FieldVerdict("passed") if ok else FieldVerdict("failed", f"'{key}: {answer}' is not an accepted answer")
        if kind == "equals_json":
            src = spec["equals_json"]
            tolerance = float(src.get("tolerance", spec.get("tolerance", 0.0)))
            validated_file(staged, src["file"], src["pointer"])  # only a run the kit re-derived (or a file its own check judges) counts
            try:
                expected = json_pointer(read_json_file(staged, src["file"]), src["pointer"])
            except KeyError:
                return FieldVerdict("failed", f"{src['file']} has no value at {src['pointer']}, so '{key}' cannot be checked")
            if _matches(answer, expected, tolerance):
                return FieldVerdict("passed")
            hint = f" (within {tolerance:g})" if tolerance and isinstance(expected, (int, float)) else ""
            return FieldVerdict("failed", f"'{key}: {answer}' does not match {src['file']} at {src['pointer']}{hint}: read the value from your own run")
        if kind == "equals_manifest_diff":
            fields = manifest_differences(staged, spec["equals_manifest_diff"], leaves=bool(spec.get("leaves", False)))
            if not fields:
                return FieldVerdict("failed", "your two runs' manifests do not differ in any Locked Room field; redo the sabotage first")
            if answer in fields:
                return FieldVerdict("passed")
            a, b = spec["equals_manifest_diff"]
            return FieldVerdict("failed", f"'{answer}' is not a manifest field that differs between {a} and {b}")
        if kind == "log_signs":
            return _check_signs(staged, key, answer, spec["log_signs"])
        if kind == "equals_sha256":
            rel = spec["equals_sha256"]["file"]
            validated_file(staged, rel)
            digest = file_sha256(staged, rel)
            if answer.lower().removeprefix("sha256:") == digest:
                return FieldVerdict("passed")
            return FieldVerdict("failed", f"'{key}' is not the sha256 of {rel}")
    except EvidenceError as exc:
        return FieldVerdict("failed", f"'{key}' cannot be checked: {exc}")
    except (ArithmeticError, ValueError, TypeError, KeyError, RecursionError, OSError) as exc:  # as evidence.evaluate
        return FieldVerdict("failed", f"'{key}' cannot be checked against the evidence ({type(exc).__name__})")
    except Refused as exc:
        return FieldVerdict("failed", f"'{key}' cannot be checked: {exc}")
    return FieldVerdict("failed", f"unknown field check {kind}")
