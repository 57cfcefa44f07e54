"""Grading cost, measured side by side in one run, as ratios.

    python benchmarks/bench_grading.py [--exercise ID ...] [--before REV] [--copies 20] [--jobs 2]

1. CPU per exercise for a full-marks submission (the grader and every process it starts,
   sandboxes included), as a multiple of one bare ``python -c "import pytest"`` start.
   Goal: at most 3. With ``--before REV`` the grader of that commit (extracted with
   ``git archive``) grades the same submission in the same run, taking turns with this one,
   so both figures see the same machine.
2. ``--copies`` full-marks submissions with ``--jobs`` against one submission's wall time.
   Goal: at most 12× for 20 with --jobs 2 (both cores used).

CPU is user + system time from ``getrusage(RUSAGE_CHILDREN)``, the median of ``--repeat``
runs. Each tree's Python files are compiled first (``compileall``), as installing the kit
leaves them: the figure is the cost of grading, not of compiling the grader.

The full-marks submission is the one benchmarks/grade_timing.py builds (reference module and
regression tests, evidence from the README's commands, REFLECT.md answered from it); it must
score 100%. Needs solutions/ (staff copy). By default every exercise of the course is measured
(the README's figures are the whole course's; a run on fewer would record other quantities
under the same keys).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))
sys.path.insert(0, str(KIT / "benchmarks"))

from course_core.grading.exercise import discover  # noqa: E402
from grade_timing import build_full, copies_of, grade  # noqa: E402

DEFAULT_EXERCISES = [ex.id for ex in discover(KIT / "exercises")]


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(argv: list[str], tree: Path = KIT) -> float:
    """CPU seconds of ``argv`` (run with ``tree`` as the kit) and every process it waited for."""
    before = child_cpu()
    subprocess.run(argv, cwd=tree, env=dict(os.environ, PYTHONPATH=str(tree), NO_COLOR="1"), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return child_cpu() - before


def compiled(tree: Path) -> Path:
    """``tree`` with its kit's bytecode written, as ``pip install`` leaves an installed package."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "course_core", "course"], cwd=tree, check=True,
                   stdout=subprocess.DEVNULL, env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    return tree


def extract(rev: str, dest: Path) -> Path:
    """The kit as it was at commit ``rev`` (``git archive``), in ``dest``."""
    archive = subprocess.run(["git", "-C", str(KIT), "archive", "--format=tar", rev], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - Python < 3.10.12
            tar.extractall(dest)
    return dest


def grade_cpu(tree: Path, submission: Path, exercise: str, out: Path) -> float:
    return cpu_of([sys.executable, "-m", "course.grade", "--submission", str(submission), "--exercise", exercise,
                   "--out", str(out)], tree)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exercise", action="append", metavar="ID", help="measure this exercise (repeatable; default: all of them)")
    ap.add_argument("--before", metavar="REV", help="also measure the grader of this commit, side by side")
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="runs per CPU figure (the median is shown)")
    args = ap.parse_args()
    exercises = args.exercise or DEFAULT_EXERCISES
    figures: dict[str, tuple[float, str]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        root = Path(tmp)
        trees = {"now": compiled(KIT)}
        if args.before:
            trees["before"] = compiled(extract(args.before, root / "before"))
        full = build_full(root / "full", exercises)
        one, report = grade([full], 1, root / "r1", exercises)
        percent = report["submissions"][0]["percent"]
        print(f"full-marks submission: {percent:.1f}% ({report['isolation']['mode']} isolation)")
        starts: list[float] = []
        cpu: dict[tuple[str, str], list[float]] = {}
        for i in range(args.repeat):  # the commands take turns, so every figure sees the same machine
            starts += [cpu_of([sys.executable, "-c", "import pytest"]) for _ in range(2)]
            for ex_id in exercises:
                for name, tree in trees.items():
                    cpu.setdefault((name, ex_id), []).append(grade_cpu(tree, full, ex_id, root / f"r-{name}-{ex_id}-{i}"))
        pytest_start = statistics.median(starts)
        print(f"one bare `python -c \"import pytest\"`: {pytest_start:.3f} s CPU")
        figures["grading.import_pytest_s"] = (round(pytest_start, 3), "s")
        for ex_id in exercises:
            for name in trees:
                seconds = statistics.median(cpu[(name, ex_id)])
                ratio = seconds / pytest_start
                label = "" if name == "now" else f" (at {args.before})"
                print(f"  {ex_id}{label}: {seconds:.2f} s CPU = {ratio:.1f}× an `import pytest` start (goal ≤ 3)")
                figures[f"grading.cpu_ratio{'' if name == 'now' else '_before'}.{ex_id}"] = (round(ratio, 1), "x")
                figures[f"grading.cpu_s{'' if name == 'now' else '_before'}.{ex_id}"] = (round(seconds, 2), "s")
        figures["grading.bench.percent"] = (percent, "%")
        if args.copies > 0:
            many, _ = grade(copies_of(full, root, args.copies), args.jobs, root / "rn", exercises)
            print(f"one submission: {one:.1f} s wall; {args.copies} with --jobs {args.jobs}: {many:.1f} s = "
                  f"{many / one:.1f}× one (goal ≤ {args.copies * 0.6:g}×)")
            figures.update({
                "grading.bench.copies": (args.copies, "submissions"), "grading.bench.one_s": (round(one, 1), "s"),
                "grading.bench.many_s": (round(many, 1), "s"), "grading.bench.many_ratio": (round(many / one, 1), "x"),
            })
    from record import record

    record("benchmarks/bench_grading.py" + (f" --before {args.before}" if args.before else ""), figures,
           exact=("grading.bench.percent", "grading.bench.copies"))


if __name__ == "__main__":  # an unknown --exercise is one line on stderr and exit 2, as in the kit's commands
    from course_core.present.cli import run

    raise SystemExit(run(lambda _argv: main() or 0, "benchmarks/bench_grading.py"))
