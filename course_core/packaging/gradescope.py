"""The Gradescope autograder bundle, and how a Gradescope submission is laid out for the grader.

``build_autograder_zip(root, dest)`` zips the whole kit (solutions/ and hidden tests included: the
autograder is instructor-side) with ``setup.sh`` and ``run_autograder`` from templates/gradescope/
at the root of the archive, as Gradescope requires
(https://gradescope-autograders.readthedocs.io/en/latest/specs/). Gradescope unpacks it into
/autograder/source; ``run_autograder`` stages /autograder/submission with :func:`stage_submission`,
runs ``python -m course.grade`` on it, and copies the grader's results.json to /autograder/results.
The archive is reproducible: entries sorted, timestamps fixed.
"""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from course_core.artifacts.atomic import atomic_path
from course_core.errors import UserError
from course_core.packaging.kitfiles import git_modified, kit_files
from course_core.paths import KIT_ROOT

TEMPLATES = "templates/gradescope"
SCRIPTS = ("setup.sh", "run_autograder")
REQUIREMENTS = "requirements-autograder.txt"
GRADE_ARGS = "grade-args"  # extra course.grade arguments, one per line, read by run_autograder
BUNDLE_EXCLUDE = (".github/**",)  # nothing secret is left out: this bundle never reaches students
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
IGNORED_TOP_LEVEL = ("__MACOSX", ".git")


@dataclass
class Bundle:
    """The archive written, how many kit files it holds, and whether they came from git or the tree."""

    path: Path
    files: int
    source: str
    exercises: list[str]
    uncommitted: list[str]  # bundled files whose content differs from HEAD


def grader_requirements(root: Path) -> list[str]:
    """The ``test`` dependency group of pyproject.toml: what the grader runs tests with."""
    from course_core.grading.exercise import tomllib  # the stdlib's, or tomli on Python 3.10

    groups = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("dependency-groups", {})
    return [req for req in groups.get("test", []) if isinstance(req, str)]


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
    archive.writestr(info, data)


def build_autograder_zip(root: Path, dest: Path, exercises: Sequence[str] = ()) -> Bundle:
    """Write the Gradescope autograder archive for the kit at ``root`` to ``dest`` (atomically).

    ``exercises`` limits grading to those ids (one Gradescope assignment per exercise); empty: all.
    """
    root, dest = Path(root).resolve(), Path(dest).resolve()
    known = sorted(p.parent.name for p in (root / "exercises").glob("*/exercise.toml"))
    unknown = [ex for ex in exercises if ex not in known]
    if unknown:
        raise UserError(
            f"no exercise named {', '.join(unknown)}", field="--exercise", hint=f"exercises here: {', '.join(known) or 'none'}"
        )
    solutions = root / "solutions"
    if not solutions.is_dir() or not any(solutions.iterdir()):
        raise UserError(
            "no solutions/ here: the autograder needs the instructor kit (this looks like a student copy)",
            path=solutions,
            hint="build the bundle from the instructor repository",
        )
    for script in SCRIPTS:
        if not (root / TEMPLATES / script).is_file():
            raise UserError("Gradescope template missing", path=root / TEMPLATES / script)
    files, _, source = kit_files(root, BUNDLE_EXCLUDE)
    if not any(f.startswith("solutions/") for f in files):
        raise UserError(
            "git tracks no file under solutions/, so the bundle would grade without hidden tests",
            path=solutions,
            hint="git add and commit solutions/ first (the bundle is built from what git tracks)",
        )
    if dest.is_relative_to(root):
        files = [f for f in files if f != dest.relative_to(root).as_posix()]
    if dest.is_dir():
        raise UserError("the autograder destination is a directory; expected a .zip path", path=dest)
    requirements = "".join(f"{req}\n" for req in grader_requirements(root))

    with atomic_path(dest) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        for script in SCRIPTS:
            _add(archive, script, (root / TEMPLATES / script).read_bytes(), executable=True)
        _add(archive, REQUIREMENTS, requirements.encode(), executable=False)
        grade_args = "".join(f"--exercise\n{ex}\n" for ex in exercises)
        _add(archive, GRADE_ARGS, grade_args.encode(), executable=False)
        for rel in files:
            if rel in (*SCRIPTS, REQUIREMENTS, GRADE_ARGS):
                continue  # the root entries above win
            full = root / rel
            _add(archive, rel, full.read_bytes(), executable=os.access(full, os.X_OK))
    uncommitted = sorted(set(git_modified(root)) & set(files)) if source == "git" else []
    return Bundle(path=dest, files=len(files), source=source, exercises=list(exercises) or known, uncommitted=uncommitted)


def _submission_base(src: Path, exercise_ids: set[str]) -> tuple[Path, bool]:
    """(folder, True) if it holds exercises/; (folder, False) if it holds exercise folders directly."""
    candidates = [src]
    entries = [p for p in src.iterdir() if p.name not in IGNORED_TOP_LEVEL and not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        candidates.append(entries[0])  # a zip or GitHub download wrapped in one top-level folder
    for base in candidates:
        if (base / "exercises").is_dir() and not (base / "exercises").is_symlink():
            return base, True
    for base in candidates:
        if any((base / ex).is_dir() and not (base / ex).is_symlink() for ex in exercise_ids):
            return base, False
    raise UserError(
        "the submission holds no exercises/ folder (nor any exercise folder such as "
        + ", ".join(sorted(exercise_ids)[:3])
        + ")",
        path=src,
        hint="submit your whole repository (GitHub upload), or a zip whose top level holds exercises/",
    )


def _copy_regular(src: Path, dest: Path) -> int:
    """Copy the regular files and folders under ``src``; symlinks and special files are left behind."""
    copied = 0
    for dirpath, dirnames, filenames in os.walk(src):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not (here / d).is_symlink()]
        target = dest / here.relative_to(src)
        target.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            shutil.copyfile(path, target / name)
            copied += 1
    return copied


def stage_submission(src: Path, dest: Path, kit_root: Path) -> list[str]:
    """Lay a Gradescope submission out as the grader expects: ``dest/exercises/<id>/...``.

    Accepts a repository (``exercises/`` at the top, or inside one wrapping folder) or bare exercise
    folders. Only folders named like the kit's exercises are taken; symlinks never are.
    Returns the exercise ids found.
    """
    src, dest = Path(src), Path(dest)
    if not src.is_dir():
        raise UserError("no submission folder", path=src)
    exercise_ids = {p.name for p in (Path(kit_root) / "exercises").iterdir() if (p / "exercise.toml").is_file()}
    base, nested = _submission_base(src, exercise_ids)
    folder = base / "exercises" if nested else base
    found = []
    for ex in sorted(exercise_ids):
        path = folder / ex
        if path.is_dir() and not path.is_symlink():
            _copy_regular(path, dest / "exercises" / ex)
            found.append(ex)
    (dest / "exercises").mkdir(parents=True, exist_ok=True)
    return found


def stage_main(argv: Sequence[str]) -> int:
    """``run_autograder``'s staging step: SRC DEST [KIT_ROOT]; a UserError becomes one line on stderr, exit 2."""
    src, dest = Path(argv[0]), Path(argv[1])
    kit_root = Path(argv[2]) if len(argv) > 2 else KIT_ROOT
    try:
        found = stage_submission(src, dest, kit_root)
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    print(f"staged {len(found)} exercise folder(s) from {src}: {', '.join(found) or 'none'}")
    return 0
