"""python -m course.bandit_train as a user types it: the guide's runs, artifacts, bad input, plots, inspection."""

from __future__ import annotations

import json
import subprocess
import sys
import types
import unicodedata
from pathlib import Path
from unittest import mock

import pytest

from conftest import run_cli
from course_core.artifacts.rundir import load_run
from course_core.artifacts.schemas import first_error
from course_core.learning.bandit import BanditConfig
from course_core.learning.bandit_run import run_bandit, run_testbed

GUIDE = ["--steps", "30", "--seed", "0", "--baseline", "--slow"]


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _is_path_line(line: str, outdir: Path) -> bool:
    """A line that is one of the run's paths, whole ("wrote <outdir>/" or an indented file in it),
    spaces in the path included (TMPDIR may hold one)."""
    rest = line.strip().removeprefix("wrote ")
    return rest.startswith(str(outdir)) and " " not in rest[len(str(outdir)):]


def _files(outdir: Path) -> set[str]:
    return {p.name for p in outdir.iterdir()}


@pytest.fixture(scope="module")
def guide_runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """The guide's two Segment 3 commands (outdir moved to a temporary directory), at 80 columns, piped."""
    base = tmp_path_factory.mktemp("guide")
    runs = {}
    for name, lr in (("demo_bandit_slow", "0.5"), ("demo_bandit_negative", "-0.5")):
        outdir = base / name
        proc = run_cli("course.bandit_train", *GUIDE[:4], "--lr", lr, *GUIDE[4:], "--outdir", str(outdir), env={"COLUMNS": "80"})
        runs[name] = (outdir, proc)
    return runs


@pytest.mark.slow
def test_guide_positive_lr_learns_toward_the_best_arm(guide_runs):
    outdir, proc = guide_runs["demo_bandit_slow"]
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((outdir / "summary.json").read_text())
    assert summary["verdict"] == "learned toward the best arm"
    assert summary["p_best_end"] > summary["p_best_start"] + 0.4
    assert "P(best arm 2): 0.333 → 0.834" in proc.stdout and "learned toward the best arm" in proc.stdout


@pytest.mark.slow
def test_guide_negative_lr_learns_away_from_the_best_arm(guide_runs):
    outdir, proc = guide_runs["demo_bandit_negative"]
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((outdir / "summary.json").read_text())
    assert summary["verdict"] == "learned away from the best arm"
    assert summary["p_best_end"] < summary["p_best_start"] - 0.2
    assert "learned away from the best arm" in proc.stdout


@pytest.mark.slow
def test_slow_narration_is_plain_readable_text_at_80_columns(guide_runs):
    outdir, proc = guide_runs["demo_bandit_slow"]
    out = proc.stdout
    assert "\x1b[" not in out  # piped: no colour codes
    # only a path wider than the terminal may be wider: it is printed whole (the terminal folds it, a copy keeps it)
    assert all(_width(line) <= 80 or _is_path_line(line, outdir) for line in out.splitlines())
    header = next(line for line in out.splitlines() if line.lstrip().startswith("step"))
    assert header.split() == ["step", "arm", "reward", "baseline", "advantage", "P(0)", "P(1)", "P(2)*"]
    step1 = next(line for line in out.splitlines() if line.split()[:1] == ["1"])
    # step 1: arm 1 paid 1 with baseline 0 → advantage +1: P(1) rises, the others fall.
    assert step1.split() == ["1", "1", "1", "0.000", "+1.000", "0.274↓", "0.452↑", "0.274↓"]
    step3 = next(line for line in out.splitlines() if line.split()[:1] == ["3"])
    assert step3.split()[4] == "-1.000" and step3.split()[7] == "0.178↓"
    assert sum(1 for line in out.splitlines() if line.split()[:1] and line.split()[0].isdigit()) == 30


