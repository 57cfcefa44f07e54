"""The gate: Locked Room violations by name, the delta rule, paired statistics, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli, write_jsonl
from course_core.artifacts.schemas import first_error
from course_core.errors import UserError
from course_core.measurement.evaluate import run_eval
from course_core.measurement.gate import LOCKED_ROOM_FIELDS, compare, locked_room_violations


@pytest.fixture
def runs(tiny) -> dict[str, Path]:
    d = tiny["dir"]
    better = write_jsonl(d / "better.jsonl", [
        {"id": "t0", "completion": "Final: 0"}, {"id": "t1", "completion": "Final: 2"},
        {"id": "t2", "completion": "Final: 4"}, {"id": "t3", "completion": "Final: 6"},
    ])
    modified = d / "modified.jsonl"
    modified.write_text(tiny["dataset"].read_text().replace('"expected_answer": 4', '"expected_answer": 5'))
    out = {
        "base": run_eval(tiny["dataset"], tiny["completions"], d / "base").outdir,
        "again": run_eval(tiny["dataset"], tiny["completions"], d / "again").outdir,
        "better": run_eval(tiny["dataset"], better, d / "better").outdir,
        "modified": run_eval(modified, tiny["completions"], d / "modified").outdir,
        "weak": run_eval(tiny["dataset"], tiny["completions"], d / "weak", scorer_name="weak_contains").outdir,
    }
    return out


def test_same_conditions_same_results_accept_at_zero(runs):
    report = compare(runs["base"], runs["again"], 0.0)
    assert report["decision"] == "ACCEPT" and report["locked_room"]["ok"]
    assert report["delta"] == 0.0 and report["paired"]["mcnemar_p"] == 1.0
    assert first_error(report, "gate_report") is None


def test_modified_dataset_is_a_locked_room_violation(runs):
    report = compare(runs["base"], runs["modified"], 0.0)
    assert report["decision"] == "REJECT"
    fields = [v["field"] for v in report["locked_room"]["violations"]]
    assert fields == ["dataset_fingerprint"]
    v = report["locked_room"]["violations"][0]
    assert v["baseline"].startswith("sha256:") and v["candidate"].startswith("sha256:") and v["baseline"] != v["candidate"]
    assert report["paired"] is None and "Locked Room violation" in report["reasons"][0]


def test_scorer_change_is_named_with_both_values(runs):
    report = compare(runs["base"], runs["weak"], -1.0)  # even a permissive delta cannot rescue it
    fields = {v["field"]: v for v in report["locked_room"]["violations"]}
    assert {"scorer_name", "scorer_spec_fingerprint"} <= set(fields)
    assert fields["scorer_name"]["baseline"] == "strict_final_int" and fields["scorer_name"]["candidate"] == "weak_contains"
    assert report["decision"] == "REJECT"


def test_delta_rule_and_paired_statistics(runs):
    report = compare(runs["base"], runs["better"], 0.25)
    assert report["decision"] == "ACCEPT" and report["delta"] == pytest.approx(0.5)
    p = report["paired"]
    assert p["n"] == 4 and p["discordant_candidate_only"] == 2 and p["discordant_baseline_only"] == 0
    assert p["mcnemar_p"] == pytest.approx(0.5)
    assert compare(runs["base"], runs["better"], 0.75)["decision"] == "REJECT"
    assert compare(runs["better"], runs["base"], 0.0)["decision"] == "REJECT"  # a regression
    significant = compare(runs["base"], runs["better"], 0.25, require_significant=True)
    assert significant["decision"] == "REJECT" and "not significant" in significant["reasons"][-1]


def test_locked_room_violations_compares_every_field():
    a = {f: "x" for f in LOCKED_ROOM_FIELDS}
    assert locked_room_violations(a, dict(a)) == []
    for field in LOCKED_ROOM_FIELDS:
        b = dict(a, **{field: "y"})
        assert [v["field"] for v in locked_room_violations(a, b)] == [field]
    b = dict(a)
    del b["sampling_config"]
    assert [v["field"] for v in locked_room_violations(a, b)] == ["sampling_config"]


def test_unusable_inputs(runs, tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        compare(tmp_path / "nope", runs["base"], 0.0)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="not a file"):
        compare(tmp_path / "file", runs["base"], 0.0)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"kind": "eval"}')
    with pytest.raises(UserError, match="manifest.json.*required property"):
        compare(broken, runs["base"], 0.0)


def test_cli_exit_codes_and_json(runs, tmp_path):
    proc = run_cli("course.gate", "--baseline", str(runs["base"]), "--candidate", str(runs["modified"]), "--min-delta", "0.00")
    assert proc.returncode == 1
    assert "REJECT" in proc.stdout and "Locked Room violation" in proc.stdout and "dataset_fingerprint" in proc.stdout
    out = tmp_path / "gate.json"
    proc = run_cli("course.gate", "--baseline", str(runs["base"]), "--candidate", str(runs["again"]), "--min-delta", "0",
                   "--json", "--out", str(out))
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["decision"] == "ACCEPT" == json.loads(out.read_text())["decision"]
    proc = run_cli("course.gate", "--baseline", str(tmp_path / "missing"), "--candidate", str(runs["base"]), "--min-delta", "0")
    assert proc.returncode == 2 and "baseline directory does not exist" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("course.gate", "--baseline", "a", "--candidate", "b", "--min-delta", "abc")
    assert proc.returncode == 2 and "--min-delta" in proc.stderr


@pytest.mark.parametrize("flags, named", [
    (["--min-delta", "nan"], "--min-delta must be a finite number"),
    (["--min-delta", "inf", "--json"], "--min-delta must be a finite number"),
    (["--min-delta=-inf"], "--min-delta must be a finite number"),
    (["--min-delta", "0", "--alpha", "2"], "--alpha must be a number strictly between 0 and 1"),
    (["--min-delta", "0", "--alpha", "inf"], "--alpha must be a number strictly between 0 and 1"),
    (["--min-delta", "0", "--alpha", "-1"], "--alpha must be a number strictly between 0 and 1"),
    (["--min-delta", "0", "--alpha", "nan", "--require-significant"], "--alpha must be a number strictly between 0 and 1"),
    (["--min-delta", "0", "--alpha", "0"], "--alpha must be a number strictly between 0 and 1"),
])
def test_cli_refuses_non_finite_min_delta_and_alpha_outside_0_1(runs, tmp_path, capsys, flags, named):
    from course.gate import main
    from course_core.present.cli import run

    out = tmp_path / "report.json"
    code = run(main, "course.gate", ["--baseline", str(runs["base"]), "--candidate", str(runs["again"]), *flags, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2 and named in captured.err and captured.out == ""
    assert not out.exists()


def test_cli_out_replaces_an_earlier_report_but_never_another_file(runs, tmp_path, capsys):
    from course.gate import main
    from course_core.present.cli import run

    def gate(out: Path) -> int:
        return run(main, "course.gate", ["--baseline", str(runs["base"]), "--candidate", str(runs["again"]),
                                         "--min-delta", "0", "--json", "--out", str(out)])

    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes on the gate\n")
    assert gate(notes) == 2
    err = capsys.readouterr().err
    assert f"{notes}: --out exists and is not a gate report of this kit; refusing to overwrite it" in err
    assert notes.read_text() == "my notes on the gate\n"
    other = tmp_path / "other.json"
    other.write_text('{"kind": "gate"}')  # kind alone does not make it a report of the kit
    assert gate(other) == 2 and other.read_text() == '{"kind": "gate"}'
    report = tmp_path / "gate.json"
    assert gate(report) == 0 and gate(report) == 0  # a report of the kit is replaced
    assert json.loads(report.read_text())["decision"] == "ACCEPT"
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gate.json", "notes.txt", "other.json"]


def _edit_run(src: Path, dest: Path, summary: dict | None = None, rows=None) -> Path:
    """A copy of a run with its summary fields or its results rows changed by hand."""
    import shutil

    shutil.copytree(src, dest)
    if summary:
        path = dest / "summary.json"
        path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8")) | summary), encoding="utf-8")
    if rows:
        path = dest / "results.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows([json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()])),
                        encoding="utf-8")
    return dest


@pytest.mark.parametrize("edit, said", [
    ({"summary": {"pass_rate": 1.0}}, "summary.json says 2 of 4 passed (pass_rate 1), but results.jsonl has 2 of 4"),
    ({"summary": {"passed": 4, "pass_rate": 1.0}}, "summary.json says 4 of 4 passed"),
    ({"rows": lambda rs: [r | {"reward": 2.0} for r in rs]}, "results row has reward 2.0; the kit's scorers give 0 or 1"),
    ({"rows": lambda rs: [r | {"reward": 1.0} for r in rs]}, "summary.json says 2 of 4 passed (pass_rate 0.5), but results.jsonl has 4 of 4"),
    ({"rows": lambda rs: [*rs[:3], rs[0]]}, "results row repeats the id 't0'"),
])
def test_a_run_edited_by_hand_never_moves_the_decision(runs, tmp_path, edit, said):
    """The delta came from summary.json alone: a candidate edited to pass_rate 1.0 was ACCEPTed."""
    edited = _edit_run(runs["base"], tmp_path / "edited", **edit)
    with pytest.raises(UserError) as err:
        compare(runs["base"], edited, 0.3)
    assert said in err.value.message and "must not be edited by hand" in err.value.hint
