"""The student release: nothing instructor-only leaks (files, content, git history), and the copy still works."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git, write
from course_core.errors import UserError
from course_core.packaging.kitfiles import matches
from course_core.packaging.release import INSTRUCTOR_ONLY, MARKER, WORKFLOW_TARGET, build_release

REPO = Path(__file__).resolve().parent.parent
CANARY = "CANARY-instructor-only-7f3a9c"  # text that exists only in instructor-only files


def release_files(dest: Path) -> list[Path]:
    return sorted(p for p in dest.rglob("*") if p.is_file() and ".git" not in p.relative_to(dest).parts)


def all_git_objects(repo: Path) -> bytes:
    """Every object in the repository's database, decompressed: history included, reachable or not."""
    return subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo, capture_output=True, check=True
    ).stdout


@pytest.fixture
def toy_kit(tmp_path: Path) -> Path:
    """A small kit in git: instructor-only files carry the canary, and so does the history."""
    kit = tmp_path / "kit"
    write(kit / "README.md", "the kit\n")
    write(kit / ".gitignore", "dist/\nruns/\n")
    write(kit / "exercises/x1/mod.py", "def f():\n    raise NotImplementedError('f')\n")
    write(kit / "exercises/x1/tests/test_visible.py", "def test_f():\n    assert True\n")
    write(kit / "templates/github/workflows/grade.yml", "name: grade\n")
    write(kit / "solutions/x1/mod.py", f"def f():\n    return '{CANARY} wheat'\n")
    write(kit / "solutions/x1/hidden/test_hidden.py", f"def test_hidden():\n    assert '{CANARY}'\n")
    write(kit / "solutions/x1/answers.toml", f'secret = "{CANARY}"\n')
    write(kit / "docs/notes.instructor.md", f"{CANARY} notes\n")
    write(kit / "exercises/x1/hidden/stray_test.py", f"# {CANARY} misplaced hidden test\n")
    (kit / "exercises/x1/run.sh").write_text("#!/bin/sh\necho hi\n")
    (kit / "exercises/x1/run.sh").chmod(0o755)
    git(kit, "init", "-q")
    write(kit / "old_leak.py", f"ANSWER = '{CANARY} from an old commit'\n")
    git(kit, "add", "-A")
    git(kit, "commit", "-q", "-m", "first")
    (kit / "old_leak.py").unlink()
    git(kit, "add", "-A")
    git(kit, "commit", "-q", "-m", "second")
    write(kit / "untracked_scratch.txt", f"{CANARY} never committed\n")
    write(kit / "runs/r1/manifest.json", "{}\n")
    return kit


