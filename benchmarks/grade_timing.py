"""How long grading takes: one full-marks submission, then N copies of it with --jobs J.

    python benchmarks/grade_timing.py [--copies 20] [--jobs 2]

A full-marks submission is built the way a diligent student would end up: every exercise
folder with the reference solution, the reference regression tests, evidence made by the
README's commands, and REFLECT.md answered from that evidence (answer keys from solutions/).
It must score 100%; the script says so, then prints wall times. Needs solutions/ (staff copy).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from course_core.grading.evidence import VOLATILE_FIELDS, json_pointer, leaf_differences  # noqa: E402
from course_core.grading.exercise import discover, tomllib  # noqa: E402


def run_kit(*argv: str, ok: tuple[int, ...] = (0,)) -> None:
    """`python ARGV...` from the repository root, as a student runs the README's commands."""
    env = dict(os.environ, PYTHONPATH=str(KIT))
    code = subprocess.run([sys.executable, *argv], cwd=KIT, env=env, stdout=subprocess.DEVNULL).returncode
    if code not in ok:
        raise SystemExit(f"{' '.join(argv)} exited {code}")


def _evidence(ex_id: str, folder: Path) -> None:
    ev = folder / "evidence"
    if ex_id == "a1_locked_room":
        data = (KIT / "data/datasets/math_dev.jsonl").read_text(encoding="utf-8")
        (ev / "math_dev_modified.jsonl").write_text(data.replace('"expected_answer": 1655,', '"expected_answer": 1654,', 1), encoding="utf-8")
        common = ["--completions", "data/rollouts/frozen_rollouts_dev.jsonl"]
        run_kit("-m", "course.eval", "--dataset", "data/datasets/math_dev.jsonl", *common, "--outdir", str(ev / "clean"))
        run_kit("-m", "course.eval", "--dataset", str(ev / "math_dev_modified.jsonl"), *common, "--outdir", str(ev / "modified"))
    elif ex_id == "b1_selection":
        script = str(folder / "run_selection.py")
        for i in (1, 2, 3):
            run_kit(script, "--sabotage", "--n", "4", "--outdir", str(ev / f"random_{i}"))
        for i in (1, 2):
            run_kit(script, "--n", "4", "--outdir", str(ev / f"deterministic_{i}"))
    elif ex_id == "p1_promotion":
        eval_args = ["--dataset", "data/datasets/math_dev.jsonl", "--completions", "data/rollouts/frozen_rollouts_dev.jsonl"]
        run_kit("-m", "course.eval", *eval_args, "--outdir", str(ev / "trap1_baseline"))
        run_kit("-m", "course.eval", *eval_args, "--scorer", "weak_contains", "--outdir", str(ev / "trap1_candidate"))
        pack = ["--dataset", "data/datasets/math_dev.jsonl", "--samples", "data/rollouts/selection_pack_dev.jsonl"]
        for role, n in (("baseline", "1"), ("candidate", "4")):
            run_kit("-m", "course.selection_demo", *pack, "--n", n, "--outdir", str(ev / f"trap2_{role}"))
        for role, lr in (("baseline", "0"), ("candidate", "0.5")):
            run_kit("-m", "course.bandit_train", "--steps", "30", "--seed", "0", "--lr", lr, "--baseline", "--no-plot",
                    "--outdir", str(ev / f"trap3_{role}"))
    elif ex_id == "a2_scorer":
        dev, golden = ["--dataset", "data/datasets/math_dev.jsonl"], ["--golden", "data/golden/golden_correct.jsonl", "--golden", "data/golden/golden_exploits.jsonl"]
        relaxed = ["--scorer-module", str(ev / "relaxed_scorer.py")]
        frozen = ["--completions", "data/rollouts/frozen_rollouts_dev.jsonl"]
        run_kit("-m", "course.validate_scorer", *dev, *golden, "--outdir", str(ev / "golden_strict"))
        run_kit("-m", "course.validate_scorer", *dev, *golden, *relaxed, "--outdir", str(ev / "golden_relaxed"), ok=(1,))
        run_kit("-m", "course.eval", *dev, *frozen, "--outdir", str(ev / "eval_strict"))
        run_kit("-m", "course.eval", *dev, *frozen, *relaxed, "--outdir", str(ev / "eval_relaxed"))
    elif ex_id == "a3_reward_hacking":
        pass  # evidence/exploits.json is written by hand: it comes from solutions/<id>/student_data/
    elif ex_id == "c1_reinforce":
        base = ["-m", "course.bandit_train", "--policy", str(folder / "reinforce.py"), "--steps", "30", "--no-plot"]
        for name, args in (
            ("lr_2.0", ["--seed", "0", "--lr", "2.0", "--baseline", "--slow"]),
            ("lr_-0.5", ["--seed", "0", "--lr", "-0.5", "--baseline", "--slow"]),
            ("forensics", ["--seed", "1234", "--lr", "0.5", "--baseline", "--slow"]),
            ("runs_baseline", ["--seed", "0", "--lr", "0.5", "--baseline", "--runs", "200"]),
            ("runs_no_baseline", ["--seed", "0", "--lr", "0.5", "--runs", "200"]),
            ("runs_lr_2.0", ["--seed", "0", "--lr", "2.0", "--baseline", "--runs", "200"]),
        ):
            run_kit(*base, *args, "--outdir", str(ev / name))
    elif ex_id == "c2_credit_tokens":
        run_kit("-m", "course.token_inspect", "--outdir", str(ev / "tokens"))
        train = ["-m", "course.two_step_demo", "--policy", str(folder / "credit.py"), "--steps", "200", "--seed", "0", "--lr", "0.5"]
        run_kit(*train, "--outdir", str(ev / "build"))
        run_kit(*train, "--no-credit-step1", "--outdir", str(ev / "frozen"))
        run_kit(*train, "--outdir", str(ev / "fixed"))
    elif ex_id == "c3_kl_constraint":
        demo = ["-m", "course.kl_tradeoff_demo", "--policy", str(folder / "kl.py"), "--no-plot"]
        run_kit(*demo, "--choice-betas", "0.02,0.05,0.1,0.2,0.5,1,2", "--outdir", str(ev / "sweep"))
        run_kit(*demo, "--choice-betas", "0", "--outdir", str(ev / "beta_zero"))
        run_kit(*demo, "--choice-betas=-0.5", "--outdir", str(ev / "beta_negative"))
    else:
        raise SystemExit(f"no recipe for {ex_id}'s evidence in this script yet")


