"""Grade report writers: report.json, report.md, Gradescope results.json, JUnit XML, CSV gradebook, terminal table."""

from __future__ import annotations

import copy
import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from course_core.errors import ArtifactBug
from course_core.grading.reports import _reproduce_lines, gradescope_results, render_markdown, render_table, validate_report, write_reports
from course_core.shell_layout import shell_words


def _check(ex: str, stage: str, name: str, points: float, max_points: float, status: str, **extra) -> dict:
    return {
        "id": f"{ex}.{stage}.{name}",
        "name": name,
        "points": points,
        "max_points": max_points,
        "status": status,
        "visibility": extra.get("visibility", "visible"),
        "feedback": extra.get("feedback", "" if status == "passed" else f"{name} did not hold"),
        "command": extra.get("command"),
    }


def _stage(stage: str, points: float, checks: list[dict]) -> dict:
    """A stage as the engine writes it: its points are its checks' points added up, nothing rescaled."""
    assert sum(c["max_points"] for c in checks) == points, "a stage is worth what its checks add up to"
    staff = sum(c["max_points"] for c in checks if c["status"] == "staff")
    return {"stage": stage, "score": sum(c["points"] for c in checks), "max_score": float(points), "staff_points": staff, "checks": checks}


def _exercise(ex: str, title: str, loop: str, stages: list[dict]) -> dict:
    return {
        "id": ex,
        "title": title,
        "loop": loop,
        "score": sum(s["score"] for s in stages),
        "max_score": sum(s["max_score"] for s in stages),
        "staff_points": sum(s["staff_points"] for s in stages),
        "stages": stages,
    }


def _submission(label: str, exercises: list[dict], good: bool = False) -> dict:
    score = sum(e["score"] for e in exercises)
    maximum = sum(e["max_score"] for e in exercises)
    staff = sum(e["staff_points"] for e in exercises)
    return {
        "submission": label,
        "path": f"submissions/{label}",
        "score": score,
        "max_score": maximum,
        "staff_points": staff,
        "percent": 100 * score / (maximum - staff),
        "exercises": exercises,
    }


def _a1(good: bool) -> dict:
    ex = "a1_locked_room"
    build = _stage(
        "build",
        40,
        [
            _check(ex, "build", "test_build.test_fingerprint", 10, 10, "passed"),
            _check(
                ex,
                "build",
                "test_build.test_compare",
                20 if good else 0,
                20,
                "passed" if good else "failed",
                feedback="" if good else "expected 'dataset_fingerprint', got 'scorer_version'",
                command="pytest exercises/a1_locked_room/tests/test_build.py::test_compare",
            ),
            _check(
                ex,
                "build",
                "hidden.test_build_hidden.test_ids",
                10 if good else 0,
                10,
                "passed" if good else "error",
                visibility="hidden",
                feedback="" if good else "StudentError: KeyError('id')",
            ),
        ],
    )
    sabotage = _stage("sabotage", 20, [_check(ex, "sabotage", "clean_run", 10, 10, "passed"), _check(ex, "sabotage", "modified_run", 0 if not good else 10, 10, "passed" if good else "not_run", command="python -m course.grade --check a1_locked_room.sabotage.modified_run")])
    reflect = _stage(
        "reflect",
        20,
        [
            _check(ex, "reflect", "differing_field", 16, 16, "passed"),
            _check(ex, "reflect", "secret_literal", 0, 4, "staff", feedback="graded by staff: 4 points"),
        ],
    )
    repair = _stage("repair", 20, [
        _check(ex, "repair", "lock", 10 if good else 2.5, 10, "passed" if good else "failed", feedback="caught 1 of 4 chaffs", visibility="hidden"),
        _check(ex, "repair", "hidden", 0, 10, "staff", visibility="hidden", feedback="graded by staff: 10 points"),
    ])
    return _exercise(ex, "The Locked Room", "A", [build, sabotage, reflect, repair])


def _b1() -> dict:
    ex = "b1_best_of_n"
    return _exercise(ex, "Best of N | selection", "B", [_stage("build", 10, [_check(ex, "build", "test_sel.test_argmax", 10, 10, "passed")])])


