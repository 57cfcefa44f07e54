"""The grading engine: per submission, per exercise, per stage, per check.

For each submission (the working copy, or ``--submission PATH``), each exercise is staged
(only its ``student_files``, into a private directory), then:

* Build / Repair tests — the kit's test files (and hidden tests, when present) are copied to
  a private directory and run by the trusted runner (:mod:`course_core.grading.testrun`),
  whose ``student`` fixture talks to a sandboxed worker;
* Sabotage — evidence checks (:mod:`course_core.grading.evidence`), in this process;
* Reflect — REFLECT.md answers and prose (:mod:`course_core.grading.reflect`);
* Lock — the student's regression tests against wheats and chaffs, in the sandbox
  (:mod:`course_core.grading.lock`).

Stage score = stage points × earned / possible, per pool of checks (Repair has two pools:
its tests, and the lock's ``lock_points``). ``pending_key`` checks count neither way.
Submissions are graded in parallel processes with ``jobs > 1``; one submission's disaster
(or a grader fault while grading it) affects only that submission.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from course_core import __version__
from course_core.errors import UserError
from course_core.grading import evidence, lock, reflect
from course_core.grading.exercise import Exercise, discover
from course_core.grading.safetext import clean, clean_tree
from course_core.grading.staging import Staged, stage, stage_submission
from course_core.grading.testsets import checks_from_results, prepare_groups, run_groups

PROSE_CHARS = 20_000


@dataclass
class Options:
    exercises_root: str
    solutions_root: str | None = None  # wheats, chaffs, answer keys (and hidden tests unless hidden_root)
    hidden_root: str | None = None  # laid out like solutions/: <root>/<id>/hidden/...
    exercise_ids: list[str] = field(default_factory=list)
    jobs: int = 1


@dataclass
class Outcome:
    report: dict[str, Any]
    problems: list[str]  # grader-side faults: grading is incomplete where these occurred


# --- one exercise -----------------------------------------------------------------------------


def _solutions_for(root: str | None, ex_id: str) -> Path | None:
    if not root:
        return None
    folder = Path(root) / ex_id
    return folder if folder.is_dir() else None


def _evidence_checks(exercise: Exercise, staged: Staged) -> list[dict[str, Any]]:
    st = exercise.stages.get("sabotage")
    out = []
    for spec in st.checks if st else []:
        verdict = evidence.evaluate(staged, spec)
        feedback = ""
        if not verdict.passed:
            parts = [spec.get("feedback", ""), verdict.detail, *staged.notes_for(*evidence.paths_of(spec))]
            feedback = "\n".join(dict.fromkeys(p for p in parts if p))
        out.append({
            "id": f"{exercise.id}.sabotage.{spec['id']}", "name": spec.get("name") or spec["id"].replace("_", " "),
            "raw": spec["points"], "fraction": 1.0 if verdict.passed else 0.0, "status": "passed" if verdict.passed else "failed",
            "visibility": "visible", "feedback": feedback, "command": None, "pool": "main", "stage": "sabotage",
        })
    return out


def _reflect_checks(exercise: Exercise, staged: Staged, solutions: Path | None, label: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    st = exercise.stages.get("reflect")
    if st is None:
        return [], []
    reflection = reflect.load(staged)
    key_file = solutions / "answers.toml" if solutions is not None else None
    checks, prose = [], []
    for spec in st.fields:
        v = reflect.check_field(staged, reflection, spec, key_file)
        feedback = v.feedback
        if v.status == "failed" and spec.get("feedback"):
            feedback = f"{spec['feedback']}\n{feedback}"
        checks.append({
            "id": f"{exercise.id}.reflect.{spec['key']}", "name": spec.get("name") or f"answer '{spec['key']}'",
            "raw": spec["points"], "fraction": 1.0 if v.status == "passed" else 0.0, "status": v.status,
            "visibility": "visible", "feedback": feedback, "command": None, "pool": "main", "stage": "reflect",
        })
    for spec in st.prose:
        text = reflection.prose.get(spec["key"], "")
        words = reflect.count_words(text)
        ok = reflection.problem is None and words >= spec["min_words"]
        if reflection.problem:
            feedback = reflection.problem
        elif spec["key"] not in reflection.prose:
            feedback = f"no '## {spec['key']}' section in REFLECT.md: write at least {spec['min_words']} words under that heading"
        else:
            feedback = "" if ok else f"{words} words under '## {spec['key']}'; at least {spec['min_words']} needed"
        checks.append({
            "id": f"{exercise.id}.reflect.prose.{spec['key']}", "name": spec.get("name") or f"prose '{spec['key']}' (≥ {spec['min_words']} words)",
            "raw": spec["points"], "fraction": 1.0 if ok else 0.0, "status": "passed" if ok else "failed",
            "visibility": "visible", "feedback": feedback, "command": None, "pool": "main", "stage": "reflect",
        })
        if reflection.problem is None:
            prose.append({"submission": label, "exercise": exercise.id, "key": spec["key"], "words": words, "text": text[:PROSE_CHARS]})
    return checks, prose


def _lock_checks(exercise: Exercise, staged: Staged, solutions: Path | None, module_is_wheat: bool) -> list[dict[str, Any]]:
    st = exercise.stages.get("repair")
    if st is None or not st.lock_points or not st.student_tests:
        return []
    tests = staged.root / st.student_tests
    note = "; ".join(staged.notes_for(st.student_tests))
    module = staged.root / exercise.module_file
    found = lock.variants(exercise, module if module_is_wheat and module.is_file() else None, solutions)
    if solutions is not None and module_is_wheat and (solutions / exercise.module_file).is_file() and module.is_file():
        if module.read_bytes() == (solutions / exercise.module_file).read_bytes():
            found = [v for v in found if v.name != "your_module"]
    checks = lock.judge(exercise, tests if tests.is_file() else None, exercise.folder / "tests" / "conftest.py", found, note)
    for c in checks:
        c["stage"] = "repair"
    return checks


def _scale(stage_name: str, points_by_pool: dict[str, float], raw: list[dict[str, Any]]) -> dict[str, Any]:
    """Raw checks → the report's stage: each pool's points shared by raw weight; pending_key counts neither way."""
    score = max_score = 0.0
    checks = []
    for pool, pool_points in points_by_pool.items():
        members = [c for c in raw if c["pool"] == pool]
        counted = [c for c in members if c["status"] != "pending_key"]
        total = sum(c["raw"] for c in counted)
        factor = pool_points / total if total > 0 else 0.0
        if total > 0:
            max_score += pool_points
        for c in members:
            max_points = c["raw"] * factor
            points = max_points * c["fraction"] if c["status"] != "pending_key" else 0.0
            if c["status"] != "pending_key":
                score += points
            c["_points"], c["_max"] = points, max_points
    for c in raw:
        checks.append({
            "id": c["id"], "name": c["name"], "points": round(c["_points"], 6), "max_points": round(c["_max"], 6),
            "status": c["status"], "visibility": c["visibility"], "feedback": c["feedback"], "command": c["command"],
        })
    return {"stage": stage_name, "score": round(min(score, max_score), 6), "max_score": round(max_score, 6), "checks": checks}


def grade_exercise(exercise: Exercise, staged: Staged, opts: Options, work: Path, label: str, problems: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report entry for one exercise of one (already staged) submission, and its prose."""
    solutions = _solutions_for(opts.solutions_root, exercise.id)
    hidden = _solutions_for(opts.hidden_root or opts.solutions_root, exercise.id)
    run_dir = work / "run" / exercise.id
    run_dir.mkdir(parents=True)
    groups = prepare_groups(exercise, hidden, run_dir, problems)
    test_checks: list[dict[str, Any]] = []
    if groups:
        results, failure = run_groups(exercise, staged, groups, run_dir)
        test_checks = checks_from_results(exercise, groups, results, failure, problems)
    tests_ran = [c for c in test_checks if c["status"] != "not_run"]
    module_is_wheat = bool(tests_ran) and all(c["status"] == "passed" for c in tests_ran)
    reflect_checks, prose = _reflect_checks(exercise, staged, solutions, label)
    stages = []
    for name, st in exercise.stages.items():
        if name == "build":
            stages.append(_scale(name, {"tests": st.points}, [c for c in test_checks if c["stage"] == "build"]))
        elif name == "sabotage":
            stages.append(_scale(name, {"main": st.points}, _evidence_checks(exercise, staged)))
        elif name == "reflect":
            stages.append(_scale(name, {"main": st.points}, reflect_checks))
        elif name == "repair":
            raw = [c for c in test_checks if c["stage"] == "repair"] + _lock_checks(exercise, staged, solutions, module_is_wheat)
            stages.append(_scale(name, {"tests": st.points - st.lock_points, "lock": st.lock_points}, raw))
    entry = {
        "id": exercise.id, "title": exercise.title, "loop": exercise.loop,
        "score": round(sum(s["score"] for s in stages), 6), "max_score": round(sum(s["max_score"] for s in stages), 6),
        "stages": stages,
    }
    return entry, prose