def _answer(ex, folder: Path, spec: dict, key_file: Path) -> str:
    kind = spec["kind"]
    if kind == "equals_json":
        src = spec["equals_json"]
        value = json_pointer(json.loads((folder / src["file"]).read_text(encoding="utf-8")), src["pointer"])
        return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)
    if kind == "equals_manifest_diff":  # read from the two manifests, as a student would
        a, b = ({k: v for k, v in json.loads((folder / run / "manifest.json").read_text(encoding="utf-8")).items() if k not in VOLATILE_FIELDS}
                for run in spec["equals_manifest_diff"])
        return sorted(leaf_differences(a, b) if spec.get("leaves") else {k for k in set(a) | set(b) if a.get(k) != b.get(k)})[0]
    if kind == "equals_sha256":
        import hashlib

        return hashlib.sha256((folder / spec["equals_sha256"]["file"]).read_bytes()).hexdigest()
    if kind == "log_signs":
        from course_core.grading.reflect import SIGN_NAMES, signs_of

        log = (folder / spec["log_signs"]["file"]).read_text(encoding="utf-8").splitlines()
        return " ".join(SIGN_NAMES[s] for _, s in sorted(signs_of([json.loads(line) for line in log if line.strip()], spec["log_signs"]).items()))
    if kind == "one_of":
        return str(spec["one_of"][0])
    value = tomllib.loads(key_file.read_text(encoding="utf-8"))[spec["key"]]
    return str(value["one_of"][0] if isinstance(value, dict) and "one_of" in value else value.get("value") if isinstance(value, dict) else value)


