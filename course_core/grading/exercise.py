"""Exercise definitions: ``exercises/<id>/exercise.toml`` loaded and checked against the contract.

The contract is docs/exercise_contract.md; its machine-readable form is
schemas/exercise.schema.json, which states every key, type and check kind. What a schema
cannot state (the id is the folder's name, the module is a student file, a field has exactly
one kind, no id twice) is checked here. Every mistake becomes one UserError naming the file,
the line and the field, so a typo in a check never grades silently wrong.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_core.artifacts.schemas import fast_check, validator
from course_core.errors import UserError, did_you_mean
from course_core.grading.toml_lines import dotted, line_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

STAGES = ("build", "sabotage", "reflect", "repair")
SCHEMA = "exercise"  # schemas/exercise.schema.json: every key, type and check kind of an exercise.toml
FIELD_KINDS = ("equals_json", "equals_manifest_diff", "equals_sha256", "one_of", "answer_key", "log_signs")
# Which of several schema errors to report first, at the same depth: a mistyped key explains a missing one.
_FIRST = {"additionalProperties": 0, "required": 1, "enum": 2, "type": 3}


@dataclass(frozen=True)
class Limits:
    """Per worker process: wall clock per call or per sandboxed pytest run, CPU, memory, processes, file size."""

    timeout_s: float = 30.0
    cpu_s: int = 30
    memory_mb: int = 1024
    max_processes: int = 64
    max_file_mb: float = 10.0
    max_disk_mb: int = 64  # the sandbox's writable scratch, all files together

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes: the cap on any one file a sandbox writes or a submission holds."""
        return int(self.max_file_mb * (1 << 20))

    def as_dict(self) -> dict[str, Any]:
        return {
            "timeout_s": self.timeout_s,
            "cpu_s": self.cpu_s,
            "memory_mb": self.memory_mb,
            "max_processes": self.max_processes,
            "max_file_mb": self.max_file_mb,
            "max_disk_mb": self.max_disk_mb,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        return cls(**{k: data[k] for k in cls().as_dict() if k in data})


@dataclass
class Stage:
    name: str
    points: float
    tests: list[str] = field(default_factory=list)  # visible, relative to exercises/<id>/
    hidden_tests: list[str] = field(default_factory=list)  # relative to solutions/<id>/
    checks: list[dict[str, Any]] = field(default_factory=list)  # sabotage evidence checks
    fields: list[dict[str, Any]] = field(default_factory=list)  # reflect structured answers
    prose: list[dict[str, Any]] = field(default_factory=list)  # reflect prose sections
    lock_points: float = 0.0
    student_tests: str | None = None
    hidden_points: float = 0.0  # of ``points``: the hidden tests' share (graded where solutions/ is)
    hidden_chaff_points: float = 0.0  # of ``lock_points``: the hidden chaffs' share

    def pools(self) -> dict[str, float]:
        """The stage's points, split into the pools its checks share (each an integer of exercise.toml)."""
        if self.name in ("sabotage", "reflect"):
            return {"main": self.points}
        tests = self.points - self.lock_points - self.hidden_points
        pools = {"tests": tests, "hidden": self.hidden_points}
        if self.name == "repair":
            pools |= {"lock": self.lock_points - self.hidden_chaff_points, "lock_hidden": self.hidden_chaff_points}
        return pools


@dataclass
class Exercise:
    id: str
    title: str
    loop: str
    order: int
    module: str
    student_files: list[str]
    limits: Limits
    stages: dict[str, Stage]
    folder: Path  # exercises/<id>/ in the kit
    forbidden_imports: list[str] = field(default_factory=list)  # kit modules the student's code may not import

    @property
    def module_file(self) -> str:
        return f"{self.module}.py"

    @property
    def preload(self) -> list[str]:
        """Kit modules the exercise's own copy of the module imports: a sandbox imports them once, up front."""
        import ast

        try:
            tree = ast.parse((self.folder / self.module_file).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            return []
        names = []
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
            elif isinstance(node, ast.Import):
                names += [a.name for a in node.names]
        banned = tuple(self.forbidden_imports)
        return [n for n in dict.fromkeys(names) if n.split(".")[0] == "course_core" and not any(n == b or n.startswith(b + ".") for b in banned)]


def _err(path: Path, field_name: str, message: str, hint: str | None = None, line: int | None = None) -> UserError:
    return UserError(message, path=path, line=line, field=field_name, hint=hint or "see docs/exercise_contract.md")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def _schema_problem(path: Path, text: str, raw: dict[str, Any]) -> UserError | None:
    """The first thing schemas/exercise.schema.json refuses in ``raw``, as a UserError naming line and field."""
    fast = fast_check(SCHEMA)
    if fast is not None and fast(raw):
        return None  # certainly valid: jsonschema is not even imported
    errors = list(validator(SCHEMA).iter_errors(raw))
    if not errors:
        return None
    error = min(errors, key=lambda e: (len(e.absolute_path), _FIRST.get(str(e.validator), 9)))
    where: list[str | int] = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = None
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        key = next(k for k in error.instance if k not in allowed)
        where.append(key)
        message = f"unknown key '{key}'"
        hint = did_you_mean(key, allowed, f"allowed keys: {', '.join(allowed)}")
    elif error.validator == "required":
        key = next(k for k in error.validator_value if k not in error.instance)
        where.append(key)
        message = f"missing key '{key}'"
    else:
        description = schema.get("description")
        message = f"expected {description}, got {_shown(error.instance)}" if description else error.message[:300]
        if error.validator == "enum" and isinstance(error.instance, str):
            hint = did_you_mean(error.instance, [str(v) for v in error.validator_value])
    return _err(path, dotted(where) or "(top level)", message, hint, line_of(text, where) if where else 1)


def _semantic_problem(raw: dict[str, Any], folder: Path) -> tuple[list[str | int], str, str | None] | None:
    """What the schema cannot say: agreement between fields. (key path, message, hint) or None."""
    if raw["id"] != folder.name:
        return ["id"], f"id {raw['id']!r} differs from its folder name {folder.name!r}", None
    if f"{raw['module']}.py" not in raw["student_files"]:
        return ["student_files"], f"student_files must list the module under test, {raw['module']}.py", None
    stages = raw.get("stages", {})
    for i, spec in enumerate(stages.get("reflect", {}).get("fields", [])):
        kinds = [k for k in FIELD_KINDS if k in spec]
        where: list[str | int] = ["stages", "reflect", "fields", i]
        if len(kinds) != 1:
            return where, f"each field has exactly one of {', '.join(FIELD_KINDS)}; found {len(kinds)}", None
        if "leaves" in spec and kinds[0] != "equals_manifest_diff":
            return [*where, "leaves"], "'leaves' applies to equals_manifest_diff only", None
        steps = spec.get("log_signs", {}).get("steps") if kinds[0] == "log_signs" else None
        if steps is not None and steps[0] > steps[1]:
            return [*where, "log_signs", "steps"], "steps is [first, last], two step numbers with 1 <= first <= last", None
    for i, check in enumerate(stages.get("sabotage", {}).get("checks", [])):
        if check["check"] == "manifest_conditions":
            from course_core.grading.conditions import NAMED

            for name in check["conditions"]:
                if "." not in name and name not in NAMED:
                    return (["stages", "sabotage", "checks", i, "conditions", name],
                            f"unknown condition '{name}' (a named condition, or a dotted manifest field)", did_you_mean(name, sorted(NAMED)))
    repair = stages.get("repair", {})
    if repair.get("lock_points", 0) > repair.get("points", 0):
        return ["stages", "repair", "lock_points"], "lock_points cannot exceed the stage's points", None
    if repair.get("lock_points", 0) and "student_tests" not in repair:
        return ["stages", "repair", "student_tests"], "lock_points need student_tests", "e.g. student_tests = \"tests/test_regression.py\""
    if repair.get("hidden_chaff_points", 0) > repair.get("lock_points", 0):
        return ["stages", "repair", "hidden_chaff_points"], "hidden_chaff_points are part of lock_points and cannot exceed them", None
    if repair.get("lock_points", 0):
        public = sorted(p.name for p in (folder / "chaffs").glob("*.py"))
        shared = repair["lock_points"] - repair.get("hidden_chaff_points", 0)
        if bool(public) != bool(shared):
            return ["stages", "repair", "hidden_chaff_points"], (
                f"the public chaffs ({', '.join(public) or 'none in chaffs/'}) share lock_points - hidden_chaff_points = "
                f"{shared}: give them points exactly when there are some"), None
    for name in ("build", "repair"):
        if name in stages:
            problem = _split_problem(name, stages[name])
            if problem is not None:
                return problem
    for name in ("sabotage", "reflect"):
        items = [*stages.get(name, {}).get("checks", []), *stages.get(name, {}).get("fields", []), *stages.get(name, {}).get("prose", [])]
        total = sum(item.get("points", 1) for item in items)
        if items and total != stages[name]["points"]:
            return ["stages", name, "points"], f"the stage's checks add up to {total} points, not {stages[name]['points']}: make them agree", None
    for name, stage in stages.items():
        ids = [c["id"] for c in stage.get("checks", [])] + [f["key"] for f in stage.get("fields", [])] + [p["key"] for p in stage.get("prose", [])]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            return ["stages", name], f"duplicate check id/key: {', '.join(dupes)}", None
    return None


def _split_problem(name: str, stage: dict[str, Any]) -> tuple[list[str | int], str, str | None] | None:
    """Build/Repair: visible tests, hidden tests (and the lock) split the stage's points; each share has its files."""
    hidden = stage.get("hidden_points", 0)
    visible = stage["points"] - stage.get("lock_points", 0) - hidden
    if visible < 0:
        return ["stages", name, "hidden_points"], f"hidden_points ({hidden}) and lock_points leave {visible} for the visible tests", None
    if bool(stage.get("hidden_tests")) != bool(hidden):
        return ["stages", name, "hidden_points"], "state hidden_points (> 0) exactly when the stage has hidden_tests: they are the hidden tests' share of points", None
    if bool(stage.get("tests")) != bool(visible):
        advice = "give the visible tests points, or list none" if stage.get("tests") else "with no visible tests it must be 0"
        return ["stages", name, "points"], f"the visible tests' share is points - lock_points - hidden_points = {visible}: {advice}", None
    return None


def _stage(name: str, raw: dict[str, Any]) -> Stage:
    """One stage of a valid exercise.toml, with each check's defaults filled in."""
    stage = Stage(name=name, points=float(raw["points"]), tests=list(raw.get("tests", [])), hidden_tests=list(raw.get("hidden_tests", [])))
    for check in raw.get("checks", []):
        stage.checks.append({**check, "points": float(check.get("points", 1)),
                             **({"min_distinct": int(check.get("min_distinct", 2))} if check["check"] == "results_differ" else {})})
    for spec in raw.get("fields", []):
        kind = next(k for k in FIELD_KINDS if k in spec)
        field_spec = {**spec, "kind": kind, "points": float(spec.get("points", 1))}
        if kind == "equals_sha256" and isinstance(spec[kind], str):
            field_spec[kind] = {"file": spec[kind]}
        stage.fields.append(field_spec)
    for spec in raw.get("prose", []):
        stage.prose.append({**spec, "points": float(spec.get("points", 1)), "min_words": int(spec.get("min_words", 1))})
    if name in ("build", "repair"):
        stage.hidden_points = float(raw.get("hidden_points", 0))
    if name == "repair":
        stage.lock_points = float(raw.get("lock_points", 0))
        stage.student_tests = raw.get("student_tests")
        stage.hidden_chaff_points = float(raw.get("hidden_chaff_points", 0))
    return stage


def load_exercise(folder: str | Path) -> Exercise:
    """Read ``<folder>/exercise.toml`` and validate it against schemas/exercise.schema.json."""
    folder = Path(folder)
    path = folder / "exercise.toml"
    if not path.is_file():
        raise UserError("exercise.toml is missing", path=path, hint="every exercise folder holds one (docs/exercise_contract.md)")
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"exercise.toml is not valid TOML: {exc}", path=path) from None
    problem = _schema_problem(path, text, raw)
    if problem is not None:
        raise problem
    semantic = _semantic_problem(raw, folder)
    if semantic is not None:
        where, message, hint = semantic
        raise _err(path, dotted(where), message, hint, line_of(text, where))
    limits = Limits.from_dict(
        {k: (int(v) if k in ("cpu_s", "memory_mb", "max_processes", "max_disk_mb") else float(v)) for k, v in raw.get("limits", {}).items()}
    )
    stages_raw = raw.get("stages", {})
    return Exercise(
        id=raw["id"],
        title=raw["title"],
        loop=raw["loop"],
        order=raw.get("order", 0),
        module=raw["module"],
        student_files=list(raw["student_files"]),
        limits=limits,
        stages={name: _stage(name, stages_raw[name]) for name in STAGES if name in stages_raw},
        folder=folder,
        forbidden_imports=list(raw.get("forbidden_imports", [])),
    )


def exercise_ids(exercises_root: str | Path) -> list[str]:
    """Folder names under ``exercises_root`` that hold an exercise.toml."""
    root = Path(exercises_root)
    if not root.is_dir():
        raise UserError("exercises folder does not exist", path=root, hint="run from the kit's root, or pass --exercises-root")
    return sorted(p.parent.name for p in root.glob("*/exercise.toml"))


def discover(exercises_root: str | Path, wanted: list[str] | None = None) -> list[Exercise]:
    """The exercises under ``exercises_root`` (all, or those in ``wanted``), by order then id.

    Only the selected exercise.toml files are loaded, so one broken exercise does not stop
    grading the others; an unknown id in ``wanted`` is a UserError with a suggestion.
    """
    known = exercise_ids(exercises_root)
    for ex_id in wanted or []:
        if ex_id not in known:
            hint = did_you_mean(ex_id, known, f"known exercises: {', '.join(known) or '(none)'}")
            raise UserError(f"unknown exercise id '{ex_id}'", field="--exercise", hint=hint)
    chosen = [i for i in known if not wanted or i in wanted]
    found = [load_exercise(Path(exercises_root) / ex_id) for ex_id in chosen]
    return sorted(found, key=lambda e: (e.order, e.id))
