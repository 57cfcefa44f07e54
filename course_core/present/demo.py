"""The classroom demo: the instructor guide, segment by segment, with every expected outcome checked.

Each step shows a narration panel (what to watch for), runs the guide's command exactly as the
guide prints it (``poetry run python`` becomes this interpreter, so the demo needs no Poetry),
then checks the guide's expected outcome and shows ✓ or ✗. The run exits non-zero if any
check fails, so CI can run it. A transcript (HTML) is saved next to the runs.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_core.paths import KIT_ROOT

MODIFIED = "/tmp/math_dev_modified.jsonl"


@dataclass
class Done:
    """What a step's command did."""

    returncode: int
    stdout: str
    stderr: str


@dataclass
class Step:
    """One beat of the guide: narration, the guide's command (or an action), and checks."""

    title: str
    narration: str
    command: str | None = None  # verbatim from the guide, shell syntax
    action: Callable[[Path], str] | None = None  # a step the guide leaves to the instructor
    checks: list[tuple[str, Callable[[Path, Done], bool]]] = field(default_factory=list)


@dataclass
class Segment:
    key: str
    title: str
    steps: list[Step]


# ---------------------------------------------------------------------------------------------
# Checks: small, named, each reading the artifacts a step wrote.


def _json(root: Path, rel: str) -> Any:
    return json.loads((root / rel).read_text(encoding="utf-8"))


def _ok(_: Path, done: Done) -> bool:
    return done.returncode == 0


def _files(*names: str) -> Callable[[Path, Done], bool]:
    return lambda root, _: all((root / n).is_file() for n in names)


def _modify_one_answer(root: Path) -> str:
    """The guide's '# Modify one expected_answer in the temporary file', done for the instructor.

    It picks the first example the clean run scored correct, so the metric visibly moves.
    """
    clean = root / "runs/demo_eval_clean/results.jsonl"
    target = next(json.loads(ln)["id"] for ln in clean.read_text(encoding="utf-8").splitlines() if '"outcome": "correct"' in ln)
    path = Path(MODIFIED)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        row = json.loads(line)
        if row["id"] == target:
            old = row["expected_answer"]
            row["expected_answer"] = old + 1
            lines[i] = json.dumps(row, ensure_ascii=False) + "\n"
            break
    path.write_text("".join(lines), encoding="utf-8")
    return f"changed {target}: expected_answer {old} → {old + 1} in {MODIFIED}"


def _gate_rejects_for_locked_room(_: Path, done: Done) -> bool:
    return done.returncode == 1 and "REJECT" in done.stdout and "Locked Room violation" in done.stdout


def _gate_names_fingerprint(_: Path, done: Done) -> bool:
    return "dataset_fingerprint" in done.stdout


def _metric_moved(root: Path, _: Done) -> bool:
    a = _json(root, "runs/demo_eval_clean/summary.json")["pass_rate"]
    return a != _json(root, "runs/demo_eval_modified/summary.json")["pass_rate"]


def _pass_rate_rose(root: Path, _: Done) -> bool:
    return _json(root, "runs/demo_sel_n4/summary.json")["pass_rate"] > _json(root, "runs/demo_sel_n1/summary.json")["pass_rate"]


def _no_diff(_: Path, done: Done) -> bool:
    return done.returncode == 0 and done.stdout == ""


def _bandit_verdict(run: str, toward: bool) -> Callable[[Path, Done], bool]:
    def check(root: Path, _: Done) -> bool:
        s = _json(root, f"{run}/summary.json")
        moved_up = s["p_best_end"] > s["p_best_start"]
        return moved_up == toward and ("toward" in s["verdict"]) == toward

    return check


def _fingerprints_are_strings(root: Path, _: Done) -> bool:
    m = _json(root, "runs/demo_eval_clean/manifest.json")
    return isinstance(m["dataset_fingerprint"], str) and isinstance(m["scorer_version"], str)


def _fingerprints_differ_versions_agree(root: Path, _: Done) -> bool:
    a = _json(root, "runs/demo_eval_clean/manifest.json")
    b = _json(root, "runs/demo_eval_modified/manifest.json")
    return a["dataset_fingerprint"] != b["dataset_fingerprint"] and a["scorer_version"] == b["scorer_version"]


# ---------------------------------------------------------------------------------------------
# The guide, in its order. Commands are the guide's, character for character.

EVAL_CLEAN = """poetry run python -m course.eval \\
  --dataset data/datasets/math_dev.jsonl \\
  --completions data/rollouts/frozen_rollouts_dev.jsonl \\
  --outdir runs/demo_eval_clean"""

EVAL_MODIFIED = """poetry run python -m course.eval \\
  --dataset /tmp/math_dev_modified.jsonl \\
  --completions data/rollouts/frozen_rollouts_dev.jsonl \\
  --outdir runs/demo_eval_modified"""

GATE = """poetry run python -m course.gate \\
  --baseline runs/demo_eval_clean \\
  --candidate runs/demo_eval_modified \\
  --min-delta 0.00"""