def place_solution(ex, folder: Path) -> None:
    """``folder``: a copy of the exercise with Build done — the reference module, the data files a
    student writes (probes, golden rows, a relaxed copy) and the reference regression test."""
    sol = KIT / "solutions" / ex.id
    shutil.copytree(ex.folder, folder)
    shutil.copyfile(sol / ex.module_file, folder / ex.module_file)
    if (sol / "student_data").is_dir():
        shutil.copytree(sol / "student_data", folder, dirs_exist_ok=True)
    repair = ex.stages.get("repair")
    if repair and repair.student_tests and (sol / "reference_regression_test.py").is_file():
        shutil.copyfile(sol / "reference_regression_test.py", folder / repair.student_tests)


def build_full(dest: Path, exercise_ids: list[str] | None = None) -> Path:
    for ex in discover(KIT / "exercises", exercise_ids):
        folder = dest / "exercises" / ex.id
        place_solution(ex, folder)
        _evidence(ex.id, folder)
        answer_reflect(ex, folder)
    return dest


def answer_reflect(ex, folder: Path) -> None:
    """REFLECT.md answered from the evidence as it is in ``folder`` now (and the answer key)."""
    reflect = ex.stages.get("reflect")
    if reflect:
        key_file = KIT / "solutions" / ex.id / "answers.toml"
        lines = ["```answers", *(f"{f['key']}: {_answer(ex, folder, f, key_file)}" for f in reflect.fields), "```", ""]
        for p in reflect.prose:
            lines += [f"## {p['key']}", " ".join(["measurement"] * (p["min_words"] + 5)), ""]
        (folder / "REFLECT.md").write_text("\n".join(lines), encoding="utf-8")


def copies_of(full: Path, root: Path, n: int) -> list[Path]:
    """``n`` copies of one submission, as ``n`` students who all did the same."""
    copies = [root / f"student_{i:02d}" for i in range(n)]
    for copy in copies:
        shutil.copytree(full, copy, symlinks=True)
    return copies


def grade(subs: list[Path], jobs: int, out: Path, exercise_ids: list[str] | None = None, stages: list[str] | None = None) -> tuple[float, dict]:
    started = time.monotonic()
    only = [arg for ex_id in exercise_ids or [] for arg in ("--exercise", ex_id)]
    only += [arg for stage in stages or [] for arg in ("--stage", stage)]
    proc = subprocess.run(
        [sys.executable, "-m", "course.grade", "--submission", *map(str, subs), *only, "--jobs", str(jobs), "--out", str(out), "--json"],
        cwd=KIT, env=dict(os.environ, PYTHONPATH=str(KIT), NO_COLOR="1"), capture_output=True, text=True,
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"course.grade exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return elapsed, json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--exercise", action="append", metavar="ID", help="only this exercise (repeatable)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="grade-timing-") as tmp:
        root = Path(tmp)
        full = build_full(root / "full", args.exercise)
        one, report = grade([full], 1, root / "r1", args.exercise)
        sub = report["submissions"][0]
        print(f"one full submission ({len(sub['exercises'])} exercises): {sub['percent']:.1f}% in {one:.1f} s")
        if sub["percent"] < 100:
            for e in sub["exercises"]:
                for s in e["stages"]:
                    for c in s["checks"]:
                        if c["status"] not in ("passed", "staff"):
                            print(f"  not full marks: {c['id']}: {c['feedback'].splitlines()[0] if c['feedback'] else c['status']}")
        many, report = grade(copies_of(full, root, args.copies), args.jobs, root / "rn", args.exercise)
        percents = sorted({s["percent"] for s in report["submissions"]})
        print(f"{args.copies} submissions with --jobs {args.jobs}: {many:.1f} s ({many / args.copies:.2f} s each; percents {percents})")
    from record import record

    record("benchmarks/grade_timing.py", {
        "grading.full_marks.percent": (sub["percent"], "%"), "grading.full_marks.seconds": (round(one, 1), "s"),
        "grading.many.copies": (args.copies, "submissions"), "grading.many.jobs": (args.jobs, "jobs"),
        "grading.many.seconds": (round(many, 1), "s"),
    }, exact=("grading.full_marks.percent", "grading.many.copies", "grading.many.jobs"))


if __name__ == "__main__":  # an unknown --exercise is one line on stderr and exit 2, as in the kit's commands
    from course_core.present.cli import run

    raise SystemExit(run(lambda _argv: main() or 0, "benchmarks/grade_timing.py"))
