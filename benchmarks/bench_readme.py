"""The README's figures that no other bench script measures: the demo, --help, Figure 2.5, best-of-N.

    python benchmarks/bench_readme.py

Each figure comes from running the documented command in a subprocess, in one run, on this
machine: the whole classroom demo (wall time and checks held), `course.eval --help` (fastest
of five), the Sutton & Barto testbed (its four % optimal values and wall time), best-of-N on
math_dev with the oracle selector (pass@1, @4, @8 and the mean per-sample pass rate). All go
to results.json. (Grading has its own: bench_grading.py.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from record import record

KIT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=str(KIT), NO_COLOR="1", COLUMNS="80")


def timed(*argv: str, cwd: Path = KIT) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], cwd=cwd, env=ENV, capture_output=True, text=True)
    return time.perf_counter() - start, done


def main() -> None:
    figures: dict[str, tuple[float, str]] = {}
    exact: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-readme-") as tmp:
        room = Path(tmp)
        shutil.copytree(KIT / "data", room / "data")
        seconds, done = timed("-m", "course.demo", cwd=room)
        held = re.search(r"(\d+)/(\d+) expected outcomes held", done.stdout)
        assert held and done.returncode == 0, done.stdout[-2000:]
        figures |= {"demo.seconds": (round(seconds, 1), "s"), "demo.held": (int(held[1]), "checks"), "demo.checks": (int(held[2]), "checks")}
        exact += ["demo.held", "demo.checks"]
        print(f"demo: {held[0]} in {seconds:.1f} s")

        fastest = min(timed("-m", "course.eval", "--help")[0] for _ in range(5))
        figures["help.seconds"] = (round(fastest, 2), "s")
        print(f"course.eval --help: {fastest:.2f} s (fastest of 5)")

        seconds, done = timed("-m", "course.bandit_train", "--testbed", "sutton-barto", "--outdir", str(room / "fig"))
        assert done.returncode == 0, done.stderr
        settings = json.loads((room / "fig/summary.json").read_text())["settings"]
        for i, s in enumerate(settings):
            key = f"testbed.optimal.{i}"
            figures[key] = (round(100 * s["optimal_averaged"], 1), "%")
            exact.append(key)
        figures["testbed.seconds"] = (round(seconds, 1), "s")
        shown = " / ".join(f"{100 * s['optimal_averaged']:.1f}" for s in settings)
        print(f"Figure 2.5: {shown} % in {seconds:.1f} s")

        for n in (1, 4, 8):
            _, done = timed("-m", "course.selection_demo", "--dataset", "data/datasets/math_dev.jsonl", "--samples",
                            "data/rollouts/selection_pack_dev.jsonl", "--n", str(n), "--outdir", str(room / f"sel{n}"))
            assert done.returncode == 0, done.stderr
            summary = json.loads((room / f"sel{n}/summary.json").read_text())
            figures[f"selection.pass_at.{n}"] = (summary["pass_rate"], "")
            exact.append(f"selection.pass_at.{n}")
        figures["selection.mean_sample_rate.8"] = (round(summary["mean_sample_pass_rate"], 3), "")
        exact.append("selection.mean_sample_rate.8")
        print(f"best-of-N: {' → '.join(str(figures[f'selection.pass_at.{n}'][0]) for n in (1, 4, 8))}")

    record("benchmarks/bench_readme.py", figures, exact=tuple(exact))


if __name__ == "__main__":
    main()