def _errored_exercise(exercise: Exercise, message: str) -> dict[str, Any]:
    stages = []
    for name, st in exercise.stages.items():
        check = {
            "id": f"{exercise.id}.{name}.grader", "name": "grading of this stage", "points": 0.0, "max_points": st.points,
            "status": "error", "visibility": "visible", "command": None,
            "feedback": "the grader failed on this exercise (a grader problem, not your code; tell your instructor)",
        }
        stages.append({"stage": name, "score": 0.0, "max_score": st.points, "checks": [check]})
    return {"id": exercise.id, "title": exercise.title, "loop": exercise.loop, "score": 0.0,
            "max_score": sum(s["max_score"] for s in stages), "stages": stages}


# --- one submission ---------------------------------------------------------------------------


def grade_submission(label: str, path: str | None, opts: Options) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """(submission entry, prose, problems) for one submission; ``path`` None = the working copy."""
    exercises = discover(opts.exercises_root, opts.exercise_ids)
    problems: list[str] = []
    prose: list[dict[str, Any]] = []
    entries = []
    work = Path(tempfile.mkdtemp(prefix="rlf-grade-"))
    try:
        # every exercise's student files are copied before anything reads any of them
        staged = {e.id: stage_all(path, e, work / e.id / "stage" / e.id) for e in exercises}
        for exercise in exercises:
            try:
                entry, more = grade_exercise(exercise, staged[exercise.id], opts, work / exercise.id, label, problems)
            except Exception as exc:  # a grader fault: contained to this exercise of this submission
                problems.append(f"{label} / {exercise.id}: grader error: {type(exc).__name__}: {exc}")
                entry, more = _errored_exercise(exercise, str(exc)), []
            entries.append(entry)
            prose += more
    finally:
        shutil.rmtree(work, ignore_errors=True)
    score = round(sum(e["score"] for e in entries), 6)
    max_score = round(sum(e["max_score"] for e in entries), 6)
    submission = {
        "submission": label,
        "path": "." if path is None else str(path),
        "score": score,
        "max_score": max_score,
        "percent": round(100.0 * score / max_score, 4) if max_score else 0.0,
        "exercises": entries,
    }
    return clean_tree(submission), clean_tree(prose), [clean(f"{label}: {p}" if not p.startswith(label) else p) for p in problems]


