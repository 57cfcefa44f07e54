"""Grading cost, measured side by side in one run, as ratios.

    python benchmarks/bench_grading.py [--copies 20] [--jobs 2]

1. CPU per exercise for a full-marks submission (the grader and every process it starts,
   sandboxes included), as a multiple of one bare ``python -c "import pytest"`` start.
   Goal: at most 3.
2. ``--copies`` full-marks submissions with ``--jobs`` against one submission's wall time.
   Goal: at most 12× for 20 with --jobs 2 (both cores used).

The full-marks submission is the one benchmarks/grade_timing.py builds (reference module and
regression tests, evidence from the README's commands, REFLECT.md answered from it); it must
score 100%. Needs solutions/ (staff copy).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))
sys.path.insert(0, str(KIT / "benchmarks"))

from grade_timing import build_full, copies_of, grade  # noqa: E402

from course_core.grading.exercise import discover  # noqa: E402


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(argv: list[str]) -> float:
    """CPU seconds of ``argv`` and every process it waited for."""
    before = child_cpu()
    subprocess.run(argv, cwd=KIT, env=dict(os.environ, PYTHONPATH=str(KIT), NO_COLOR="1"), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return child_cpu() - before


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="runs per CPU figure (the median is shown)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        root = Path(tmp)
        full = build_full(root / "full")
        one, report = grade([full], 1, root / "r1")
        percent = report["submissions"][0]["percent"]
        print(f"full-marks submission: {percent:.1f}% ({report['isolation']['mode']} isolation)")
        pytest_start = statistics.median(cpu_of([sys.executable, "-c", "import pytest"]) for _ in range(args.repeat * 2))
        print(f"one bare `python -c \"import pytest\"`: {pytest_start:.3f} s CPU")
        for exercise in discover(KIT / "exercises"):
            cpu = statistics.median(
                cpu_of([sys.executable, "-m", "course.grade", "--submission", str(full), "--exercise", exercise.id,
                        "--out", str(root / f"r-{exercise.id}")])
                for _ in range(args.repeat)
            )
            print(f"  {exercise.id}: {cpu:.2f} s CPU = {cpu / pytest_start:.1f}× an `import pytest` start (goal ≤ 3)")
        many, _ = grade(copies_of(full, root, args.copies), args.jobs, root / "rn")
        print(f"one submission: {one:.1f} s wall; {args.copies} with --jobs {args.jobs}: {many:.1f} s = "
              f"{many / one:.1f}× one (goal ≤ {args.copies * 0.6:g}×)")


if __name__ == "__main__":
    main()
