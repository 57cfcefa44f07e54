"""The bench scripts (``nox -s bench``) stay in step with the kit they measure.

No test runs them (they take minutes, and their figures are the README's), so a rename in the
kit could break one unseen: ``bench_grading_boundary.py`` once imported a helper that had been
renamed, and ``nox -s bench`` stopped at it. Read with ast, every ``from X import name`` in them,
inside functions too, must name something module X defines at its top level.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import REPO

BENCHMARKS = REPO / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("*.py"))


KIT_PACKAGES = {"course_core", "course"}


def _source_of(module: str) -> Path | None:
    """The file of a kit module (course_core.*, course.*) or of a benchmarks/ helper; None if there is none."""
    base = REPO.joinpath(*module.split(".")) if module.split(".")[0] in KIT_PACKAGES else BENCHMARKS / module
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _bound(body: list[ast.stmt]) -> set[str]:
    """The names a block of statements binds (definitions, assignments, imports), guarded blocks included."""
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.If, ast.Try)):  # try: import … / if TYPE_CHECKING: …
            blocks = [node.body, node.orelse] + ([node.finalbody] + [h.body for h in node.handlers] if isinstance(node, ast.Try) else [])
            for block in blocks:
                names |= _bound(block)
    return names


@lru_cache(maxsize=None)
def top_level_names(path: Path) -> frozenset[str]:
    """What ``from <module at path> import name`` can import: its top-level names, and its submodules if a package."""
    names = _bound(ast.parse(path.read_text(encoding="utf-8"), str(path)).body)
    if path.name == "__init__.py":
        names.update(p.stem for p in path.parent.glob("*.py"))
        names.update(p.name for p in path.parent.iterdir() if (p / "__init__.py").is_file())
    return frozenset(names)


def unresolved_imports(script: Path) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"), str(script))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in KIT_PACKAGES and _source_of(alias.name) is None:
                    problems.append(f"{script.name}:{node.lineno}: import {alias.name}: no such module in the kit")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            source = _source_of(node.module)
            if source is None:
                if node.module.split(".")[0] in KIT_PACKAGES:
                    problems.append(f"{script.name}:{node.lineno}: from {node.module}: no such module in the kit")
                continue
            missing = [a.name for a in node.names if a.name not in top_level_names(source)]
            if missing:
                problems.append(f"{script.name}:{node.lineno}: {node.module} defines no {', '.join(missing)}")
    return problems


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_name_a_bench_script_imports_from_the_kit_exists(script):
    assert unresolved_imports(script) == []


def test_the_check_sees_a_renamed_helper_inside_a_function(tmp_path):
    script = tmp_path / "bench_stale.py"
    script.write_text(
        "from course_core.grading.testsets import trusted_env\n"
        "def main():\n"
        "    from course_core.grading.testsets import _runner_env\n"
        "    from course_core.grading import no_such_module\n"
        "    from grade_timing import place_solution, build_everything\n"
        "    import course_core.grading.no_such_module\n"
        "    from course.no_such_cli import main\n",
        encoding="utf-8",
    )
    assert unresolved_imports(script) == [
        "bench_stale.py:3: course_core.grading.testsets defines no _runner_env",
        "bench_stale.py:4: course_core.grading defines no no_such_module",
        "bench_stale.py:5: grade_timing defines no build_everything",
        "bench_stale.py:6: import course_core.grading.no_such_module: no such module in the kit",
        "bench_stale.py:7: from course.no_such_cli: no such module in the kit",
    ]