def make_report(n: int = 1) -> dict:
    labels = ["alice", "bob", "=cmd|evil"][:n]
    subs = [_submission(label, [_a1(good=i % 2 == 1), _b1()]) for i, label in enumerate(labels)]
    return {
        "kind": "grade_report",
        "kit_version": "0.1.0",
        "created_utc": "2026-01-02T03:04:05Z",
        "mode": "staff" if n > 1 else "student",
        "hidden_tests": True,
        "submissions": subs,
        "prose": [
            {"submission": "alice", "exercise": "a1_locked_room", "key": "why_invalid", "words": 7, "text": "The dataset changed so ``` nothing compares."}
        ],
        "isolation": {"mode": "bwrap", "note": "each check runs in its own bubblewrap sandbox"},
    }


def test_single_submission_writes_json_md_gradescope_junit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    report = make_report(1)
    paths = write_reports(report, tmp_path / "out")
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in paths)
    assert names == ["junit.xml", "report.json", "report.md", "results.json"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == names  # no temporary leftovers
    assert json.loads((tmp_path / "out/report.json").read_text()) == report


def test_gradescope_results_follow_their_spec_and_add_up() -> None:
    report = make_report(1)
    sub = report["submissions"][0]
    res = gradescope_results(report)
    assert set(res) == {"score", "output", "stdout_visibility", "tests"}
    assert res["score"] == pytest.approx(sub["score"], abs=1e-4)
    for test in res["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
        assert test["visibility"] in ("visible", "hidden")
        assert test.get("status", "passed") in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"] + 1e-9
    assert sum(t["score"] for t in res["tests"]) == pytest.approx(sub["score"], abs=1e-3)
    assert sum(t["max_score"] for t in res["tests"]) == pytest.approx(sub["max_score"] - sub["staff_points"], abs=1e-3)
    by_name = {t["name"]: t for t in res["tests"]}
    hidden = by_name["a1_locked_room [build] hidden.test_build_hidden.test_ids"]
    assert hidden["visibility"] == "hidden" and hidden["status"] == "failed" and "KeyError" in hidden["output"]
    failed = by_name["a1_locked_room [build] test_build.test_compare"]
    assert "Reproduce: pytest exercises/a1_locked_room/tests/test_build.py::test_compare" in failed["output"]
    staff = by_name["a1_locked_room [reflect] secret_literal"]
    assert "status" not in staff and staff["max_score"] == 0 and "Graded by staff (4 points)" in staff["output"]
    assert res["output"].startswith("48.5 / 96 graded here, 14 more graded by staff points (50.5%)")
    assert "not_run" not in json.dumps([t.get("status") for t in res["tests"]])


def test_gradescope_results_needs_a_label_when_there_are_several() -> None:
    report = make_report(2)
    with pytest.raises(ValueError, match="2 submissions"):
        gradescope_results(report)
    assert gradescope_results(report, "bob")["score"] == pytest.approx(report["submissions"][1]["score"], abs=1e-4)


def test_junit_xml_one_suite_per_exercise_stage_with_failures(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    write_reports(make_report(1), tmp_path)
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == [
        "a1_locked_room.build", "a1_locked_room.sabotage", "a1_locked_room.reflect", "a1_locked_room.repair", "b1_best_of_n.build",
    ]
    build = suites["a1_locked_room.build"]
    assert (build.get("tests"), build.get("failures"), build.get("errors")) == ("3", "1", "1")
    failure = build.find("testcase[@name='test_build.test_compare']/failure")
    assert failure is not None and "got 'scorer_version'" in failure.get("message")
    assert "Reproduce: pytest" in failure.text
    assert suites["a1_locked_room.reflect"].find("testcase/skipped") is not None
    assert suites["a1_locked_room.sabotage"].find("testcase[@name='modified_run']/failure").get("type") == "not_run"
    assert root.get("tests") == "10" and root.get("failures") == "3" and root.get("errors") == "1"


@settings(max_examples=40, deadline=None)
@given(feedback=st.text(max_size=60), name=st.text(min_size=1, max_size=20))
def test_junit_xml_is_well_formed_whatever_the_feedback(feedback: str, name: str) -> None:
    from course_core.grading.report_exports import junit_xml

    report = make_report(1)
    check = report["submissions"][0]["exercises"][0]["stages"][0]["checks"][1]
    check["feedback"], check["name"] = feedback, name
    ET.fromstring(junit_xml(report).encode("utf-8"))


def test_several_submissions_add_a_gradebook_and_per_submission_gradescope_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    report = make_report(3)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in write_reports(report, tmp_path))
    assert names == [
        "gradebook.csv",
        "gradescope/001_alice.results.json",
        "gradescope/002_bob.results.json",
        "gradescope/003_cmd_evil.results.json",
        "junit.xml",
        "report.json",
        "report.md",
    ]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "gradebook.csv").read_text())))
    assert [r["submission"] for r in rows] == ["alice", "bob", "'=cmd|evil"]  # never a spreadsheet formula
    header = list(rows[0])
    assert header[:5] == ["submission", "path", "total", "max", "percent"]
    assert header[5:] == [
        "a1_locked_room", "a1_locked_room.build", "a1_locked_room.sabotage", "a1_locked_room.reflect", "a1_locked_room.repair",
        "b1_best_of_n", "b1_best_of_n.build",
    ]
    bob = report["submissions"][1]
    assert float(rows[1]["total"]) == pytest.approx(bob["score"], abs=0.01)
    assert float(rows[1]["percent"]) == pytest.approx(bob["percent"], abs=0.01)
    assert float(rows[0]["a1_locked_room.build"]) == pytest.approx(40 / 4, abs=0.01)
    suites = [s.get("name") for s in ET.parse(tmp_path / "junit.xml").getroot()]
    assert suites[0] == "alice/a1_locked_room.build" and "bob/b1_best_of_n.build" in suites


