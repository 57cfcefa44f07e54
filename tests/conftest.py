"""Shared test helpers: run a CLI exactly as a user types it, and write small JSONL files."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--doc-run", action="store_true", help="also run the docrun test: every documented command, in a fresh copy (nox -s docs)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The doc run, its own CI step (nox -s docs), deselected without --doc-run; then the modules in
    the order their workers should take them (:func:`module_order`)."""
    if not config.getoption("--doc-run"):
        doc_run = [item for item in items if item.get_closest_marker("docrun") is not None]
        if doc_run:
            config.hook.pytest_deselected(items=doc_run)
            items[:] = [item for item in items if item not in doc_run]
    items[:] = module_order(items)


def module_order(items: list[pytest.Item]) -> list[pytest.Item]:
    """Modules marked ``starts_early`` first, then the rest by their number of tests, most first;
    each module's tests in their own order.

    This is pytest-xdist's ``loadscope`` order (nox runs it with ``--no-loadscope-reorder`` so that
    this one stands) except for the few modules that run long on few tests: xdist would start them
    last, and the last of them was the run's tail (SmolLM2's module alone, 34 s of wall clock,
    while the other workers had ended 15 s before). Starting SmolLM2 and the tiny model's loops
    first: 106 and 115 s on two 2-core runs, against 122 and 127 s in xdist's order (same day).
    """
    def module(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0]

    count: dict[str, int] = {}
    early: set[str] = set()
    for item in items:
        count[module(item)] = count.get(module(item), 0) + 1
        if item.get_closest_marker("starts_early") is not None:
            early.add(module(item))
    first_seen = {name: i for i, name in enumerate(count)}
    return sorted(items, key=lambda item: (module(item) not in early, -count[module(item)], first_seen[module(item)]))


TORCH_MISSING = "the lm extra (torch) is not installed: pip install torch==2.13.0, see README"


def skip_unless_installed(*modules: str, reason: str = TORCH_MISSING) -> None:
    """Skip the calling test module unless every one of ``modules`` is installed, without importing them.

    Every xdist worker collects every test module: an lm test module that imported torch at
    collection (about 2 s of CPU, transformers 0.5 s more) would cost that to every worker. The
    modules import torch in a fixture instead, on the worker that runs their tests.
    """
    if any(importlib.util.find_spec(m) is None for m in modules):
        pytest.skip(reason, allow_module_level=True)


def run_cli(module: str, *args: str, cwd: Path = REPO, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m <module> <args>`` in a subprocess; the kit importable from the repo root."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.setdefault("NO_COLOR", "1")
    full_env["COLUMNS"] = "100"  # the width these tests read output at (pytest-xdist's workers inherit COLUMNS=80); pass env to change it
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def write_jsonl(path: Path, rows: Iterable[dict[str, Any] | str]) -> Path:
    """Write rows (dicts, or raw strings for deliberately broken lines) one per line."""
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def write(path: Path, text: str) -> Path:
    """Write a text file, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a throwaway identity and no system config; return stdout."""
    out = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=repo, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}, capture_output=True, check=True,
    )
    return out.stdout.decode("utf-8", "replace")


def settled(probe: Callable[[], list[Any]], within: float = 10.0) -> list[Any]:
    """``probe()`` as soon as it returns an empty list, else its last answer after ``within`` seconds.

    For processes the kernel is still reaping: a test asserts on what is left, never on how long it took.
    """
    import time

    deadline = time.monotonic() + within
    while (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


@pytest.fixture
def tiny(tmp_path: Path) -> dict[str, Path]:
    """A 4-example dataset and completions (2 correct, 1 wrong, 1 format failure)."""
    dataset = write_jsonl(tmp_path / "ds.jsonl", [
        {"id": f"t{i}", "prompt": f"What is {i}+{i}? Output exactly one line: Final: <int>", "expected_answer": 2 * i}
        for i in range(4)
    ])
    completions = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "t0", "completion": "Final: 0", "sum_logprob": -1.0},
        {"id": "t1", "completion": "Final: 2", "sum_logprob": -1.5},
        {"id": "t2", "completion": "Final: 5", "sum_logprob": -2.0},
        {"id": "t3", "completion": "The answer is 6.", "sum_logprob": -3.0},
    ])
    return {"dataset": dataset, "completions": completions, "dir": tmp_path}


def kit_run(module: str, *argv: str | Path) -> int:
    """Run a kit instrument's CLI in this process, as a student would from the repository root.

    Its manifest records the command as typed (not pytest's), so the grader can replay the run.
    """
    import contextlib
    import importlib
    import io

    args = [str(a) for a in argv]
    saved, sys.argv = sys.argv, [module, *args]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            code = importlib.import_module(module).main(args)
    finally:
        sys.argv = saved
    assert code in (0, 1), f"{module} {' '.join(args)} exited {code}"
    return code
