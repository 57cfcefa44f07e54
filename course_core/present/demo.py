"""The classroom demo: the instructor guide, segment by segment, with every expected outcome checked.

Each step shows a narration panel (what to watch for), runs the guide's command exactly as the
guide prints it (``poetry run python`` becomes this interpreter, so the demo needs no Poetry),
then checks the guide's expected outcome and shows ✓ or ✗. The run exits non-zero if any
check fails, so CI can run it. A transcript (HTML) is saved next to the runs: the whole
guide's as ``runs/demo_transcript.html``, a single segment's under its own name.

A segment that reads another's runs names it in ``needs``; running it alone runs those first,
quietly. With ``pause``, end of input or Ctrl-C at a prompt (or during a command) stops the demo
with :class:`Stopped`, which says what the completed steps wrote.
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
    needs: tuple[str, ...] = ()  # segments whose runs this one reads


class Stopped(Exception):
    """The demo was stopped by the person at the keyboard (end of input or Ctrl-C)."""

    def __init__(self, step: str, running: bool, written: list[str]) -> None:
        super().__init__(step)
        self.step, self.running, self.written = step, running, written

    def __str__(self) -> str:
        where = f"while '{self.step}' was running" if self.running else f"before '{self.step}'"
        if not self.written:
            return f"stopped {where}; nothing was written"
        return f"stopped {where}; the steps before it wrote: {', '.join(self.written)}"


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


_modify_one_answer.writes = (MODIFIED,)  # type: ignore[attr-defined]


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
    Segment("D", "Segment 4: Integration and Synthesis", needs=("A",), steps=[
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
    """Run a guide block line by line from ``root``, with this kit importable even from elsewhere.

    The commands read nothing from the terminal (stdin is /dev/null), so a key pressed while one
    runs is left for the demo's next prompt.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(KIT_ROOT), env.get("PYTHONPATH")]))
    out, err, code = [], [], 0
    for line in shell_lines(command):
        proc = subprocess.run(["bash", "-c", localise(line)], cwd=root, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        out.append(proc.stdout)
        err.append(proc.stderr)
        code = code or proc.returncode
    return Done(code, "".join(out), "".join(err))


def writes(step: Step) -> list[str]:
    """What a step writes: each ``--outdir`` and ``cp`` destination of its command, or its action's files."""
    if step.command is None:
        return list(getattr(step.action, "writes", ()))
    out: list[str] = []
    for line in shell_lines(step.command):
        words = shlex.split(line)
        out += [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--outdir"]
        if words[:1] == ["cp"]:
            out.append(words[-1])
    return out


def default_transcript(segments: list[str] | None) -> str:
    """Where the transcript goes: the whole guide's has one name, each partial run its own."""
    order = [s.key for s in SEGMENTS]
    chosen = sorted(set(segments or []), key=lambda k: (order.index(k) if k in order else len(order), k))
    return f"runs/demo_transcript_{''.join(chosen)}.html" if chosen else "runs/demo_transcript.html"


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


def _checked(step: Step, root: Path, done: Done) -> list[CheckResult]:
    results = []
    for label, check in step.checks:
        try:
            passed = bool(check(root, done))
        except (OSError, ValueError, KeyError) as exc:
            passed, label = False, f"{label} ({type(exc).__name__}: {exc})"
        results.append(CheckResult(step.title, label, passed))
    return results


def _act(step: Step, root: Path) -> tuple[str, list[CheckResult]]:
    assert step.action is not None
    try:
        return step.action(root), []
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        note = f"could not {step.title.lower()}: {type(exc).__name__}: {exc}"
        return note, [CheckResult(step.title, note, False)]


def _quietly(segment: Segment, root: Path) -> list[CheckResult]:
    """Run a prerequisite segment without showing it; return its checks."""
    outcomes: list[CheckResult] = []
    for step in segment.steps:
        done = Done(0, "", "")
        if step.command is not None:
            done = run_command(step.command, root)
        elif step.action is not None:
            outcomes += _act(step, root)[1]
        outcomes += _checked(step, root, done)
    return outcomes


def _show_command(con: Any, command: str) -> None:
    """The command as the guide has it, broken (if the screen is narrow) only between arguments."""
    from rich.syntax import Syntax

    from course_core.shell_layout import wrap_command

    laid_out = wrap_command(command, con.width)
    text = Syntax(laid_out, "bash", theme="ansi_dark").highlight(laid_out)
    text.rstrip()
    con.print(text, no_wrap=True, overflow="ignore", crop=False)


def _taxonomy() -> Any:
    from rich.table import Table

    table = Table(title="What each loop changes")
    for col in ("Loop", "Primary Mechanism", "What Changes", "What Remains Constant"):
        table.add_column(col)
    for row in TAXONOMY:
        table.add_row(*row)
    return table


def run_demo(root: Path, segments: list[str] | None = None, pause: bool = False, con: Any = None) -> list[CheckResult]:
    """Run the selected segments (all by default) from ``root``; return every check's outcome.

    Segments the chosen ones need (and that were not chosen) run first, quietly; their checks
    are returned too. Raises :class:`Stopped` when the person at the keyboard stops the demo.
    """
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    con = con or Console(record=True)
    outcomes: list[CheckResult] = []
    chosen = [s for s in SEGMENTS + optional_segments(segments) if not segments or s.key in segments]
    needed = {key for s in chosen for key in s.needs} - {s.key for s in chosen}
    written: list[str] = []
    start = time.perf_counter()
    for segment in (s for s in SEGMENTS if s.key in needed):
        readers = ", ".join(s.key for s in chosen if segment.key in s.needs)
        con.print(f"[dim]Segment {readers} reads what Segment {segment.key} writes: running Segment {segment.key} first, quietly[/dim]")
        try:
            quiet = _quietly(segment, root)
        except KeyboardInterrupt:
            raise Stopped(f"{segment.title} (run first, quietly)", True, written) from None
        outcomes += quiet
        for o in quiet:
            if not o.passed:
                con.print(f"[red]✗ {segment.key}, {o.title}: {o.check}[/red]")
        written += [w for step in segment.steps for w in writes(step) if w not in written]
    first = list(outcomes)
    for segment in chosen:
        con.rule(f"[bold]{segment.title}[/bold]")
        for step in segment.steps:
            con.print(Panel(step.narration, title=step.title, title_align="left", border_style="cyan"))
            if pause:
                try:
                    con.input("[dim]press Enter to run[/dim] ")
                except (EOFError, KeyboardInterrupt):
                    con.print()
                    raise Stopped(step.title, False, written) from None
            done = Done(0, "", "")
            try:
                if step.command is not None:
                    _show_command(con, step.command)
                    done = run_command(step.command, root)
                    if done.stdout:
                        con.print(Text(done.stdout.rstrip("\n")))
                    if done.stderr:
                        con.print(Text(done.stderr.rstrip("\n"), style="yellow"))
                elif step.action is not None:
                    note, failed = _act(step, root)
                    outcomes += failed
                    con.print(_taxonomy() if note == "taxonomy" else f"[magenta]{note}[/magenta]")
            except KeyboardInterrupt:
                con.print()
                raise Stopped(step.title, True, written) from None
            written += [w for w in writes(step) if w not in written]
            for result in _checked(step, root, done):
                outcomes.append(result)
                con.print(f"[green]✓[/green] {result.check}" if result.passed else f"[red]✗ {result.check}[/red]")
    elapsed = time.perf_counter() - start
    failed = [o for o in outcomes if not o.passed]
    colour = "red" if failed else "green"
    shown = outcomes[len(first):]
    held = f"{sum(o.passed for o in shown)}/{len(shown)} expected outcomes held"
    if first:
        held += f" (and {sum(o.passed for o in first)}/{len(first)} of Segment {', '.join(sorted(needed))}, run first)"
    con.rule(f"[{colour}]{held} ({elapsed:.1f} s)[/{colour}]")
    for o in failed:
        con.print(f"[red]✗ {o.title}: {o.check}[/red]")
    return outcomes