def test_a_later_run_removes_report_files_it_did_not_write(tmp_path: Path, monkeypatch) -> None:
    """A single-submission run after a class-wide one must not leave the old gradebook looking current."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    write_reports(make_report(3), tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    write_reports(make_report(1), tmp_path)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert left == ["junit.xml", "notes.txt", "report.json", "report.md", "results.json"]
    write_reports(make_report(2), tmp_path)
    assert not (tmp_path / "results.json").exists() and (tmp_path / "gradebook.csv").exists()


def test_markdown_has_score_table_failures_with_commands_and_prose() -> None:
    md = render_markdown(make_report(1))
    assert "## alice: 48.5 / 96 graded here, 14 more graded by staff (50.5%)" in md
    assert "| exercise | loop | build | sabotage | reflect | repair | total |" in md
    row = next(line for line in md.splitlines() if line.startswith("| `a1_locked_room`"))
    assert row.split(" | ")[2:] == ["10/40", "10/20", "16/16 +4", "2.5/10 +10", "**38.5/86 +14** |"]
    assert "Best of N \\| selection" in md  # a pipe in a title cannot break the table
    assert "#### `a1_locked_room` · build" in md
    assert "reproduce: `pytest exercises/a1_locked_room/tests/test_build.py::test_compare`" in md
    assert "hidden test" in md and "KeyError('id')" in md
    assert "### Graded by staff\n\n- a1_locked_room: 14 points — secret_literal (4), hidden (10)" in md
    assert "reproduce: graded by staff (it needs the instructors' files)" in md  # the failing hidden test: not a command
    assert "A person will read your prose answers: a1_locked_room 'why_invalid' (7 words)." in md
    assert "## Reflection prose (for a human reader)" in md
    assert "````text\nThe dataset changed so ``` nothing compares.\n````" in md  # fence longer than the text's backticks


def test_invalid_report_is_a_kit_bug_and_writes_nothing(tmp_path: Path) -> None:
    report = make_report(1)
    del report["submissions"][0]["exercises"][0]["stages"][0]["checks"][0]["visibility"]
    with pytest.raises(ArtifactBug, match="grade_report"):
        write_reports(report, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r["submissions"][0]["exercises"][0]["stages"][0]["checks"][0].update(points=11), "above its maximum"),
        (lambda r: r["submissions"][0]["exercises"][0]["stages"][0]["checks"][0].update(points=2), "what its parts add up to"),
        (lambda r: r["submissions"][0]["exercises"][0]["stages"][2].update(staff_points=0), "staff_points"),
        (lambda r: r["submissions"][0].update(percent=99.0), "percent"),
        (lambda r: r["submissions"][0].update(score=float("nan")), "non-finite"),
    ],
)
def test_arithmetic_that_does_not_add_up_is_a_kit_bug(mutate, message: str) -> None:
    report = make_report(1)
    mutate(report)
    with pytest.raises(ArtifactBug, match=message):
        validate_report(report)


def test_step_summary_gets_report_md_appended(tmp_path: Path, monkeypatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write_reports(make_report(1), tmp_path / "out")
    assert summary.read_text() == "earlier step\n" + (tmp_path / "out/report.md").read_text()


def test_terminal_table_fits_80_columns_and_shows_feedback() -> None:
    con = Console(width=80, record=True, color_system=None, file=io.StringIO())
    report = make_report(2)
    report["submissions"][0]["exercises"][0]["stages"][3]["checks"][0]["feedback"] = "\n".join(f"line {i}" for i in range(20))
    long = "python -m course.grade --check a1_locked_room.sabotage.clean_run --exercises-root 'my exercises/of this term'"
    report["submissions"][0]["exercises"][0]["stages"][1]["checks"][0].update(status="failed", command=long)
    before = copy.deepcopy(report)
    render_table(con, report)
    text = con.export_text()
    assert report == before
    assert max(len(line) for line in text.splitlines()) <= 80
    # the reproduce command is broken between shell words, with a ` \` ending each broken line: a copy of it runs
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("    reproduce: python -m course.grade"))
    last = next(i for i in range(first, len(lines)) if not lines[i].endswith(" \\"))
    assert last > first and all(line.startswith("      ") for line in lines[first + 1 : last + 1])
    copied = " ".join(line.strip().removesuffix(" \\").strip() for line in lines[first : last + 1]).removeprefix("reproduce: ")
    assert shell_words(copied) == shell_words(long)
    assert "alice  48.5 / 96 graded here, 14 more graded by staff (50.5%)" in text
    assert "a1_locked_room (A)" in text and "10/40" in text
    assert "expected 'dataset_fingerprint', got 'scorer_version'" in text
    assert "reproduce: pytest exercises/a1_locked_room/tests/test_build.py::test_compare" in text
    assert "graded by staff (+N in the table):\n  a1_locked_room: 14 points — secret_literal (4), hidden (10)" in text
    assert "    line 11\n    … (8 more lines in report.md)" in text and "line 12" not in text


@pytest.mark.parametrize("word", [60, 76, 78, 90])  # the length of the test id's shell word
def test_a_reproduce_command_with_a_long_test_id_still_fits_and_reads_back_where_it_can(word: int) -> None:
    path = "exercises/c1_reinforce/tests/test_build.py::"
    command = f"python -m pytest {path}{'x' * (word - len(path))}"
    lines = _reproduce_lines("reproduce: " + command, 80)
    assert max(len(line) for line in lines) <= 80
    if word <= 78:  # the word and its ` \` fit a line: every line but the last ends in one, and the words read back
        assert all(line.endswith(" \\") for line in lines[:-1])
        assert shell_words(" ".join(line.removesuffix(" \\") for line in lines)) == ["reproduce:", *shell_words(command)]
    else:  # wider than the terminal: folded (report.md keeps it whole)
        assert "".join(lines) == "reproduce: " + command


def test_many_checks_with_one_feedback_share_one_entry_and_one_command() -> None:
    report = make_report(1)
    ex = "b1_best_of_n"
    checks = [
        _check(ex, "build", f"test_sel.test_{i}", 0, 2.5, "failed", feedback="not implemented yet: pick is a stub",
               command=f"python -m pytest 'exercises/b1/tests/test_sel.py::test_{i}[a b]'")
        for i in range(4)
    ]
    report["submissions"][0]["exercises"][1] = _exercise(ex, "Best of N", "B", [_stage("build", 10, checks)])
    sub = report["submissions"][0]
    sub["score"] = sum(e["score"] for e in sub["exercises"])
    sub["max_score"] = sum(e["max_score"] for e in sub["exercises"])
    sub["percent"] = 100 * sub["score"] / (sub["max_score"] - sub["staff_points"])
    validate_report(report)
    md = render_markdown(report)
    assert md.count("not implemented yet: pick is a stub") == 1
    assert "**4 checks** with the same feedback (test_sel.test_0; test_sel.test_1; test_sel.test_2; test_sel.test_3) — failed, 0/10 pts" in md
    assert "reproduce: `python -m pytest exercises/b1/tests/test_sel.py`" in md
    con = Console(width=80, record=True, color_system=None, file=io.StringIO())
    render_table(con, report)
    text = con.export_text()
    assert "✗ 4 checks (test_sel.test_0, test_sel.test_1 and 2 more)  0/10 failed" in text
    assert text.count("not implemented yet: pick is a stub") == 1
    assert "reproduce: python -m pytest exercises/b1/tests/test_sel.py" in text
