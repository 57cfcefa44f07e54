"""course.import_dataset: GSM8K's '#### <int>' answers (thousands separators too), generic field mapping, skips reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli, write_jsonl
from course_core.errors import UserError
from course_core.rollouts.importers import FieldMap, import_dataset, parse_int_answer, record_path
from course_core.artifacts.schemas import first_error
from course_core.measurement.scoring import FORMAT_INSTRUCTION


def gsm8k_row(question: str, reasoning: str, final: str) -> dict:
    return {"question": question, "answer": f"{reasoning}\n#### {final}"}


@pytest.fixture
def gsm8k(tmp_path: Path) -> Path:
    """GSM8K-shaped: good rows, a separator answer, and every kind of bad line, each on a known line."""
    return write_jsonl(tmp_path / "gsm8k_test.jsonl", [
        gsm8k_row("Natalia sold 48 clips in April and half as many in May. How many in total?", "48/2 = <<48/2=24>>24\n48+24 = <<48+24=72>>72", "72"),  # 1
        gsm8k_row("A farm has 2,000 hens and 125 ducks. How many birds?", "2000+125 = <<2000+125=2125>>2125", "2,125"),  # 2
        '{"question": "broken", "answer": "#### 1"',  # 3: invalid JSON
        "",  # 4: blank, not a row
        gsm8k_row("The temperature fell 3 degrees from 0. What is it now?", "0-3 = -3", "-3"),  # 5
        {"question": "No marker here", "answer": "The answer is 5."},  # 6
        gsm8k_row("Half of 7?", "7/2 = 3.5", "3.5"),  # 7
        gsm8k_row("Bad grouping?", "x", "1,00"),  # 8
        {"answer": "#### 4"},  # 9: no question
        {"question": "Twice?", "answer": "#### 1\n#### 2"},  # 10
        gsm8k_row("A big number?", "x", "9007199254740992"),  # 11: past the kit's answer range
        "[1, 2]",  # 12: not an object
        gsm8k_row("Still fine after all that? 5+5", "5+5 = 10", "10"),  # 13
    ])


def test_gsm8k_import_rows_skips_and_record(gsm8k, tmp_path):
    out = tmp_path / "ds" / "gsm8k.jsonl"
    result = import_dataset(gsm8k, out, "gsm8k")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["expected_answer"]) for r in rows] == [
        ("gsm8k-00001", 72), ("gsm8k-00002", 2125), ("gsm8k-00005", -3), ("gsm8k-00013", 10)]
    assert rows[0]["prompt"] == "Natalia sold 48 clips in April and half as many in May. How many in total?\n" + FORMAT_INSTRUCTION
    assert all(first_error(r, "dataset_row") is None for r in rows)
    assert {(s["line"], s["code"]) for s in result.skipped} == {
        (3, "invalid_line"), (6, "no_answer_line"), (7, "not_an_integer"), (8, "not_an_integer"), (9, "missing_field"),
        (10, "several_answer_lines"), (11, "out_of_range"), (12, "invalid_line")}
    assert result.read == 12 and result.imported == 4 and sum(result.skip_counts.values()) == 8
    reasons = {s["line"]: s["reason"] for s in result.skipped}
    assert reasons[7] == "answer '3.5' is not an integer" and "no field 'question'" in reasons[9]
    record = json.loads(record_path(out).read_text())
    assert first_error(record, "dataset_import") is None
    assert record["output"]["rows"] == 4 and record["skip_counts"]["invalid_line"] == 2 and record["instruction"] == FORMAT_INSTRUCTION


def test_integer_answers_as_written():
    assert [parse_int_answer(t) for t in ("72", " 2,125 ", "-1,000,000", "0", "-3")] == [72, 2125, -1000000, 0, -3]
    for bad in ("3.5", "1,00", "12,3456", ",123", "1,", "+5", "$5", "1/2", "", "٣", "5 apples"):
        with pytest.raises(Exception, match="not an integer"):
            parse_int_answer(bad)


def test_cli_reports_each_skip_with_file_and_line(gsm8k, tmp_path):
    out = tmp_path / "gsm8k.jsonl"
    proc = run_cli("course.import_dataset", "--format", "gsm8k", str(gsm8k), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "imported 4 of 12 rows; skipped 8" in proc.stdout
    assert f"{gsm8k}:7: answer '3.5' is not an integer" in proc.stdout
    assert f"{gsm8k}:3: invalid JSON" in proc.stdout


def test_rewrites_follow_the_kit_rules(gsm8k, tmp_path):
    out = tmp_path / "gsm8k.jsonl"
    import_dataset(gsm8k, out, "gsm8k")
    again = import_dataset(gsm8k, out, "gsm8k")
    assert again.unchanged and not again.replaced
    other = write_jsonl(tmp_path / "other.jsonl", [gsm8k_row("What is 1+1?", "1+1=2", "2")])
    replaced = import_dataset(other, out, "gsm8k")  # an earlier import by the kit, untouched since: replaced
    assert replaced.replaced and out.read_text().count("\n") == 1
    out.write_text(out.read_text() + "\n")  # edited by hand: no longer what the record says
    before = out.read_bytes()
    with pytest.raises(UserError, match="not an earlier import by the kit"):
        import_dataset(gsm8k, out, "gsm8k")
    assert out.read_bytes() == before
    foreign = tmp_path / "notes.jsonl"
    foreign.write_text("mine\n")
    with pytest.raises(UserError, match="refusing to overwrite"):
        import_dataset(gsm8k, foreign, "gsm8k")
    assert foreign.read_text() == "mine\n" and not record_path(foreign).exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary files left


def test_generic_jsonl_with_field_mapping(tmp_path):
    src = write_jsonl(tmp_path / "items.jsonl", [
        {"uid": "a", "q": "What is 2+2?", "target": 4},
        {"uid": 7, "q": "What is 1,000+1,000?", "target": "2,000"},
        {"uid": "c", "q": "Half of 3?", "target": 1.5},
        {"uid": "a", "q": "Again?", "target": 1},
        {"uid": "e", "q": "   ", "target": 1},
        {"uid": "f", "q": "Already instructed.\n" + FORMAT_INSTRUCTION, "target": True},
        {"uid": "g", "q": "Already instructed.\n" + FORMAT_INSTRUCTION, "target": -8},
    ])
    out = tmp_path / "items_ds.jsonl"
    result = import_dataset(src, out, "jsonl", fields=FieldMap("uid", "q", "target"))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["expected_answer"]) for r in rows] == [("a", 4), ("7", 2000), ("g", -8)]
    assert rows[2]["prompt"].count(FORMAT_INSTRUCTION) == 1
    assert {s["line"]: s["code"] for s in result.skipped} == {3: "not_an_integer", 4: "duplicate_id", 5: "bad_field", 6: "not_an_integer"}
    assert "first on line 1" in result.skipped[1]["reason"]


def test_nothing_importable_is_an_error_and_writes_nothing(tmp_path):
    src = write_jsonl(tmp_path / "bad.jsonl", [{"question": "q", "answer": "no marker"}, "not json"])
    out = tmp_path / "out.jsonl"
    proc = run_cli("course.import_dataset", "--format", "gsm8k", str(src), "--out", str(out))
    assert proc.returncode == 2 and "no row could be imported (2 read, all skipped)" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and not record_path(out).exists()
    proc = run_cli("course.import_dataset", "--format", "gsm8k", str(src), "--out", str(out), "--answer-field", "x")
    assert proc.returncode == 2 and "use --format jsonl" in proc.stderr


def test_an_id_prefix_too_long_for_an_id_is_refused_before_anything_is_written(gsm8k, tmp_path, capsys):
    from course.import_dataset import main
    from course_core.present.cli import run

    out = tmp_path / "out" / "ds.jsonl"
    code = run(main, "course.import_dataset", ["--format", "gsm8k", str(gsm8k), "--out", str(out), "--id-prefix", "y" * 195])
    err = capsys.readouterr().err
    assert code == 2 and "field '--id-prefix': --id-prefix is 195 characters; at most 188" in err
    assert not (tmp_path / "out").exists()
    longest = import_dataset(gsm8k, out, "gsm8k", id_prefix="y" * 188)  # the longest allowed makes valid ids
    assert json.loads(out.read_text().splitlines()[0])["id"] == "y" * 188 + "-00001"
    assert longest.imported > 0
    stem = write_jsonl(tmp_path / ("z" * 189 + ".jsonl"), [{"question": "q", "answer": 1}])
    with pytest.raises(UserError, match="the id prefix taken from the file name 'z+.jsonl' is 189 characters"):
        import_dataset(stem, tmp_path / "stem.jsonl", "jsonl")
    assert not (tmp_path / "stem.jsonl").exists()
    # with ids from a field, the prefix is not used: no limit applies
    import_dataset(write_jsonl(tmp_path / "ids.jsonl", [{"uid": "a", "question": "q", "answer": 1}]), tmp_path / "ids_out.jsonl", "jsonl",
                   fields=FieldMap(id_field="uid", prompt_field="question", answer_field="answer"), id_prefix="p" * 300)
