"""The library's layout and the direction of its imports, read from the source with ast.

The rules are the ones ARCHITECTURE.md states and each package's ``__init__`` docstring
repeats; a test per rule names the module and the import that break it.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import REPO

LIBRARY = REPO / "course_core"
TOP_LEVEL = {"__init__", "errors", "paths", "shell_layout", "usermodule", "module_patch"}  # cross-cutting modules; everything else lives in a package
PACKAGES = {"measurement", "selection", "learning", "artifacts", "present", "grading", "packaging", "rollouts", "lm"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = REPO.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


@lru_cache(maxsize=None)
def imports_of(path: Path) -> frozenset[str]:
    """Every module ``path`` imports, at the top or inside a function: ``from a import b`` counts as a.b when b is a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if _is_module(sub) else node.module)
    return frozenset(found)


def library_modules() -> list[Path]:
    return sorted(p for p in LIBRARY.rglob("*.py") if "__pycache__" not in p.parts)


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(sources: list[Path], forbidden: str, allowed=lambda source, target: False) -> list[str]:
    return [
        f"{_module_name(src)} imports {target}"
        for src in sources
        for target in sorted(imports_of(src))
        if _in(target, forbidden) and not allowed(src, target)
    ]


def package_modules(package: str) -> list[Path]:
    return [p for p in library_modules() if _in(_module_name(p), f"course_core.{package}")]


def test_only_cross_cutting_modules_sit_at_the_top_of_the_library():
    top = {p.stem for p in LIBRARY.glob("*.py")}
    assert top <= TOP_LEVEL, f"move {sorted(top - TOP_LEVEL)} into a package (see ARCHITECTURE.md)"
    folders = {p.name for p in LIBRARY.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= PACKAGES, f"unknown package(s) {sorted(folders - PACKAGES)}: add them to ARCHITECTURE.md and this test"


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_each_package_says_what_lives_there_and_what_it_may_import(package):
    init = LIBRARY / package / "__init__.py"
    if not init.parent.is_dir():
        pytest.skip(f"course_core/{package}/ does not exist yet")
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    assert "import" in doc, f"{init.relative_to(REPO)}: the docstring should state what this package may import"


@pytest.mark.parametrize("package", ["measurement", "selection"])
def test_measurement_and_selection_never_import_learning(package):
    assert violations(package_modules(package), "course_core.learning") == []


def test_measurement_never_imports_selection():
    assert violations(package_modules("measurement"), "course_core.selection") == []


@pytest.mark.parametrize("package", ["errors", "paths", "artifacts"])
def test_the_foundations_import_no_loop(package):
    sources = package_modules(package) if (LIBRARY / package).is_dir() else [LIBRARY / f"{package}.py"]
    found = [
        f"{_module_name(src)} imports {target}"
        for src in sources
        for target in sorted(imports_of(src))
        if _in(target, "course_core") and target != "course_core"
        and not any(_in(target, f"course_core.{ok}") for ok in ("errors", "paths", "artifacts"))
    ]
    assert found == []


def _run_writer_drawing_figures(source: Path, target: str) -> bool:
    """Figures are artifacts of a run: a Loop C run writer (learning/*_run.py, lm/*_run.py) may draw them."""
    return target == "course_core.present.plots" and source.parent.name in ("learning", "lm") and source.stem.endswith("_run")


def test_nothing_outside_present_imports_present_but_run_writers_drawing_figures():
    outside = [p for p in library_modules() if not _in(_module_name(p), "course_core.present")]
    assert violations(outside, "course_core.present", _run_writer_drawing_figures) == []


def test_grading_imports_no_presentation_and_no_learning():
    grading = package_modules("grading")
    assert violations(grading, "course_core.present") == []
    assert violations(grading, "course_core.learning") == []


def test_packaging_needs_no_third_party_library():
    """noxfile.py imports packaging modules into nox's own interpreter, which has no numpy, jsonschema or rich."""
    heavy = ("numpy", "jsonschema", "referencing", "rich", "matplotlib")
    found = [f"{_module_name(src)} imports {t}" for src in package_modules("packaging") for t in imports_of(src)
             if t.split(".")[0] in heavy or (_in(t, "course_core") and not any(
                 _in(t, ok) for ok in ("course_core.errors", "course_core.paths", "course_core.packaging",
                                       "course_core.artifacts.atomic", "course_core.grading.exercise"))
                 and t != "course_core")]
    assert found == []


def test_nothing_outside_lm_imports_torch():
    sources = [p for p in library_modules() if not _in(_module_name(p), "course_core.lm")]
    sources += sorted((REPO / "course").glob("*.py")) + sorted((REPO / "data").rglob("*.py"))
    assert violations(sources, "torch") == []


def test_the_rule_checker_sees_lazy_and_from_imports(tmp_path):
    """The checker itself: an import inside a function, and `from package import module`, both count."""
    probe = REPO / "course_core" / "measurement" / "gate.py"
    assert "course_core.artifacts.rundir" in imports_of(probe)
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from course_core.present import plots\n    import torch\n", encoding="utf-8")
    assert {"course_core.present.plots", "torch"} <= imports_of(sample)
