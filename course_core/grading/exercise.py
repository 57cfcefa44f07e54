"""Exercise definitions: ``exercises/<id>/exercise.toml`` loaded and checked against the contract.

The contract is docs/exercise_contract.md. Every mistake in an exercise.toml becomes a
UserError naming the file and the field, so a typo in a check never grades silently wrong.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from course_core.errors import UserError, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

STAGES = ("build", "sabotage", "reflect", "repair")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

EVIDENCE_CHECKS: dict[str, tuple[set[str], set[str]]] = {
    # check name: (required keys, optional keys) besides id / points / check / feedback
    "run_valid": ({"run"}, {"kind", "inputs"}),
    "manifest_field_differs": ({"runs", "field"}, set()),
    "manifest_field_equal": ({"runs", "field"}, set()),
    "results_differ": ({"runs"}, {"min_distinct"}),
    "results_identical": ({"runs"}, set()),
    "gate_rejects": ({"baseline", "candidate"}, {"violation", "min_delta"}),
    "json_value": ({"file", "pointer", "op", "value"}, set()),
    "differs_only_in": ({"runs", "fields"}, set()),
    "version_tracks_behaviour": ({"runs"}, set()),
    "exploit_classes": ({"file", "min_classes"}, set()),
    "manifest_conditions": ({"run", "conditions"}, set()),
    "manifest_sha256_of": ({"runs", "field", "of"}, set()),
    "artifacts_identical": ({"runs", "artifact"}, set()),
}
FIELD_CHECKS = ("equals_json", "equals_manifest_diff", "equals_sha256", "one_of", "answer_key", "log_signs")
LOG_SIGNS_OF = ("advantage", "sampled_probability")
JSON_OPS = ("lt", "le", "gt", "ge", "eq", "ne")


@dataclass(frozen=True)
class Limits:
    """Per worker process: wall clock per call or per sandboxed pytest run, CPU, memory, processes, file size."""

    timeout_s: float = 30.0
    cpu_s: int = 30
    memory_mb: int = 1024
    max_processes: int = 64
    max_file_mb: float = 10.0
    max_disk_mb: int = 64  # the sandbox's writable scratch, all files together

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


def _err(path: Path, field_name: str, message: str, hint: str | None = None) -> UserError:
    return UserError(message, path=path, field=field_name, hint=hint or "see docs/exercise_contract.md")


def _typed(path: Path, where: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise _err(path, where, f"expected {what}, got a boolean")
    if not isinstance(value, kind):
        raise _err(path, where, f"expected {what}, got {type(value).__name__}")
    return value


def _points(path: Path, where: str, value: Any) -> float:
    _typed(path, where, value, (int, float), "a number of points")
    if value < 0:
        raise _err(path, where, "points must not be negative")
    return float(value)


def _rel_path(path: Path, where: str, value: Any) -> str:
    """A relative, normalised POSIX path that stays inside the exercise folder."""
    _typed(path, where, value, str, "a relative path (string)")
    p = PurePosixPath(value)
    if not value or p.is_absolute() or ".." in p.parts or "\\" in value:
        raise _err(path, where, f"{value!r} must be a relative path inside the exercise folder (no '..', no leading '/')")
    return value


def _unknown_keys(path: Path, where: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            hint = did_you_mean(key, sorted(allowed), f"allowed keys: {', '.join(sorted(allowed))}")
            raise _err(path, f"{where}.{key}" if where else key, f"unknown key '{key}'", hint)


def _check_evidence(path: Path, i: int, raw: Any) -> dict[str, Any]:
    where = f"stages.sabotage.checks[{i}]"
    _typed(path, where, raw, dict, "a table")
    kind = raw.get("check")
    if kind not in EVIDENCE_CHECKS:
        raise _err(path, f"{where}.check", f"unknown evidence check {kind!r}", did_you_mean(str(kind), sorted(EVIDENCE_CHECKS)))
    required, optional = EVIDENCE_CHECKS[kind]
    _unknown_keys(path, where, raw, required | optional | {"id", "points", "check", "feedback", "name"})
    for key in ("id", *sorted(required)):
        if key not in raw:
            raise _err(path, f"{where}.{key}", f"missing key '{key}' (needed by check '{kind}')")
    if not ID_RE.match(str(raw["id"])):
        raise _err(path, f"{where}.id", "a check id is lower_snake_case")
    check = dict(raw)
    check["points"] = _points(path, f"{where}.points", raw.get("points", 1))
    for key in ("run", "baseline", "candidate", "file", "module"):
        if key in raw:
            _rel_path(path, f"{where}.{key}", raw[key])
    if "runs" in raw:
        runs = _typed(path, f"{where}.runs", raw["runs"], list, "a list of run folders")
        if kind in ("manifest_field_differs", "differs_only_in") and len(runs) != 2:
            raise _err(path, f"{where}.runs", f"check '{kind}' compares exactly 2 runs")
        if len(runs) < (1 if kind == "manifest_sha256_of" else 2):
            raise _err(path, f"{where}.runs", f"check '{kind}' needs at least {1 if kind == 'manifest_sha256_of' else 2} runs")
        for j, run in enumerate(runs):
            _rel_path(path, f"{where}.runs[{j}]", run)
    if kind == "manifest_conditions":
        from course_core.grading.conditions import NAMED

        conditions = _typed(path, f"{where}.conditions", raw["conditions"], dict, "a table of condition = value")
        if not conditions:
            raise _err(path, f"{where}.conditions", "state at least one condition")
        for name in conditions:
            if "." not in name and name not in NAMED:
                raise _err(path, f"{where}.conditions.{name}", f"unknown condition '{name}' (a named condition, or a dotted manifest field)",
                           did_you_mean(name, sorted(NAMED)))
    if kind == "manifest_sha256_of":
        _rel_path(path, f"{where}.of", raw["of"])
    if kind == "json_value" and raw["op"] not in JSON_OPS:
        raise _err(path, f"{where}.op", f"op must be one of {', '.join(JSON_OPS)}")
    if kind == "results_differ":
        check["min_distinct"] = int(raw.get("min_distinct", 2))
    if kind == "differs_only_in":
        fields = _typed(path, f"{where}.fields", raw["fields"], list, "a list of manifest fields (dotted paths)")
        if not fields or not all(isinstance(f, str) and f for f in fields):
            raise _err(path, f"{where}.fields", "name at least one manifest field, as a dotted path like 'sampling_config.n_used'")
    return check


def _check_field(path: Path, i: int, raw: Any) -> dict[str, Any]:
    where = f"stages.reflect.fields[{i}]"
    _typed(path, where, raw, dict, "a table")
    _unknown_keys(path, where, raw, {"key", "points", "feedback", "name", "tolerance", "leaves", *FIELD_CHECKS})
    if "key" not in raw:
        raise _err(path, f"{where}.key", "missing key 'key' (the answer's name in REFLECT.md)")
    kinds = [k for k in FIELD_CHECKS if k in raw]
    if len(kinds) != 1:
        raise _err(path, where, f"each field has exactly one of {', '.join(FIELD_CHECKS)}; found {len(kinds)}")
    check = dict(raw)
    check["kind"] = kinds[0]
    check["points"] = _points(path, f"{where}.points", raw.get("points", 1))
    spec = raw[kinds[0]]
    if kinds[0] == "equals_json":
        _typed(path, f"{where}.equals_json", spec, dict, "a table {file, pointer[, tolerance]}")
        for key in ("file", "pointer"):
            if key not in spec:
                raise _err(path, f"{where}.equals_json.{key}", f"missing key '{key}'")
        _rel_path(path, f"{where}.equals_json.file", spec["file"])
    elif kinds[0] == "equals_manifest_diff":
        _typed(path, f"{where}.equals_manifest_diff", spec, list, "a list of 2 run folders")
        if len(spec) != 2:
            raise _err(path, f"{where}.equals_manifest_diff", "name exactly 2 run folders")
        _typed(path, f"{where}.leaves", raw.get("leaves", False), bool, "true or false")
    elif "leaves" in raw:
        raise _err(path, f"{where}.leaves", "'leaves' applies to equals_manifest_diff only")
    elif kinds[0] == "equals_sha256":
        file = spec.get("file") if isinstance(spec, dict) else spec
        check["equals_sha256"] = {"file": _rel_path(path, f"{where}.equals_sha256", file)}
    elif kinds[0] == "one_of":
        _typed(path, f"{where}.one_of", spec, list, "a list of accepted answers")
    elif kinds[0] == "log_signs":
        _typed(path, f"{where}.log_signs", spec, dict, "a table {file, steps = [first, last], of}")
        _unknown_keys(path, f"{where}.log_signs", spec, {"file", "steps", "of"})
        _rel_path(path, f"{where}.log_signs.file", spec.get("file"))
        steps = spec.get("steps")
        if not (isinstance(steps, list) and len(steps) == 2 and all(isinstance(s, int) and not isinstance(s, bool) for s in steps)
                and 1 <= steps[0] <= steps[1]):
            raise _err(path, f"{where}.log_signs.steps", "steps is [first, last], two step numbers with 1 <= first <= last")
        if spec.get("of") not in LOG_SIGNS_OF:
            raise _err(path, f"{where}.log_signs.of", f"of must be one of {', '.join(LOG_SIGNS_OF)}")
    return check


def _check_prose(path: Path, i: int, raw: Any) -> dict[str, Any]:
    where = f"stages.reflect.prose[{i}]"
    _typed(path, where, raw, dict, "a table")
    _unknown_keys(path, where, raw, {"key", "points", "min_words", "feedback", "name"})
    if "key" not in raw:
        raise _err(path, f"{where}.key", "missing key 'key' (the '## key' heading in REFLECT.md)")
    check = dict(raw)
    check["points"] = _points(path, f"{where}.points", raw.get("points", 1))
    check["min_words"] = int(_typed(path, f"{where}.min_words", raw.get("min_words", 1), int, "a word count"))
    return check


def _stage(path: Path, name: str, raw: Any) -> Stage:
    where = f"stages.{name}"
    _typed(path, where, raw, dict, "a table")
    allowed = {
        "build": {"points", "tests", "hidden_tests"},
        "sabotage": {"points", "checks"},
        "reflect": {"points", "fields", "prose"},
        "repair": {"points", "tests", "hidden_tests", "lock_points", "student_tests"},
    }[name]
    _unknown_keys(path, where, raw, allowed)
    if "points" not in raw:
        raise _err(path, f"{where}.points", "every stage states its points")
    stage = Stage(name=name, points=_points(path, f"{where}.points", raw["points"]))
    for key in ("tests", "hidden_tests"):
        items = _typed(path, f"{where}.{key}", raw.get(key, []), list, "a list of test files")
        setattr(stage, key, [_rel_path(path, f"{where}.{key}[{j}]", t) for j, t in enumerate(items)])
    stage.checks = [_check_evidence(path, i, c) for i, c in enumerate(raw.get("checks", []))]
    stage.fields = [_check_field(path, i, c) for i, c in enumerate(raw.get("fields", []))]
    stage.prose = [_check_prose(path, i, c) for i, c in enumerate(raw.get("prose", []))]
    if name == "repair":
        stage.lock_points = _points(path, f"{where}.lock_points", raw.get("lock_points", 0))
        if stage.lock_points > stage.points:
            raise _err(path, f"{where}.lock_points", "lock_points cannot exceed the stage's points")
        if "student_tests" in raw:
            stage.student_tests = _rel_path(path, f"{where}.student_tests", raw["student_tests"])
        if stage.lock_points and not stage.student_tests:
            raise _err(path, f"{where}.student_tests", "lock_points need student_tests (e.g. tests/test_regression.py)")
    ids = [c["id"] for c in stage.checks] + [f["key"] for f in stage.fields] + [p["key"] for p in stage.prose]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise _err(path, where, f"duplicate check id/key: {', '.join(dupes)}")
    return stage


def load_exercise(folder: str | Path) -> Exercise:
    """Read and validate ``<folder>/exercise.toml``."""
    folder = Path(folder)
    path = folder / "exercise.toml"
    if not path.is_file():
        raise UserError("exercise.toml is missing", path=path, hint="every exercise folder holds one (docs/exercise_contract.md)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"exercise.toml is not valid TOML: {exc}", path=path) from None
    for key in ("id", "title", "loop", "module", "student_files"):
        if key not in raw:
            raise _err(path, key, f"missing key '{key}'")
    ex_id = _typed(path, "id", raw["id"], str, "a string")
    if not ID_RE.match(ex_id):
        raise _err(path, "id", f"{ex_id!r} is not lower_snake_case")
    if ex_id != folder.name:
        raise _err(path, "id", f"id {ex_id!r} differs from its folder name {folder.name!r}")
    if raw["loop"] not in ("A", "B", "C"):
        raise _err(path, "loop", "loop is one of A, B, C")
    module = _typed(path, "module", raw["module"], str, "a module name")
    if not MODULE_RE.match(module):
        raise _err(path, "module", f"{module!r} is not a Python module name")
    files = _typed(path, "student_files", raw["student_files"], list, "a list of paths")
    student_files = [_rel_path(path, f"student_files[{i}]", f) for i, f in enumerate(files)]
    if f"{module}.py" not in student_files:
        raise _err(path, "student_files", f"student_files must list the module under test, {module}.py")
    limits_raw = _typed(path, "limits", raw.get("limits", {}), dict, "a table")
    _unknown_keys(path, "limits", limits_raw, set(Limits().as_dict()))
    for key, value in limits_raw.items():
        _typed(path, f"limits.{key}", value, (int, float), "a positive number")
        if value <= 0:
            raise _err(path, f"limits.{key}", "limits are positive")
    limits = Limits.from_dict(
        {k: (int(v) if k in ("cpu_s", "memory_mb", "max_processes", "max_disk_mb") else float(v)) for k, v in limits_raw.items()}
    )
    stages_raw = _typed(path, "stages", raw.get("stages", {}), dict, "a table of stages")
    _unknown_keys(path, "stages", stages_raw, set(STAGES))
    stages = {name: _stage(path, name, stages_raw[name]) for name in STAGES if name in stages_raw}
    order = raw.get("order", 0)
    _typed(path, "order", order, int, "an integer")
    forbidden = _typed(path, "forbidden_imports", raw.get("forbidden_imports", []), list, "a list of module names")
    for i, name in enumerate(forbidden):
        if not (isinstance(name, str) and all(MODULE_RE.match(part) for part in name.split("."))):
            raise _err(path, f"forbidden_imports[{i}]", f"{name!r} is not a dotted module name")
    return Exercise(
        id=ex_id,
        title=_typed(path, "title", raw["title"], str, "a string"),
        loop=raw["loop"],
        order=order,
        module=module,
        student_files=student_files,
        limits=limits,
        stages=stages,
        folder=folder,
        forbidden_imports=list(forbidden),
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