def test_release_keeps_public_files_and_drops_every_instructor_only_one(toy_kit: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dist/student"
    built = build_release(toy_kit, dest)
    rel = sorted(p.relative_to(dest).as_posix() for p in release_files(dest))
    assert rel == [
        ".github/workflows/grade.yml",
        ".gitignore",
        MARKER,
        "README.md",
        "exercises/x1/mod.py",
        "exercises/x1/run.sh",
        "exercises/x1/tests/test_visible.py",
        "templates/github/workflows/grade.yml",
    ]
    assert built.source == "git" and built.files == len(rel)
    assert sorted(built.excluded) == [
        "docs/notes.instructor.md",
        "exercises/x1/hidden/stray_test.py",
        "solutions/x1/answers.toml",
        "solutions/x1/hidden/test_hidden.py",
        "solutions/x1/mod.py",
    ]
    assert built.uncommitted == []
    assert (dest / WORKFLOW_TARGET).read_text() == "name: grade\n"
    assert os.access(dest / "exercises/x1/run.sh", os.X_OK)
    for path in release_files(dest):
        assert CANARY not in path.read_text(encoding="utf-8", errors="replace"), path


def test_release_repository_has_one_commit_and_no_instructor_history(toy_kit: Path, tmp_path: Path) -> None:
    dest = tmp_path / "student"
    built = build_release(toy_kit, dest)
    assert git(dest, "rev-list", "--all").split() == [built.commit]
    assert git(dest, "log", "--format=%s").strip() == "student release"
    assert git(dest, "status", "--porcelain") == ""  # everything in the copy is committed
    assert CANARY.encode() not in all_git_objects(dest)
    tracked = set(git(dest, "ls-files").split())
    assert tracked == {p.relative_to(dest).as_posix() for p in release_files(dest)}


def test_rebuild_replaces_an_earlier_release_but_never_a_foreign_folder(toy_kit: Path, tmp_path: Path) -> None:
    dest = tmp_path / "student"
    build_release(toy_kit, dest)
    write(dest / "stale.txt", "from last time\n")
    again = build_release(toy_kit, dest)
    assert again.replaced and not (dest / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary leftovers

    foreign = tmp_path / "precious"
    write(foreign / "thesis.tex", "years of work\n")
    with pytest.raises(UserError, match="refusing to overwrite"):
        build_release(toy_kit, foreign)
    assert [p.name for p in foreign.iterdir()] == ["thesis.tex"]
    with pytest.raises(UserError, match="over the kit itself"):
        build_release(toy_kit, toy_kit)


def test_outside_git_the_tree_is_used_minus_build_debris(toy_kit: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(toy_kit, plain, ignore=shutil.ignore_patterns(".git"))
    write(plain / "exercises/x1/__pycache__/mod.cpython-311.pyc", "bytecode")
    built = build_release(plain, tmp_path / "student", init_git=False)
    rel = {p.relative_to(built.dest).as_posix() for p in release_files(built.dest)}
    assert built.source == "tree" and built.commit is None
    assert "untracked_scratch.txt" in rel  # no git: the tree is the kit
    assert not any(r.startswith(("runs/", "solutions/")) or "__pycache__" in r for r in rel)
    assert not (built.dest / ".git").exists()


@pytest.fixture(scope="module")
def real_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("release") / "student"
    build_release(REPO, dest)
    return dest


def _long_lines(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return {line.strip() for line in text.splitlines() if len(line.strip()) >= 40}


def _secret_lines() -> tuple[set[str], set[str]]:
    """The distinctive text of solutions/: (every line of 40+ characters of its files — wheats, hidden
    chaffs and tests, keys; the assertions of the hidden tests). A public chaff is a patch holding only
    its mistake, so no line of a wheat is public by being in one."""
    secret: set[str] = set()
    hidden_asserts: set[str] = set()
    if not (REPO / "solutions").is_dir():
        return secret, hidden_asserts  # running inside a student copy: nothing to leak
    for exercise in sorted(p for p in (REPO / "solutions").iterdir() if p.is_dir()):
        for path in exercise.rglob("*"):
            parts = path.relative_to(exercise).parts
            if not path.is_file() or "__pycache__" in parts:
                continue
            secret |= _long_lines(path)
            if parts[0] == "hidden":
                hidden_asserts |= {line for line in _long_lines(path) if line.startswith("assert")}
    return secret, hidden_asserts


def _public_exercise_lines() -> set[str]:
    """Every line the exercises publish, and the kit library's own code (a wheat may call it as it is written there)."""
    lines = set()
    for path in (*(REPO / "exercises").rglob("*"), *(REPO / "course_core").rglob("*.py"), *(REPO / "course").rglob("*.py")):
        if path.is_file() and "__pycache__" not in path.parts:
            lines |= {line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()}
    return lines


def test_real_release_leaks_no_solution_path_or_text(real_release: Path) -> None:
    files = release_files(real_release)
    rel = [p.relative_to(real_release).as_posix() for p in files]
    assert "course/eval.py" in rel and WORKFLOW_TARGET in rel
    assert not [r for r in rel if matches(r, INSTRUCTOR_ONLY) and r != WORKFLOW_TARGET]
    # A distinctive line (40+ characters) of solutions/ may appear in the release only as scaffolding
    # an exercise publishes itself (signatures and docstrings its stub shares with the wheat, helpers
    # and template tests its visible files share with the reference ones); a hidden test's assertion
    # may appear nowhere.
    secret, hidden_asserts = _secret_lines()
    secret = {line for line in secret - _public_exercise_lines() if not line.startswith(("import ", "from "))}
    secret |= hidden_asserts
    leaks = []
    for path, name in zip(files, rel):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip() in secret:
                leaks.append(f"{name}: {line.strip()[:80]}")
    assert not leaks, "\n".join(leaks)
    assert len(all_git_objects(real_release)) > 0
    assert len(git(real_release, "rev-list", "--all").split()) == 1


def test_a_windows_checkout_keeps_the_kits_bytes(real_release: Path, tmp_path: Path) -> None:
    """git for Windows checks text out with CRLF (core.autocrlf=true): the kit's data would then hash
    differently from the manifests the grader re-derives, and no run made there would re-derive."""
    clone = tmp_path / "windows"
    subprocess.run(["git", "-c", "core.autocrlf=true", "clone", "-q", str(real_release), str(clone)], check=True, capture_output=True, timeout=120)
    for rel in ("data/datasets/math_dev.jsonl", "exercises/a1_locked_room/exercise.toml", "course_core/artifacts/manifest.py"):
        assert (clone / rel).read_bytes() == (REPO / rel).read_bytes(), rel


def _run_in(release: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, *args], cwd=release, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_real_release_still_works(real_release: Path) -> None:
    helped = _run_in(real_release, "-m", "course.eval", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--dataset" in helped.stdout
    where = _run_in(real_release, "-c", "import course_core; print(course_core.__file__)")
    assert Path(where.stdout.strip()).resolve().is_relative_to(real_release.resolve())  # the copy, not this checkout
    exercises = sorted(p.parent for p in (real_release / "exercises").glob("*/exercise.toml"))
    collected = _run_in(real_release, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *(str(e / "tests") for e in exercises))
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "error" not in collected.stdout.lower()
    for exercise in exercises:  # one collection for all of them, and each one's tests are in it
        assert f"exercises/{exercise.name}/tests/" in collected.stdout, exercise.name


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("nox") is None, reason="nox is not installed here")
def test_nox_release_session_builds_where_asked(tmp_path: Path) -> None:
    dest = tmp_path / "student"
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "release", "--", str(dest)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads((dest / MARKER).read_text())["kind"] == "student_release"
    assert not (dest / "solutions").exists()
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if head:  # the log names the kit commit the copy came from, not the copy's own new commit
        assert f"made from commit {head}" in done.stderr
        assert f"committed as {git(dest, 'rev-parse', 'HEAD').strip()}" in done.stderr
    no_uv = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])}
    quiet = subprocess.run([sys.executable, "-m", "nox", "-s", "release", "--", str(tmp_path / "again")], cwd=REPO, env=no_uv,
                           capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0 and "uv binary not found" not in quiet.stdout + quiet.stderr  # uv or not, no noise
    foreign = tmp_path / "foreign"
    write(foreign / "keep.txt", "mine\n")
    refused = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "release", "--", str(foreign)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0 and "refusing to overwrite" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_ci_workflow_grades_and_publishes_the_report_once() -> None:
    yaml = pytest.importorskip("yaml")
    text = (REPO / "templates/github/workflows/grade.yml").read_text(encoding="utf-8")
    flow = yaml.safe_load(text)
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads the key `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    steps = flow["jobs"]["grade"]["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == "3.11"
    runs = [s.get("run", "") for s in steps]
    assert any("pip install" in r and "nox" in r for r in runs)
    assert any(r.strip() == "nox -s grade -- --out grade-report" for r in runs)
    # The grader appends report.md to $GITHUB_STEP_SUMMARY itself; a second `cat` would double it.
    assert not any("GITHUB_STEP_SUMMARY" in r for r in runs)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and upload["with"]["path"].rstrip("/") == "grade-report"


def test_release_names_shipped_files_with_uncommitted_changes(toy_kit: Path, tmp_path: Path) -> None:
    write(toy_kit / "README.md", "edited, not committed\n")
    built = build_release(toy_kit, tmp_path / "student")
    assert built.uncommitted == ["README.md"]
    assert (built.dest / "README.md").read_text() == "edited, not committed\n"  # the working tree is what ships
    assert json.loads((built.dest / MARKER).read_text())["uncommitted_changes"] is True