@pytest.mark.slow
def test_run_directory_is_complete_and_valid(guide_runs):
    outdir, _ = guide_runs["demo_bandit_slow"]
    run = load_run(outdir)
    manifest = run.manifest
    assert manifest["kind"] == "bandit" and run.summary["kind"] == "bandit"
    assert set(manifest["artifacts"]) == _files(outdir)
    assert {"manifest.json", "log.jsonl", "summary.json", "summary.md"} <= _files(outdir)
    assert manifest["dataset_fingerprint"] is None and manifest["scorer_name"] is None and manifest["scorer_version"] is None
    assert manifest["sampling_config"] == {
        "environment": "bernoulli_bandit", "arms": [0.2, 0.5, 0.8], "seed": 0, "steps": 30, "lr": 0.5,
        "baseline": True, "policy": "softmax", "runs": 1,
    }
    rows = [json.loads(line) for line in (outdir / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 31))
    assert all(first_error(r, "bandit_log_row") is None for r in rows)
    assert rows[-1]["probs_after"] == run.summary["final_probs"]
    assert "learned toward the best arm" in (outdir / "summary.md").read_text()


@pytest.mark.slow
def test_log_is_byte_identical_across_runs_and_hash_seeds(tmp_path, guide_runs):
    outdir, _ = guide_runs["demo_bandit_slow"]
    again = tmp_path / "again"
    proc = run_cli("course.bandit_train", *GUIDE[:4], "--lr", "0.5", "--baseline", "--no-plot", "--outdir", str(again),
                   env={"PYTHONHASHSEED": "12345"})
    assert proc.returncode == 0, proc.stderr
    assert (again / "log.jsonl").read_bytes() == (outdir / "log.jsonl").read_bytes()
    assert not any(name.endswith(".png") for name in _files(again))  # --no-plot
    assert set(load_run(again).manifest["artifacts"]) == _files(again)


