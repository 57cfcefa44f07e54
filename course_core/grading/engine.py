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

A stage is worth its exercise.toml points, split into pools (:meth:`Stage.pools`: visible
tests, hidden tests, public and hidden chaffs); each pool's points are shared by its checks'
weights, and nothing is rescaled. What only the instructors' files can grade (hidden tests and
chaffs, the answer key) shows at home as a ``staff`` check with its points, counted in
``staff_points``, never as points earned here.
With ``jobs > 1`` each exercise of each submission is graded in a process of a pool; one
submission's disaster (or a grader fault while grading it) affects only that submission.
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
from course_core.grading.testsets import checks_from_results, grade_flags, prepare_groups, run_groups

PROSE_CHARS = 20_000


@dataclass
class Options:
    exercises_root: str
    solutions_root: str | None = None  # wheats, chaffs, answer keys (and hidden tests unless hidden_root)
    hidden_root: str | None = None  # laid out like solutions/: <root>/<id>/hidden/...
    exercise_ids: list[str] = field(default_factory=list)
    jobs: int = 1
    stages: list[str] = field(default_factory=list)  # grade only these stages (default: all)


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


def check_command(exercise: Exercise, check_id: str) -> str:
    """The command that grades one check again from the kit's root and exits 1 while it does not pass."""
    return f"python -m course.grade{grade_flags(exercise)} --check {check_id}"


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
            "visibility": "visible", "feedback": feedback, "command": check_command(exercise, f"{exercise.id}.sabotage.{spec['id']}"),
            "pool": "main", "stage": "sabotage",
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
            "visibility": "visible", "feedback": feedback, "command": check_command(exercise, f"{exercise.id}.reflect.{spec['key']}"),
            "pool": "main", "stage": "reflect",
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
            "visibility": "visible", "feedback": feedback, "command": check_command(exercise, f"{exercise.id}.reflect.prose.{spec['key']}"),
            "pool": "main", "stage": "reflect",
        })
        if reflection.problem is None:
            prose.append({"submission": label, "exercise": exercise.id, "key": spec["key"], "words": words, "text": text[:PROSE_CHARS]})
    return checks, prose


