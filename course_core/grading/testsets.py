"""Build and Repair tests: the kit's test files (and hidden tests) run by the trusted runner.

For one submission's exercise: copy the kit's test folders into a private directory (minus
student-owned files and unlisted test files, plus the kit's conftest), run
``python -m course_core.grading.testrun`` there with a wall-clock budget, and turn its results
into the report's checks, with a command that reproduces each visible one.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path
from typing import Any

from course_core.grading import trusted
from course_core.grading.exercise import Exercise
from course_core.grading.staging import Staged
from course_core.paths import KIT_ROOT


def human_name(name: str, doc: str) -> str:
    if doc:
        return doc.rstrip(".")
    base, _, param = name.partition("[")
    text = base.removeprefix("test_").replace("_", " ")
    return f"{text} [{param}" if param else text


def display_folder(exercise: Exercise) -> str:
    """The exercise folder as a student types it from the kit's root."""
    try:
        return exercise.folder.resolve().relative_to(KIT_ROOT).as_posix()
    except ValueError:
        return f"exercises/{exercise.id}"


def grade_flags(exercise: Exercise) -> str:
    """What ``python -m course.grade`` needs to find this exercise: nothing for the kit's own exercises/."""
    root = exercise.folder.resolve().parent
    if root == (KIT_ROOT / "exercises").resolve():
        return ""
    return " --exercises-root " + shlex.quote(str(Path(display_folder(exercise)).parent))


def _copy_group(src_dir: Path, dest: Path, keep_tests: set[str], exclude: set[str], conftest: Path) -> None:
    """The kit's test folder minus other test files and student-owned files; the kit's conftest always."""
    dest.mkdir(parents=True)
    for entry in sorted(src_dir.iterdir()):
        if entry.is_symlink() or not entry.is_file() or entry.name in exclude:
            continue
        if entry.name.startswith("test_") and entry.suffix == ".py" and entry.name not in keep_tests:
            continue
        shutil.copyfile(entry, dest / entry.name)
    if not (dest / "conftest.py").is_file():
        shutil.copyfile(conftest, dest / "conftest.py")


def prepare_groups(exercise: Exercise, hidden_dir: Path | None, run_dir: Path, problems: list[str]) -> list[dict[str, Any]]:
    conftest = exercise.folder / "tests" / "conftest.py"
    student_owned = {Path(f).name for f in exercise.student_files if f.startswith("tests/")}
    groups: list[dict[str, Any]] = []
    for stage_name in ("build", "repair"):
        st = exercise.stages.get(stage_name)
        if st is None:
            continue
        for visibility, files, base in (("visible", st.tests, exercise.folder), ("hidden", st.hidden_tests, hidden_dir)):
            if base is None or not files:
                continue
            by_parent: dict[str, set[str]] = {}
            for rel in files:
                if not (base / rel).is_file():
                    problems.append(f"{exercise.id}: {visibility} test file {rel} is missing from the kit")
                    continue
                parent = str(Path(rel).parent)
                by_parent.setdefault(parent, set()).add(Path(rel).name)
            for i, (parent, names) in enumerate(sorted(by_parent.items())):
                name = f"{stage_name}_{visibility}_{i}"
                gdir = run_dir / "tests" / name
                exclude = student_owned if visibility == "visible" else set()
                _copy_group(base / parent, gdir, names, exclude, conftest)
                origin = f"{display_folder(exercise)}/{parent}" if visibility == "visible" else None
                groups.append({"name": name, "path": str(gdir), "stage": stage_name, "visibility": visibility, "origin": origin})
    return groups


def trusted_env(config_path: Path, run_dir: Path) -> dict[str, str]:
    """The environment of a trusted grader process (the test runner, the replay) that starts sandboxes."""
    from course_core.grading.sandbox import ISOLATION_ENV, KITLIB_ENV, isolation, kit_libraries_env, machine_env

    return machine_env() | {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8",
        "HOME": str(run_dir),
        "PYTHONPATH": str(KIT_ROOT),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "NO_COLOR": "1",
        "OPENBLAS_NUM_THREADS": "1",  # as in the sandboxes (and course/__init__.py): no spinning BLAS threads
        "RLF_GRADER_CONFIG": str(config_path),
        KITLIB_ENV: kit_libraries_env(),
        ISOLATION_ENV: isolation().mode,
    }


def runner_config(exercise: Exercise, module: Path, hidden_dirs: list[Path], missing: str | None = None) -> dict[str, Any]:
    """What the ``student`` fixture of a trusted test run reads ($RLF_GRADER_CONFIG): the module
    under test, its sandbox's limits and imports, and which test folders are hidden (their own sandbox)."""
    return {
        "module": exercise.module, "module_path": str(module), "limits": exercise.limits.as_dict(), "missing": missing,
        "forbidden": exercise.forbidden_imports, "preload": exercise.preload,
        "hidden_dirs": [str(d) for d in hidden_dirs],
    }