def test_runs_average_many_bandits_and_log_run_zero(tmp_path, guide_runs):
    outdir = tmp_path / "many"
    proc = run_cli("course.bandit_train", "--steps", "30", "--seed", "0", "--lr", "0.5", "--baseline",
                   "--runs", "200", "--no-plot", "--outdir", str(outdir))
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((outdir / "summary.json").read_text())
    assert summary["runs"] == 200 and sum(summary["action_counts"]) == 200 * 30
    assert len(summary["curves"]["mean_reward"]) == 30 and len(summary["curves"]["p_best"]) == 31
    assert summary["verdict"] == "learned toward the best arm"
    assert "mean over 200 runs" in proc.stdout
    # log.jsonl follows run 0, which is exactly the single run with the same seed.
    single, _ = guide_runs["demo_bandit_slow"]
    assert (outdir / "log.jsonl").read_bytes() == (single / "log.jsonl").read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--steps", "0"], "--steps must be between 1"),
        (["--arms", "0.2,1.5"], "outside [0, 1]"),
        (["--arms", "0.2,abc"], "not a number"),
        (["--testbed", "bogus"], "unknown testbed 'bogus'"),
        (["--testbed", "sutton-barto", "--lr", "0.1"], "--lr does not apply to --testbed"),
        (["--runs", "5", "--slow"], "--slow narrates one bandit"),
        (["--lr", "nan"], "--lr must be a finite number"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_writes_nothing(tmp_path, args, message):
    outdir = tmp_path / "out"
    proc = run_cli("course.bandit_train", *args, "--outdir", str(outdir))
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_testbed_run_writes_curves_and_is_inspectable(tmp_path):
    outdir = tmp_path / "fig"
    proc = run_cli("course.bandit_train", "--testbed", "sutton-barto", "--runs", "50", "--steps", "20",
                   "--outdir", str(outdir))
    assert proc.returncode == 0, proc.stderr
    run = load_run(outdir)
    assert run.summary["environment"] == "sutton_barto_testbed" and len(run.summary["settings"]) == 4
    assert set(run.manifest["artifacts"]) == _files(outdir)
    lines = (outdir / "testbed_curves.csv").read_text().splitlines()
    assert len(lines) == 21 and lines[0].startswith("step,pct_optimal_alpha0.1_baseline")
    assert "alpha=0.4, without baseline" in proc.stdout
    inspected = run_cli("course.inspect_run", "--run", str(outdir))
    assert inspected.returncode == 0, inspected.stderr
    assert "Figure 2.5" in inspected.stdout


def test_inspect_run_shows_arms_highlights_and_steps(guide_runs):
    outdir, _ = guide_runs["demo_bandit_slow"]
    proc = run_cli("course.inspect_run", "--run", str(outdir), "--top-k", "3", "--show", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [a["pulls"] for a in data["actions"]] == [4, 8, 18]
    assert len(data["highlights"]) == 3 and data["highlights"][0]["step"] == 1
    shifts = [h["shift"] for h in data["highlights"]]
    assert shifts == sorted(shifts, reverse=True)
    assert [r["step"] for r in data["examples"]] == [1, 30]
    text = run_cli("course.inspect_run", "--run", str(outdir), "--only-fails", "--top-k", "5", "--show", "2")
    assert text.returncode == 0 and "moved most" in text.stdout and "pulls" in text.stdout


# ---------------------------------------------------------------- figures: with and without matplotlib


def _fake_matplotlib() -> dict[str, types.ModuleType]:
    """Just enough of matplotlib for plots.py: every savefig writes a small file."""
    mpl = types.ModuleType("matplotlib")
    mpl.use = lambda backend: None  # type: ignore[attr-defined]
    pyplot = types.ModuleType("matplotlib.pyplot")

    def subplots(*args, **kwargs):
        fig = mock.MagicMock()
        fig.savefig.side_effect = lambda path, **kw: Path(path).write_bytes(b"\x89PNG fake")
        return fig, mock.MagicMock()

    pyplot.subplots = subplots  # type: ignore[attr-defined]
    pyplot.close = lambda fig: None  # type: ignore[attr-defined]
    mpl.pyplot = pyplot  # type: ignore[attr-defined]
    return {"matplotlib": mpl, "matplotlib.pyplot": pyplot}


def test_without_matplotlib_runs_are_complete_and_have_no_png(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    out = run_bandit(BanditConfig(steps=10), tmp_path / "b", args={})
    assert not any(name.endswith(".png") for name in out.artifacts)
    assert set(out.artifacts) == _files(tmp_path / "b")


def test_with_matplotlib_figures_are_written_and_listed(tmp_path, monkeypatch):
    for name, module in _fake_matplotlib().items():
        monkeypatch.setitem(sys.modules, name, module)
    out = run_bandit(BanditConfig(steps=10), tmp_path / "b", args={})
    assert {"learning_curve.png", "probability_trajectories.png"} <= set(out.artifacts)
    assert set(load_run(tmp_path / "b").manifest["artifacts"]) == _files(tmp_path / "b")
    fig = run_testbed("sutton-barto", runs=10, steps=5, seed=0, outdir=tmp_path / "f", args={})
    assert "figure_2_5.png" in fig.artifacts and (tmp_path / "f" / "figure_2_5.png").is_file()
    # A rerun onto the same directory replaces it (its PNGs are listed, so it is recognised as a kit run).
    again = run_bandit(BanditConfig(steps=10), tmp_path / "b", args={})
    assert again.replaced
    # plot=False (--no-plot) draws nothing even though matplotlib is there
    bare = run_bandit(BanditConfig(steps=10), tmp_path / "bare", args={}, plot=False)
    bare_fig = run_testbed("sutton-barto", runs=10, steps=5, seed=0, outdir=tmp_path / "bare_f", args={}, plot=False)
    for run in (bare, bare_fig):
        assert not any(name.endswith(".png") for name in run.artifacts)
        assert set(run.artifacts) == _files(run.outdir)


@pytest.mark.slow
def test_real_matplotlib_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    out = run_bandit(BanditConfig(steps=10), tmp_path / "b", args={})
    for name in ("learning_curve.png", "probability_trajectories.png"):
        assert (tmp_path / "b" / name).read_bytes().startswith(b"\x89PNG") and name in out.artifacts
