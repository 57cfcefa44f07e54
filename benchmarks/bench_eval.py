"""Eval and selection against a bare loop, side by side in one run; peak memory as the input grows.

    python benchmarks/bench_eval.py [--rows 100000] [--items 20000] [--repeats 5]
                                    [--memory-rows 1000,100000,1000000]

Every figure is CPU time (user + system, from ``getrusage(RUSAGE_CHILDREN)``, so a loaded
machine slows it far less than wall time), the median of ``--repeats`` runs, and the commands
take turns within each repeat, so they see the same machine. Each command runs in a fresh
process, the kit's as a user types it (``python -m course.eval ...``).

The bare loops are the floor of Python for the same job: parse both files with the standard
library's json, score with one regular expression, write one result row per item, and nothing
else (no validation, no manifest, no checks). The original course's eval is not in this
repository, so its figure is quoted from issue 13 (6.4 s of CPU per 100k of these rows, on a
quiet machine where the bare loop took 0.9 s); it is shown both as quoted and scaled by this
run's bare loop.

Peak memory (max RSS) of ``course.eval`` is measured once per ``--memory-rows`` size; the
ratio between the largest and the smallest is the flatness figure (1.0 = perfectly flat).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
FORMS = ["Final: {a}", "Final: {b}", "The answer is {a}", "Final: +{a}", "Work...\nFinal: {a}", "Final: 0{a}"]
ORIGINAL_CPU_PER_100K, ORIGINAL_BARE_CPU_PER_100K = 6.4, 0.9  # quoted from issue 13 (same run, quiet machine)
SAMPLES = 8

BARE_EVAL = r'''
import json, re, sys
FINAL = re.compile(r"Final: (-?[0-9]+)")
dataset, completions, out = sys.argv[1:4]
with open(completions, encoding="utf-8") as fh:
    by_id = {}
    for line in fh:
        row = json.loads(line)
        by_id[row["id"]] = row["completion"]
with open(dataset, encoding="utf-8") as fh, open(out, "w", encoding="utf-8") as w:
    for line in fh:
        ex = json.loads(line)
        completion = by_id.get(ex["id"])
        m = FINAL.fullmatch(completion.strip()) if completion is not None else None
        parsed = int(m.group(1)) if m else None
        ok = parsed == ex["expected_answer"]
        w.write(json.dumps({"id": ex["id"], "expected_answer": ex["expected_answer"], "parsed_answer": parsed,
                            "outcome": "correct" if ok else "wrong", "rule": None, "reason": "",
                            "reward": 1.0 if ok else 0.0, "completion": completion}) + "\n")
'''

BARE_SELECTION = r'''
import json, re, sys
FINAL = re.compile(r"Final: (-?[0-9]+)")
dataset, samples, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(samples, encoding="utf-8") as fh:
    by_id = {}
    for line in fh:
        row = json.loads(line)
        by_id[row["id"]] = row["samples"][:n]
with open(dataset, encoding="utf-8") as fh, open(out, "w", encoding="utf-8") as w:
    for line in fh:
        ex = json.loads(line)
        rewards, parsed_all = [], []
        for s in by_id.get(ex["id"], []):
            m = FINAL.fullmatch(s["completion"].strip())
            parsed = int(m.group(1)) if m else None
            parsed_all.append(parsed)
            rewards.append(1.0 if parsed == ex["expected_answer"] else 0.0)
        best = max(range(len(rewards)), key=rewards.__getitem__)
        chosen = by_id[ex["id"]][best]
        w.write(json.dumps({"id": ex["id"], "expected_answer": ex["expected_answer"], "parsed_answer": parsed_all[best],
                            "outcome": "correct" if rewards[best] else "wrong", "rule": None, "reason": "",
                            "reward": rewards[best], "completion": chosen["completion"], "selected_index": best,
                            "sample_rewards": rewards, "sample_outcomes": ["x"] * len(rewards),
                            "n_samples_used": len(rewards)}) + "\n")
'''


def _answer(i: int) -> int:
    return (i * 7919) % 100_003 - 5000


def make_inputs(n: int, folder: Path) -> tuple[Path, Path]:
    """A dataset of n rows and one completion per row, in the same (sorted) id order."""
    dataset, completions = folder / f"ds_{n}.jsonl", folder / f"c_{n}.jsonl"
    with dataset.open("w") as d, completions.open("w") as c:
        for i in range(n):
            a = _answer(i)
            d.write(json.dumps({"id": f"ex-{i:08d}", "prompt": f"Compute {a}. Output exactly one line: Final: <int>", "expected_answer": a}) + "\n")
            c.write(json.dumps({"id": f"ex-{i:08d}", "completion": FORMS[i % len(FORMS)].format(a=a, b=a + 1), "sum_logprob": -1.5}) + "\n")
    return dataset, completions


def make_pack(n: int, folder: Path) -> Path:
    """A selection pack of SAMPLES samples per row of ``ds_<n>.jsonl``."""
    pack = folder / f"pack_{n}.jsonl"
    with pack.open("w") as p:
        for i in range(n):
            a = _answer(i)
            samples = [{"completion": FORMS[(i + k) % len(FORMS)].format(a=a, b=a + 1), "sum_logprob": -round(0.5 + (i * k) % 7 / 3, 4)}
                       for k in range(SAMPLES)]
            p.write(json.dumps({"id": f"ex-{i:08d}", "samples": samples}) + "\n")
    return pack


def measure(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of one run of ``cmd`` in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(KIT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()}")
    proc.stderr.close()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, usage.ru_maxrss / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000, help="eval rows (default 100000)")
    p.add_argument("--items", type=int, default=20_000, help=f"selection items, {SAMPLES} samples each, best of {SAMPLES} (default 20000)")
    p.add_argument("--repeats", type=int, default=5, help="interleaved repeats; medians are shown (default 5)")
    p.add_argument("--memory-rows", default="1000,100000,1000000", help="eval sizes for the peak-memory check")
    args = p.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as tmp:
        folder = Path(tmp)
        (folder / "bare_eval.py").write_text(BARE_EVAL)
        (folder / "bare_selection.py").write_text(BARE_SELECTION)
        ds, comp = make_inputs(args.rows, folder)
        sel_ds, _ = make_inputs(args.items, folder) if args.items != args.rows else (ds, comp)
        pack = make_pack(args.items, folder)
        commands = {
            "bare eval loop": [py, "bare_eval.py", str(ds), str(comp), "bare_eval.jsonl"],
            "python -m course.eval": [py, "-m", "course.eval", "--dataset", str(ds), "--completions", str(comp), "--outdir", "run_eval"],
            "bare selection loop": [py, "bare_selection.py", str(sel_ds), str(pack), str(SAMPLES), "bare_sel.jsonl"],
            "python -m course.selection_demo": [py, "-m", "course.selection_demo", "--dataset", str(sel_ds), "--samples", str(pack),
                                                "--n", str(SAMPLES), "--outdir", "run_sel"],
        }
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeats):
            for name, cmd in commands.items():
                cpu[name].append(measure(cmd, folder)[0])
        med = {name: statistics.median(v) for name, v in cpu.items()}
        rows = {"bare eval loop": args.rows, "python -m course.eval": args.rows,
                "bare selection loop": args.items, "python -m course.selection_demo": args.items}
        print(f"CPU seconds, median of {args.repeats} interleaved repeats ({args.rows} eval rows; "
              f"{args.items} selection items x {SAMPLES} samples)")
        print(f"{'command':<34} {'CPU s':>7} {'rows/s':>9}   all repeats")
        for name in commands:
            print(f"{name:<34} {med[name]:>7.2f} {rows[name] / med[name]:>9.0f}   {', '.join(f'{c:.2f}' for c in cpu[name])}")
        eval_ratio = med["python -m course.eval"] / med["bare eval loop"]
        sel_ratio = med["python -m course.selection_demo"] / med["bare selection loop"]
        print(f"eval ratio to the bare loop:       {eval_ratio:.2f}x CPU (target <= 1.5)")
        print(f"selection ratio to the bare loop:  {sel_ratio:.2f}x CPU (target <= 1.5)")
        kit_rate = args.rows / med["python -m course.eval"]
        quoted = 100_000 / ORIGINAL_CPU_PER_100K
        scaled = args.rows / (med["bare eval loop"] * ORIGINAL_CPU_PER_100K / ORIGINAL_BARE_CPU_PER_100K)
        print(f"eval vs the original course's eval (not measured here: quoted from issue 13, {ORIGINAL_CPU_PER_100K} s CPU / 100k rows):")
        print(f"  as quoted ({quoted:.0f} rows/s): {kit_rate / quoted:.1f}x; scaled by this run's bare loop "
              f"({scaled:.0f} rows/s): {kit_rate / scaled:.1f}x (target >= 3)")

        sizes = [int(s) for s in args.memory_rows.split(",") if s]
        if sizes:
            print("peak memory of python -m course.eval (max RSS, one run per size)")
            peaks = []
            for n in sizes:
                d, c = (ds, comp) if n == args.rows else make_inputs(n, folder)
                seconds, peak = measure([py, "-m", "course.eval", "--dataset", str(d), "--completions", str(c), "--outdir", f"mem_{n}"], folder)
                peaks.append(peak)
                print(f"  {n:>9} rows: {peak:6.1f} MB   ({seconds:.2f} s CPU, {n / seconds:.0f} rows/s)")
                for f in {d, c} - {ds, comp}:
                    f.unlink()
            print(f"peak memory ratio, {sizes[-1]} vs {sizes[0]} rows: {max(peaks) / min(peaks):.2f} (1.0 = flat; target <= 1.3)")

        from record import record

        figures = {
            f"eval.rows_per_s.{args.rows}": (round(kit_rate), "rows/s"),
            "eval.ratio_to_bare": (round(eval_ratio, 2), "x"),
            "eval.vs_original": (round(kit_rate / quoted, 1), "x"),
            f"selection.items_per_s.{args.items}": (round(args.items / med["python -m course.selection_demo"]), "items/s"),
            "selection.ratio_to_bare": (round(sel_ratio, 2), "x"),
        }
        if sizes:
            for n, peak in zip(sizes, peaks):
                figures[f"eval.peak_mb.{n}"] = (round(peak, 1), "MB")
        record("benchmarks/bench_eval.py", figures)


if __name__ == "__main__":
    main()
