"""A patch: a file that replaces some functions of a module and leaves the rest as they are.

A public chaff (``exercises/<id>/chaffs/NAME.py``) holds only its mistake: its top level says
``PATCHES = "reinforce.py"`` and defines the functions the mistake changes, usually by calling
the module's own version with a twist (``_reinforce_step = reinforce_step`` captures it). It runs
with every name of that module already defined, as after ``from reinforce import *`` (private
names too), and what it defines replaces those names for whoever calls the module; the module's
own functions keep calling each other unchanged, so a patch states its mistake at every public
function it reaches. The patched module has exactly the module's names: what the patch adds
(its captures, its helpers) is not among them. Applied to the reference it is the wrong version the grader's lock stage
runs; applied to the student's module it is what ``pytest --chaff NAME`` and an instrument's
``--scorer-module chaffs/NAME.py`` run. It gives away nothing of the Build: on a module of stubs
it is stubs too.

Standard library only: the sandbox's zygote imports this module next to untrusted code.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType
from typing import Any

MARKER = "PATCHES"


class PatchError(ValueError):
    """A file that says it is a patch but cannot be one (its PATCHES value is not a module file beside it)."""


def patched_file(source: bytes | str, filename: str = "<patch>") -> str | None:
    """The file a patch names in ``PATCHES = "<module>.py"`` (read without running it), or None for a plain module."""
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return None  # not a patch we can read: importing it reports the syntax error in the usual words
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == MARKER for t in node.targets):
            value = node.value
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                raise PatchError(f"{filename}:{node.lineno}: {MARKER} must be a string naming a module file, such as \"reinforce.py\"")
            name = value.value
            if "/" in name or "\\" in name or not name.endswith(".py") or name.startswith("."):
                raise PatchError(f"{filename}:{node.lineno}: {MARKER} = {name!r} must be a file name such as \"reinforce.py\", no folder")
            return name
    return None


def namespace_for(module: ModuleType) -> dict[str, Any]:
    """What a patch runs in: every name of ``module`` (the module's own functions keep their own globals)."""
    return dict(vars(module))


def exported(module: ModuleType, namespace: dict[str, Any]) -> ModuleType:
    """The patched module: exactly ``module``'s names, each as the patch left it.

    What the patch adds of its own (the captured ``_score``, a helper) stays in its namespace, so
    the patched module answers to the same names as the module: a test cannot tell it apart by
    asking for one.
    """
    patched = ModuleType(module.__name__, module.__doc__)
    keep = ("__name__", "__doc__", "__loader__", "__spec__")
    patched.__dict__.update({k: namespace.get(k, v) for k, v in vars(module).items() if k not in keep})
    return patched


def apply(module: ModuleType, patch: Path | str) -> ModuleType:
    """``module`` with the patch's definitions in place of its own: a new module (``module`` is left as it was)."""
    patch = Path(patch)
    namespace = namespace_for(module)
    code = compile(patch.read_bytes(), str(patch), "exec", dont_inherit=True)
    exec(code, namespace)  # noqa: S102 - a chaff is kit code, run where the module it patches runs
    return exported(module, namespace)
