"""Sessions: the classroom demo, the kit's tests, grading, releases and benchmarks.

    nox -s tests          the kit's own test suite (what CI runs)
    nox -s demo           the instructor guide, live, with every expected outcome checked
    nox -s grade          grade the exercises in this working copy
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests"]
nox.options.reuse_venv = "yes"

PYTHON = None  # the interpreter nox runs under; the kit supports Python >= 3.10
PYPROJECT = nox.project.load_toml("pyproject.toml")


def _install(session: nox.Session, *groups: str) -> None:
    session.install("-e", ".")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the kit's own test suite."""
    _install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The instructor guide, live: `-- --pause` waits between steps, `-- --segment A` runs one segment."""
    _install(session)
    session.run("python", "-m", "course.demo", *session.posargs)