def _selection(n: int, outdir: str) -> str:
    return f"""poetry run python -m course.selection_demo \\
  --dataset data/datasets/math_dev.jsonl \\
  --samples data/rollouts/selection_pack_dev.jsonl \\
  --n {n} \\
  --outdir {outdir}"""


TAXONOMY = [
    ("A", "Measurement", "Recorded metrics", "Policy, environment, instrument"),
    ("B", "Selection", "Observed outputs", "Underlying distribution"),
    ("C", "Learning", "Probability distribution", "(Potentially nothing—this is the fundamental change)"),
]

SEGMENTS: list[Segment] = [
    Segment("A", "Segment 1: Loop A — Measurement as Scientific Instrumentation", [
        Step("Clean eval", "A scorer is an instrument. Watch the three artifacts it writes: the conditions (manifest), "
             "the per-example outcomes (results), and the aggregate (summary).",
             EVAL_CLEAN, checks=[("eval exits 0", _ok),
                                 ("manifest.json, results.jsonl, summary.json written",
                                  _files("runs/demo_eval_clean/manifest.json", "runs/demo_eval_clean/results.jsonl",
                                         "runs/demo_eval_clean/summary.json"))]),
        Step("The manifest", "manifest.json records the experimental conditions, like a lab notebook.",
             "cat runs/demo_eval_clean/manifest.json", checks=[("fingerprint and scorer version are strings", _fingerprints_are_strings)]),
        Step("Per-example outcomes", "results.jsonl: one row per example, with the parsed answer and the reason.",
             "head -5 runs/demo_eval_clean/results.jsonl", checks=[("shows rows", lambda r, d: d.stdout.count("\n") == 5)]),
        Step("The aggregate", "summary.json: the pass rate with its 95% interval, and outcome counts.",
             "cat runs/demo_eval_clean/summary.json", checks=[("exits 0", _ok)]),
        Step("Copy the dataset", "Now a controlled modification of the measurement conditions, not of the policy.",
             "cp data/datasets/math_dev.jsonl /tmp/math_dev_modified.jsonl", checks=[("copied", _ok)]),
        Step("Modify one expected_answer", "One label changes in the copy. Nothing about the model changes.",
             action=_modify_one_answer),
        Step("Eval on the modified copy", "Same completions, same scorer, a different dataset.",
             EVAL_MODIFIED, checks=[("eval exits 0", _ok)]),
        Step("Gate", "Expected: REJECT, with a Locked Room violation. The metric moved, but the conditions moved too.",
             GATE, checks=[("REJECT with a Locked Room violation (exit 1)", _gate_rejects_for_locked_room),
                           ("names dataset_fingerprint", _gate_names_fingerprint),
                           ("the metric moved, with no change to the policy", _metric_moved)]),
    ]),
    Segment("B", "Segment 2: Loop B — Selection Without Learning", [
        Step("Selection, N=1", "Best-of-N chooses among existing samples. First, one sample per item.",
             _selection(1, "runs/demo_sel_n1"), checks=[("exits 0", _ok)]),
        Step("Selection, N=4", "Now the best of four. The samples come from the same distribution.",
             _selection(4, "runs/demo_sel_n4"), checks=[("exits 0", _ok)]),
        Step("Compare", "Pass rate rises with N. Has the model learned anything? No: we looked at more samples.",
             "cat runs/demo_sel_n1/summary.json\ncat runs/demo_sel_n4/summary.json",
             checks=[("pass rate rose from N=1 to N=4", _pass_rate_rose)]),
        Step("Repeat N=4", "If we reset and run N=4 selection again, will we obtain identical results?",
             _selection(4, "runs/demo_sel_n4_repeat"), checks=[("exits 0", _ok)]),
        Step("Diff the two N=4 runs", "Expected: no difference. Selection is deterministic given identical inputs.",
             "diff runs/demo_sel_n4/results.jsonl runs/demo_sel_n4_repeat/results.jsonl",
             checks=[("no difference: selection is deterministic", _no_diff)]),
    ]),
    Segment("C", "Segment 3: Loop C — Learning Modifies Distribution", [
        Step("Bandit, lr 0.5", "Watch each step: the sampled action, its reward, the baseline, the advantage. "
             "Positive advantage raises that action's probability; negative lowers it. This is REINFORCE.",
             "poetry run python -m course.bandit_train --steps 30 --seed 0 --lr 0.5 --baseline --slow --outdir runs/demo_bandit_slow",
             checks=[("exits 0", _ok), ("P(best arm) rose: learned toward the best arm", _bandit_verdict("runs/demo_bandit_slow", True))]),
        Step("Bandit, lr −0.5", "The learning rate is negative: the update direction reverses, and the system learns "
             "the inverse of the objective.",
             "poetry run python -m course.bandit_train --steps 30 --seed 0 --lr -0.5 --baseline --slow --outdir runs/demo_bandit_negative",
             checks=[("exits 0", _ok), ("P(best arm) fell: learned away from the best arm", _bandit_verdict("runs/demo_bandit_negative", False))]),
    ]),
    Segment("D", "Segment 4: Integration and Synthesis", [
        Step("The taxonomy", "Three loops, three different operations.", action=lambda root: "taxonomy"),
        Step("Locked Room: the two manifests", "Before comparing two runs: same dataset, same scorer version, same sampling "
             "configuration? Here the dataset fingerprints differ, so the comparison was invalid.",
             "cat runs/demo_eval_clean/manifest.json | jq '.dataset_fingerprint, .scorer_version'\n"
             "cat runs/demo_eval_modified/manifest.json | jq '.dataset_fingerprint, .scorer_version'",
             checks=[("fingerprints differ, scorer versions agree", _fingerprints_differ_versions_agree)]),
    ]),
]


