"""Eval throughput and peak memory as the input grows (memory should stay flat).

    python benchmarks/bench_eval.py [--sizes 10000,100000]

Each size runs `python -m course.eval` in a fresh subprocess on a generated dataset, side by
side in one run, and reports rows/s and peak RSS; the ratio of peak memory between the largest
and smallest size is the flatness figure (1.0 = perfectly flat).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
FORMS = ["Final: {a}", "Final: {b}", "The answer is {a}", "Final: +{a}", "Work...\nFinal: {a}", "Final: 0{a}"]


def make_inputs(n: int, folder: Path) -> tuple[Path, Path]:
    dataset, completions = folder / f"ds_{n}.jsonl", folder / f"c_{n}.jsonl"
    with dataset.open("w") as d, completions.open("w") as c:
        for i in range(n):
            a = (i * 7919) % 100_003 - 5000
            d.write(json.dumps({"id": f"ex-{i:08d}", "prompt": f"Compute {a}. Output exactly one line: Final: <int>", "expected_answer": a}) + "\n")
            c.write(json.dumps({"id": f"ex-{i:08d}", "completion": FORMS[i % len(FORMS)].format(a=a, b=a + 1), "sum_logprob": -1.5}) + "\n")
    return dataset, completions


def measure(n: int, folder: Path) -> dict[str, float]:
    dataset, completions = make_inputs(n, folder)
    code = (
        "import resource, sys; from course_core.measurement.evaluate import run_eval; "
        f"run_eval({str(dataset)!r}, {str(completions)!r}, {str(folder / f'run_{n}')!r}); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    env = dict(os.environ, PYTHONPATH=str(KIT))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    elapsed = time.perf_counter() - start
    peak_mb = int(proc.stdout.strip()) / 1024
    return {"rows": n, "seconds": elapsed, "rows_per_s": n / elapsed, "peak_mb": peak_mb}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000", help="comma-separated row counts")
    sizes = [int(s) for s in p.parse_args().sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(n, Path(tmp)) for n in sizes]
    print(f"{'rows':>10} {'seconds':>9} {'rows/s':>10} {'peak MB':>9}")
    for r in rows:
        print(f"{r['rows']:>10} {r['seconds']:>9.2f} {r['rows_per_s']:>10.0f} {r['peak_mb']:>9.1f}")
    print(f"peak memory ratio, {sizes[-1]} vs {sizes[0]} rows: {rows[-1]['peak_mb'] / rows[0]['peak_mb']:.2f} (1.0 = flat)")
    print(f"throughput ratio, {sizes[-1]} vs {sizes[0]} rows: {rows[-1]['rows_per_s'] / rows[0]['rows_per_s']:.2f}")
    from record import record

    figures = {}
    for r in rows:
        figures[f"eval.rows_per_s.{r['rows']}"] = (round(r["rows_per_s"]), "rows/s")
        figures[f"eval.peak_mb.{r['rows']}"] = (round(r["peak_mb"], 1), "MB")
    record("benchmarks/bench_eval.py", figures)


if __name__ == "__main__":
    main()