def run_groups(exercise: Exercise, staged: Staged, groups: list[dict[str, Any]], run_dir: Path) -> tuple[dict[str, Any] | None, str]:
    """Run the trusted test runner; (results, "") or (None, what went wrong)."""
    module = staged.root / exercise.module_file
    missing = None
    if not module.is_file():
        notes = staged.notes_for(exercise.module_file)
        missing = notes[0] if notes else f"{exercise.module_file} is not in your submission"
    config = runner_config(exercise, module, [Path(g["path"]) for g in groups if g["visibility"] == "hidden"], missing)
    config_path = run_dir / "config.json"
    config_path.write_text(json.dumps(config, ensure_ascii=True), encoding="utf-8")
    spec = {"groups": groups, "rootdir": str(run_dir / "tests"), "basetemp": str(run_dir / "basetemp"), "results": str(run_dir / "results.json")}
    spec_path = run_dir / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    n_tests = sum(len(list(Path(g["path"]).glob("test_*.py"))) for g in groups) * 40
    budget = (n_tests + 4) * (exercise.limits.timeout_s + 1) + 120
    log_path = run_dir / "runner.log"
    try:
        status = trusted.run("testrun", [str(spec_path)], cwd=run_dir, env=trusted_env(config_path, run_dir), log=log_path, timeout=budget)
    except trusted.TrustedRunFailed as exc:
        return None, f"the test runner could not be started: {exc}"
    if status is None:
        return None, f"the test run took longer than {budget:g} s and was stopped"
    results = run_dir / "results.json"
    if not results.is_file():
        tail = log_path.read_bytes()[-1500:].decode("utf-8", "replace") if log_path.is_file() else ""
        return None, f"the test runner ended with status {status} without results:\n{tail}"
    return json.loads(results.read_text(encoding="utf-8")), ""


def _group_command(group: dict[str, Any]) -> str | None:
    """The visible tests of a group, run as a student runs them; None for hidden ones (graded by staff)."""
    return "python -m pytest " + shlex.quote(group["origin"]) if group["visibility"] == "visible" else None


def pool_of(group: dict[str, Any]) -> str:
    """Visible and hidden tests share separate pools of the stage's points (exercise.toml's hidden_points)."""
    return "hidden" if group["visibility"] == "hidden" else "tests"


def checks_from_results(exercise: Exercise, groups: list[dict[str, Any]], results: dict[str, Any] | None, failure: str, problems: list[str]) -> list[dict[str, Any]]:
    by_name = {g["name"]: g for g in groups}
    checks: list[dict[str, Any]] = []
    if results is None:
        problems.append(f"{exercise.id}: {failure}")
        for g in groups:
            checks.append({
                "id": f"{exercise.id}.{g['stage']}.{g['name']}", "name": f"{g['visibility']} {g['stage']} tests",
                "raw": 1.0, "fraction": 0.0, "status": "error", "visibility": g["visibility"], "pool": pool_of(g), "stage": g["stage"],
                "feedback": "the grader could not run these tests (a grader problem, not your code; tell your instructor)",
                "command": _group_command(g),
            })
        return checks
    for err in results.get("collect_errors", []):
        nodeid = err["nodeid"] or "tests"
        group = next((g for g in groups if Path(g["path"]).name in nodeid.split("/")), groups[0] if groups else None)
        if group is None:
            continue
        problems.append(f"{exercise.id}: could not collect {nodeid}: {err['error'].splitlines()[-1] if err['error'] else ''}")
        stem = Path(nodeid.split("::")[0]).stem
        checks.append({
            "id": f"{exercise.id}.{group['stage']}.{stem}", "name": f"{stem} could not be collected",
            "raw": 1.0, "fraction": 0.0, "status": "error", "visibility": group["visibility"], "pool": pool_of(group), "stage": group["stage"],
            "feedback": "these tests could not be collected (a grader problem, not your code; tell your instructor)",
            "command": _group_command(group),
        })
    seen: set[str] = set()
    for t in results["tests"]:
        g = by_name.get(t["group"])
        if g is None:
            continue
        stem = Path(t["file"]).stem
        check_id = f"{exercise.id}.{g['stage']}.{stem}.{t['name']}"
        if check_id in seen:
            check_id += f"#{g['name']}"
        seen.add(check_id)
        passed = t["outcome"] == "passed"
        command = None
        if g["visibility"] == "visible":
            command = "python -m pytest " + shlex.quote(f"{g['origin']}/{t['file']}::{t['name']}")
        checks.append({
            "id": check_id, "name": human_name(t["name"], t.get("doc", "")), "raw": float(t["points"]),
            "fraction": 1.0 if passed else 0.0, "status": t["outcome"], "visibility": g["visibility"],
            "feedback": "" if passed else t["feedback"], "command": command, "pool": pool_of(g), "stage": g["stage"],
        })
    return checks