# ---------------------------------------------------------------------------------------------
# Running.


def shell_lines(command: str) -> list[str]:
    """Split a guide block into commands: join backslash continuations, drop blanks and comments."""
    joined = command.replace("\\\n", " ")
    return [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def localise(line: str) -> str:
    """``poetry run python`` → this interpreter; ``jq`` → a Python stand-in when jq is missing."""
    python = shlex.quote(sys.executable)
    if line.startswith("poetry run python"):
        line = python + line[len("poetry run python"):]
    if "| jq " in line and shutil.which("jq") is None:
        source, _, expr = line.partition("| jq ")
        fields = [f.strip().lstrip(".") for f in shlex.split(expr)[0].split(",")]
        code = "import json,sys; d=json.load(sys.stdin); [print(json.dumps(d.get(f))) for f in %r]" % (fields,)
        line = f"{source}| {python} -c {shlex.quote(code)}"
    return line


def run_command(command: str, root: Path) -> Done:
    """Run a guide block line by line from ``root``, with this kit importable even from elsewhere."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(KIT_ROOT), env.get("PYTHONPATH")]))
    out, err, code = [], [], 0
    for line in shell_lines(command):
        proc = subprocess.run(["bash", "-c", localise(line)], cwd=root, env=env, capture_output=True, text=True)
        out.append(proc.stdout)
        err.append(proc.stderr)
        code = code or proc.returncode
    return Done(code, "".join(out), "".join(err))


@dataclass
class CheckResult:
    """One expected outcome of the guide, and whether it held."""

    title: str
    check: str
    passed: bool


def optional_segments(keys: list[str] | None) -> list[Segment]:
    """Segments outside the guide's default run, loaded only when asked for (LM needs torch)."""
    if keys and "LM" in keys:
        from course_core.present.demo_lm import LM_SEGMENT

        return [LM_SEGMENT]
    return []


def run_demo(root: Path, segments: list[str] | None = None, pause: bool = False, con: Any = None) -> list[CheckResult]:
    """Run the selected segments (all by default) from ``root``; return every check's outcome."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    con = con or Console(record=True)
    outcomes: list[CheckResult] = []
    chosen = [s for s in SEGMENTS + optional_segments(segments) if not segments or s.key in segments]
    start = time.perf_counter()
    for segment in chosen:
        con.rule(f"[bold]{segment.title}[/bold]")
        for step in segment.steps:
            con.print(Panel(step.narration, title=step.title, title_align="left", border_style="cyan"))
            if pause:
                con.input("[dim]press Enter to run[/dim] ")
            done = Done(0, "", "")
            if step.command is not None:
                con.print(Syntax(step.command, "bash", theme="ansi_dark", word_wrap=True))
                done = run_command(step.command, root)
                if done.stdout:
                    con.print(Text(done.stdout.rstrip("\n")))
                if done.stderr:
                    con.print(Text(done.stderr.rstrip("\n"), style="yellow"))
            elif step.action is not None:
                try:
                    note = step.action(root)
                except (OSError, ValueError, KeyError, StopIteration) as exc:
                    note = f"could not {step.title.lower()}: {type(exc).__name__}: {exc}"
                    outcomes.append(CheckResult(step.title, note, False))
                if note == "taxonomy":
                    table = Table(title="What each loop changes")
                    for col in ("Loop", "Primary Mechanism", "What Changes", "What Remains Constant"):
                        table.add_column(col)
                    for row in TAXONOMY:
                        table.add_row(*row)
                    con.print(table)
                else:
                    con.print(f"[magenta]{note}[/magenta]")
            for label, check in step.checks:
                try:
                    passed = bool(check(root, done))
                except (OSError, ValueError, KeyError) as exc:
                    passed, label = False, f"{label} ({type(exc).__name__}: {exc})"
                outcomes.append(CheckResult(step.title, label, passed))
                con.print(f"[green]✓[/green] {label}" if passed else f"[red]✗ {label}[/red]")
    elapsed = time.perf_counter() - start
    failed = [o for o in outcomes if not o.passed]
    colour = "red" if failed else "green"
    con.rule(f"[{colour}]{len(outcomes) - len(failed)}/{len(outcomes)} expected outcomes held ({elapsed:.1f} s)[/{colour}]")
    for o in failed:
        con.print(f"[red]✗ {o.title}: {o.check}[/red]")
    return outcomes
