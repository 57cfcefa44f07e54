"""What the worker-process boundary costs: the same tests, in-process versus through the sandbox.

    python benchmarks/bench_grading_boundary.py [--repeat 3]

For each exercise, its visible and hidden tests run against the reference solution twice,
side by side, in the same kind of pytest subprocess: once with the ``student`` fixture importing
the module in-process (as a student's plain ``pytest`` does), once with the grader's settings,
where every call crosses to a sandboxed worker as JSON. Both must pass every test; the ratio of
their wall times is the boundary's overhead. Needs solutions/ (staff copy).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))
sys.path.insert(0, str(KIT / "benchmarks"))

from course_core.grading.exercise import discover  # noqa: E402
from course_core.grading.testsets import runner_config, trusted_env  # noqa: E402  (the grader's own)
from grade_timing import place_solution  # noqa: E402


def lay_out(exercise, dest: Path) -> Path:
    """dest: the exercise with Build done (reference module, data files, regression test) and its
    hidden tests in dest/tests/hidden/ (the grader runs them in a sandbox of their own)."""
    place_solution(exercise, dest)
    tests = dest / "tests"
    (tests / "hidden").mkdir()
    for stage in exercise.stages.values():
        for rel in stage.hidden_tests:
            shutil.copy(KIT / "solutions" / exercise.id / rel, tests / "hidden" / Path(rel).name)
    return tests


def timed_pytest(tests: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning",
         "--rootdir", str(tests), str(tests)],
        cwd=tests, env=env, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - start
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
    if proc.returncode != 0:
        raise SystemExit(f"tests failed in {tests}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return elapsed, last


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="runs of each mode (median reported)")
    repeat = p.parse_args().repeat
    if not (KIT / "solutions").is_dir():
        raise SystemExit("needs solutions/ (a staff copy of the kit)")
    print(f"{'exercise':<18} {'in-process s':>13} {'sandboxed s':>12} {'ratio':>7}  tests")
    figures = {}
    for exercise in discover(KIT / "exercises"):
        with tempfile.TemporaryDirectory() as tmp:
            tests = lay_out(exercise, Path(tmp) / exercise.id)
            plain_env = dict(os.environ, PYTHONPATH=str(KIT), PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1",
                             PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # as the grader runs pytest: only the boundary differs
            config = Path(tmp) / "config.json"
            module = tests.parent / exercise.module_file
            config.write_text(json.dumps(runner_config(exercise, module, [tests / "hidden"])))
            grader_env = trusted_env(config, Path(tmp))
            plain, boxed = [], []
            for _ in range(repeat):  # interleaved, so drift in machine load hits both alike
                seconds, summary = timed_pytest(tests, plain_env)
                plain.append(seconds)
                seconds, boxed_summary = timed_pytest(tests, grader_env)
                boxed.append(seconds)
            a, b = statistics.median(plain), statistics.median(boxed)
            print(f"{exercise.id:<18} {a:>13.2f} {b:>12.2f} {b / a:>6.2f}x  {summary} | {boxed_summary}")
            figures[f"grading.boundary_ratio.{exercise.id}"] = (round(b / a, 2), "x")
    from record import record

    record("benchmarks/bench_grading_boundary.py", figures)


if __name__ == "__main__":
    main()