def _lock_checks(exercise: Exercise, staged: Staged, solutions: Path | None, module_is_wheat: bool, repair_tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
    # a module the reference shows wrong loses what one Repair test is worth (the heaviest), in the tests' pool
    pool = "tests" if st.pools()["tests"] > 0 else "hidden"
    weight = max((c["raw"] for c in repair_tests if c["pool"] == pool), default=1.0)
    for c in checks:
        c["stage"] = "repair"
        if c["pool"] == "module":
            c["pool"], c["raw"] = pool, weight
    return checks


STAFF = "staff"  # graded where the instructors' files are (hidden tests and chaffs, the answer key): shown, not counted here
STAFF_NAMES = {
    ("build", "hidden"): "hidden build tests",
    ("repair", "hidden"): "hidden repair tests",
    ("repair", "lock_hidden"): "your tests catch the hidden wrong versions",
}


def _placeholder(ex_id: str, stage_name: str, pool: str, points: float, at_home: bool) -> dict[str, Any]:
    """A pool with points but no checks: graded by staff (at home), or a grader problem (with solutions)."""
    name = STAFF_NAMES.get((stage_name, pool), f"{stage_name} {pool}")
    if at_home:
        return {
            "id": f"{ex_id}.{stage_name}.{pool}", "name": name, "raw": 1.0, "fraction": 0.0, "status": STAFF, "visibility": "hidden",
            "feedback": f"graded by staff: {points:g} points, with the instructors' files (not part of the student copy)",
            "command": None, "pool": pool,
        }
    return {
        "id": f"{ex_id}.{stage_name}.{pool}", "name": name, "raw": 1.0, "fraction": 0.0, "status": "error", "visibility": "hidden",
        "feedback": "the grader found none of these checks (a grader problem, not your code; tell your instructor)",
        "command": None, "pool": pool,
    }


def _score_stage(ex_id: str, stage_name: str, pools: dict[str, float], raw: list[dict[str, Any]], at_home: dict[str, bool], problems: list[str]) -> dict[str, Any]:
    """Raw checks → the report's stage. Each pool's integer points (exercise.toml) are shared by its checks' weights;
    a staff check keeps its share and counts as "graded by staff". Nothing is rescaled: the stage is worth its points."""
    score = staff = 0.0
    for pool, pool_points in pools.items():
        members = [c for c in raw if c["pool"] == pool]
        if not members and pool_points > 0:
            home = at_home.get(pool, False)
            if not home:
                problems.append(f"{ex_id}: no {stage_name} checks in pool '{pool}' ({pool_points:g} points)")
            members = [_placeholder(ex_id, stage_name, pool, pool_points, home)]
            raw.append(members[0])
        total = sum(c["raw"] for c in members)
        factor = pool_points / total if total > 0 else 0.0
        for c in members:
            if c["status"] == "pending_key":
                c["status"] = STAFF
            c["_max"] = c["raw"] * factor
            c["_points"] = 0.0 if c["status"] == STAFF else c["_max"] * c["fraction"]
            score += c["_points"]
            staff += c["_max"] if c["status"] == STAFF else 0.0
    checks = [{
        "id": c["id"], "name": c["name"], "points": round(c["_points"], 6), "max_points": round(c["_max"], 6),
        "status": c["status"], "visibility": c["visibility"], "feedback": c["feedback"], "command": c["command"],
    } for c in raw]
    max_score = sum(pools.values())
    return {"stage": stage_name, "score": round(min(score, max_score), 6), "max_score": max_score, "staff_points": round(staff, 6), "checks": checks}


def grade_exercise(exercise: Exercise, staged: Staged, opts: Options, work: Path, label: str, problems: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report entry for one exercise of one (already staged) submission, and its prose."""
    solutions = _solutions_for(opts.solutions_root, exercise.id)
    hidden = _solutions_for(opts.hidden_root or opts.solutions_root, exercise.id)
    run_dir = work / "run" / exercise.id
    run_dir.mkdir(parents=True)
    wanted = [n for n in exercise.stages if not opts.stages or n in opts.stages]
    groups = prepare_groups(exercise, hidden, run_dir, problems) if {"build", "repair"} & set(wanted) else []
    test_checks: list[dict[str, Any]] = []
    if groups:
        results, failure = run_groups(exercise, staged, groups, run_dir)
        test_checks = checks_from_results(exercise, groups, results, failure, problems)
    tests_ran = [c for c in test_checks if c["status"] != "not_run"]
    module_is_wheat = bool(tests_ran) and all(c["status"] == "passed" for c in tests_ran)
    reflect_checks, prose = _reflect_checks(exercise, staged, solutions, label) if "reflect" in wanted else ([], [])
    home = {"hidden": hidden is None, "lock_hidden": solutions is None}
    stages = []
    for name, st in exercise.stages.items():
        if name not in wanted:
            continue
        if name in ("build", "repair"):
            raw = [c for c in test_checks if c["stage"] == name]
            if name == "repair":
                raw += _lock_checks(exercise, staged, solutions, module_is_wheat, raw)
        elif name == "sabotage":
            raw = _evidence_checks(exercise, staged)
        else:
            raw = reflect_checks
        stages.append(_score_stage(exercise.id, name, st.pools(), raw, home, problems))
    entry = {
        "id": exercise.id, "title": exercise.title, "loop": exercise.loop,
        "score": round(sum(s["score"] for s in stages), 6), "max_score": sum(s["max_score"] for s in stages),
        "staff_points": round(sum(s["staff_points"] for s in stages), 6), "stages": stages,
    }
    return entry, prose


def stages_for(check_ids: list[str], exercises: list[Exercise]) -> tuple[list[str], list[str]]:
    """(exercise ids, stages) that grading ``check_ids`` needs; an id that names no exercise and stage is a UserError.

    The lock reads the Build and Repair tests' verdicts, so a Repair check grades Build too.
    """
    from course_core.errors import did_you_mean

    by_id = {e.id: e for e in exercises}
    ex_ids: list[str] = []
    stages: set[str] = set()
    for check_id in check_ids:
        ex_id, _, rest = check_id.partition(".")
        stage = rest.partition(".")[0]
        if ex_id not in by_id or stage not in by_id[ex_id].stages:
            known = [f"{e.id}.{n}" for e in exercises for n in e.stages]
            raise UserError(f"'{check_id}' names no exercise and stage", field="--check",
                            hint=did_you_mean(f"{ex_id}.{stage}", known, "check ids are <exercise>.<stage>.<check>, as report.json lists them"))
        ex_ids.append(ex_id)
        stages |= {"build", "repair"} if stage in ("build", "repair") else {stage}
    return list(dict.fromkeys(ex_ids)), sorted(stages)


def named_checks(report: dict[str, Any], check_ids: list[str]) -> list[dict[str, Any]]:
    """Each named check of a one-submission report; an id that is not there is a UserError."""
    from course_core.errors import did_you_mean

    found = {c["id"]: c for e in report["submissions"][0]["exercises"] for s in e["stages"] for c in s["checks"]}
    for check_id in check_ids:
        if check_id not in found:
            raise UserError(f"no check '{check_id}' in this grade run", field="--check", hint=did_you_mean(check_id, sorted(found)))
    return [found[i] for i in check_ids]


def _errored_exercise(exercise: Exercise, message: str) -> dict[str, Any]:
    stages = []
    for name, st in exercise.stages.items():
        check = {
            "id": f"{exercise.id}.{name}.grader", "name": "grading of this stage", "points": 0.0, "max_points": st.points,
            "status": "error", "visibility": "visible", "command": f"python -m course.grade{grade_flags(exercise)} --exercise {exercise.id}",
            "feedback": "the grader failed on this exercise (a grader problem, not your code; tell your instructor)",
        }
        stages.append({"stage": name, "score": 0.0, "max_score": st.points, "staff_points": 0.0, "checks": [check]})
    return {"id": exercise.id, "title": exercise.title, "loop": exercise.loop, "score": 0.0,
            "max_score": sum(s["max_score"] for s in stages), "staff_points": 0.0, "stages": stages}


# --- one submission ---------------------------------------------------------------------------


Part = tuple[dict[str, Any], list[dict[str, Any]], list[str]]  # (exercise entry, prose, problems)


def stage_every_exercise(path: str | None, exercises: list[Exercise], work: Path) -> dict[str, Staged]:
    """Every exercise's student files of one submission, copied before anything reads any of them."""
    return {e.id: stage_all(path, e, work / e.id / "stage" / e.id) for e in exercises}


def grade_staged(exercise: Exercise, staged: Staged, opts: Options, work: Path, label: str) -> Part:
    """One exercise of one (staged) submission; a grader fault is contained to it."""
    problems: list[str] = []
    try:
        entry, prose = grade_exercise(exercise, staged, opts, work / exercise.id, label, problems)
    except Exception as exc:  # a grader fault: contained to this exercise of this submission
        problems.append(f"{label} / {exercise.id}: grader error: {type(exc).__name__}: {exc}")
        entry, prose = _errored_exercise(exercise, str(exc)), []
    return entry, prose, problems


def _submission(label: str, path: str | None, parts: list[Part]) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    submission = totals(label, "." if path is None else str(path), [entry for entry, _, _ in parts])
    prose = [p for _, more, _ in parts for p in more]
    problems = [p for _, _, found in parts for p in found]
    return clean_tree(submission), clean_tree(prose), [clean(f"{label}: {p}" if not p.startswith(label) else p) for p in problems]


def grade_submission(label: str, path: str | None, opts: Options) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """(submission entry, prose, problems) for one submission; ``path`` None = the working copy."""
    exercises = discover(opts.exercises_root, opts.exercise_ids)
    work = Path(tempfile.mkdtemp(prefix="rlf-grade-"))
    try:
        staged = stage_every_exercise(path, exercises, work)
        parts = [grade_staged(exercise, staged[exercise.id], opts, work, label) for exercise in exercises]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _submission(label, path, parts)


def totals(label: str, path: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """One submission's entry: its exercises, and what they add up to (percent of the points graded here)."""
    score = round(sum(e["score"] for e in entries), 6)
    max_score = sum(e["max_score"] for e in entries)
    staff = round(sum(e["staff_points"] for e in entries), 6)
    here = max_score - staff
    return {
        "submission": label, "path": path, "score": score, "max_score": max_score, "staff_points": staff,
        "percent": round(100.0 * score / here, 4) if here > 0 else 0.0, "exercises": entries,
    }


def stage_all(path: str | None, exercise: Exercise, dest: Path) -> Staged:
    """The working copy's exercise folder, or the submission's, staged into ``dest``."""
    if path is None:
        return stage(exercise.folder, exercise, dest)
    return stage_submission(Path(path), exercise, dest)


def _grade_in_child(exercise: Exercise, staged: Staged, opts_dict: dict[str, Any], work: str, label: str) -> Part:
    from course_core.grading.sandbox import make_undumpable

    make_undumpable()
    return grade_staged(exercise, staged, Options(**opts_dict), Path(work), label)


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
    from course_core.grading.sandbox import ISOLATION_ENV, KITLIB_ENV, isolation, kit_libraries_env, kit_library, make_undumpable

    make_undumpable()  # same-uid workers cannot read this process's cwd, environment or memory

    exercises = discover(opts.exercises_root, opts.exercise_ids)  # fail fast on a bad id or toml
    if not exercises:
        raise UserError("no exercises to grade", path=opts.exercises_root, hint="exercise folders hold an exercise.toml")
    if submissions:
        check_submissions(submissions)
    os.environ[ISOLATION_ENV] = isolation().mode  # probed once; children inherit the answer
    for exercise in exercises:  # made once here, for every sandbox of every process below
        kit_library(tuple(exercise.forbidden_imports))
    os.environ[KITLIB_ENV] = kit_libraries_env()
    protect(exercises, opts.solutions_root, opts.hidden_root)
    jobs_in = [("working copy", None)] if not submissions else list(zip(labels_for(submissions), submissions))
    results: dict[int, tuple[dict[str, Any], list[dict[str, Any]], list[str]]] = {}
    if opts.jobs > 1 and len(jobs_in) * len(exercises) > 1:
        results = _grade_in_parallel(jobs_in, exercises, opts, on_done)
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
        c["visibility"] == "hidden" and ".lock." not in c["id"] and c["status"] != STAFF
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


def _grade_in_parallel(jobs_in: list[tuple[str, str | None]], exercises: list[Exercise], opts: Options,
                       on_done: Callable[[str], None] | None) -> dict[int, tuple[dict[str, Any], list[dict[str, Any]], list[str]]]:
    """Each exercise of each submission in a process of a pool of ``opts.jobs``: one student's
    eight exercises use every core too. A submission is staged whole before any of it is graded;
    a grader fault costs only its exercise (a pool process that dies breaks the pool: what was
    still to grade is then reported as a grader error)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: dict[int, tuple[dict[str, Any], list[dict[str, Any]], list[str]]] = {}
    parts: dict[int, dict[int, Part]] = {}
    works: dict[int, Path] = {}
    ctx = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=min(opts.jobs, len(jobs_in) * len(exercises)), mp_context=ctx) as pool:
            futures = {}
            for i, (label, path) in enumerate(jobs_in):
                works[i] = Path(tempfile.mkdtemp(prefix="rlf-grade-"))
                try:
                    staged = stage_every_exercise(path, exercises, works[i])
                except Exception as exc:  # noqa: BLE001 - only this submission is affected
                    results[i] = _failed_submission(jobs_in[i], exercises, f"grader error: {type(exc).__name__}: {exc}")
                    if on_done:
                        on_done(label)
                    continue
                parts[i] = {}
                for k, exercise in enumerate(exercises):
                    futures[pool.submit(_grade_in_child, exercise, staged[exercise.id], asdict(opts), str(works[i]), label)] = (i, k)
            for future in as_completed(futures):
                i, k = futures[future]
                try:
                    parts[i][k] = future.result()
                except Exception as exc:  # its process died (and with it the pool): this exercise is a grader error
                    label = jobs_in[i][0]
                    message = f"grader process failed: {type(exc).__name__}: {exc}"
                    parts[i][k] = (_errored_exercise(exercises[k], message), [], [f"{label} / {exercises[k].id}: {message}"])
                if len(parts[i]) == len(exercises):
                    results[i] = _submission(*jobs_in[i], [parts[i][n] for n in range(len(exercises))])
                    shutil.rmtree(works.pop(i), ignore_errors=True)
                    if on_done:
                        on_done(jobs_in[i][0])
    finally:
        for work in works.values():
            shutil.rmtree(work, ignore_errors=True)
    return results


def _failed_submission(job: tuple[str, str | None], exercises: list[Exercise], message: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    label, path = job
    entries = [_errored_exercise(e, message) for e in exercises]
    return totals(label, "." if path is None else str(path), entries), [], [f"{label}: {message}"]


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