def stage_all(path: str | None, exercise: Exercise, dest: Path) -> Staged:
    """The working copy's exercise folder, or the submission's, staged into ``dest``."""
    if path is None:
        return stage(exercise.folder, exercise, dest)
    return stage_submission(Path(path), exercise, dest)


def _grade_in_child(label: str, path: str | None, opts_dict: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    from course_core.grading.sandbox import make_undumpable

    make_undumpable()
    return grade_submission(label, path, Options(**opts_dict))


# --- many submissions -------------------------------------------------------------------------


def labels_for(paths: list[str]) -> list[str]:
    """Readable, unique labels: the folder name, suffixed when two submissions share it."""
    labels: list[str] = []
    for p in paths:
        base = re.sub(r"\s+", "_", Path(p).resolve().name) or "submission"
        label, i = base, 1
        while label in labels:
            i += 1
            label = f"{base}-{i}"
        labels.append(label)
    return labels


def protect(exercises: list[Exercise], *roots: str | None) -> None:
    """When sandboxed code runs under other uids, make each exercise's instructor-only folder
    (``<root>/<id>/``: wheat, chaffs, hidden tests, answer key) private to its owner, root.

    Only those folders, never a root given on the command line itself, and never through a symlink.
    """
    from course_core.grading.sandbox import isolation

    if not isolation().drops_uid:
        return
    for root in roots:
        for exercise in exercises if root else []:
            folder = Path(root) / exercise.id
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.geteuid():
                os.chmod(folder, 0o700)


def check_submissions(paths: list[str]) -> None:
    for p in paths:
        try:
            if not Path(p).exists():
                raise UserError("submission path does not exist", path=p, hint="pass a checkout of the kit, or a folder laid out like exercises/")
            if not Path(p).is_dir():
                raise UserError("a submission is a folder (a checkout, or a folder laid out like exercises/), not a file", path=p)
            next(Path(p).iterdir(), None)
        except PermissionError:
            raise UserError("submission folder cannot be read (permission denied)", path=p) from None


def grade(submissions: list[str] | None, opts: Options, on_done: Callable[[str], None] | None = None) -> Outcome:
    """Grade the working copy (``submissions`` None) or each submission folder; returns the report dict."""
    from course_core.artifacts.manifest import utc_now
    from course_core.grading.sandbox import ISOLATION_ENV, KITLIB_ENV, isolation, kit_library, make_undumpable

    make_undumpable()  # same-uid workers cannot read this process's cwd, environment or memory

    exercises = discover(opts.exercises_root, opts.exercise_ids)  # fail fast on a bad id or toml
    if not exercises:
        raise UserError("no exercises to grade", path=opts.exercises_root, hint="exercise folders hold an exercise.toml")
    if submissions:
        check_submissions(submissions)
    os.environ[ISOLATION_ENV] = isolation().mode  # probed once; children inherit the answer
    os.environ[KITLIB_ENV] = str(kit_library())
    protect(exercises, opts.solutions_root, opts.hidden_root)
    jobs_in = [("working copy", None)] if not submissions else list(zip(labels_for(submissions), submissions))
    results: dict[int, tuple[dict[str, Any], list[dict[str, Any]], list[str]]] = {}
    if opts.jobs > 1 and len(jobs_in) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(opts.jobs, len(jobs_in)), mp_context=ctx) as pool:
            futures = {pool.submit(_grade_in_child, label, path, asdict(opts)): i for i, (label, path) in enumerate(jobs_in)}
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as exc:  # the child process died: only this submission is affected
                    results[i] = _failed_submission(jobs_in[i], exercises, f"grader process failed: {type(exc).__name__}: {exc}")
                if on_done:
                    on_done(jobs_in[i][0])
    else:
        for i, (label, path) in enumerate(jobs_in):
            try:
                results[i] = grade_submission(label, path, opts)
            except Exception as exc:
                results[i] = _failed_submission((label, path), exercises, f"grader error: {type(exc).__name__}: {exc}")
            if on_done:
                on_done(label)
    ordered = [_writable(results[i], jobs_in[i], exercises) for i in range(len(jobs_in))]
    hidden = any(
        c["visibility"] == "hidden" and ".lock." not in c["id"]
        for sub, _, _ in ordered for e in sub["exercises"] for s in e["stages"] for c in s["checks"]
    )
    report = {
        "kind": "grade_report",
        "kit_version": __version__,
        "created_utc": utc_now(),
        "mode": "staff" if submissions else "student",
        "hidden_tests": hidden,
        "submissions": [sub for sub, _, _ in ordered],
        "prose": [p for _, prose, _ in ordered for p in prose],
        "isolation": {"mode": isolation().mode, "note": isolation().note},
    }
    return Outcome(report=report, problems=[p for _, _, probs in ordered for p in probs])


def _failed_submission(job: tuple[str, str | None], exercises: list[Exercise], message: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    label, path = job
    entries = [_errored_exercise(e, message) for e in exercises]
    max_score = sum(e["max_score"] for e in entries)
    sub = {"submission": label, "path": "." if path is None else str(path), "score": 0.0, "max_score": max_score, "percent": 0.0, "exercises": entries}
    return sub, [], [f"{label}: {message}"]


def _writable(result: tuple[dict[str, Any], list[dict[str, Any]], list[str]], job: tuple[str, str | None], exercises: list[Exercise]) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """One submission's result as the report writers need it; one that would stop them becomes an error entry.

    So a submission whose report cannot be written costs only its own report, never the class's.
    """
    from course_core.errors import ArtifactBug
    from course_core.grading.reports import validate_submission

    sub, prose, problems = result
    try:
        validate_submission(sub, prose)
    except (ArtifactBug, ValueError, TypeError, RecursionError) as exc:
        failed = _failed_submission(job, exercises, f"its report could not be written ({type(exc).__name__})")
        return failed[0], [], problems + failed[2]
    return result
