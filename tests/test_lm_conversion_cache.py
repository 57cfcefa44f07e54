"""The conversion cache: where it lives, what counts as a sound copy, and writing that never costs the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_core.lm.conversion_cache import RECORD, cache_root, conversion_dir, store, verified


def _writer(files: dict[str, bytes]):
    def write(folder: Path) -> None:
        for name, data in files.items():
            (folder / name).write_bytes(data)
            (folder / name).chmod(0o600)  # as transformers writes model.safetensors
    return write


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RLF_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_cache_lives_where_the_environment_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RLF_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "rl-foundations-llm"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "rl-foundations-llm"
    monkeypatch.setenv("RLF_CACHE_DIR", str(tmp_path / "mine"))
    assert conversion_dir("smollm2", "sha256:" + "ab" * 32, "transformers5-gguf1") == tmp_path / "mine" / "smollm2" / ("ab" * 8 + "-transformers5-gguf1")
    for off in ("off", "OFF"):
        monkeypatch.setenv("RLF_CACHE_DIR", off)
        assert cache_root() is None and conversion_dir("smollm2", "sha256:00", "x") is None


def test_a_stored_conversion_is_sound_until_any_file_changes(cache: Path) -> None:
    target = conversion_dir("smollm2", "sha256:" + "12" * 32, "v1")
    assert target is not None and not verified(target)
    assert store(target, _writer({"model.safetensors": b"weights", "tokenizer.json": b"{}"}))
    assert verified(target)
    record = json.loads((target / RECORD).read_text(encoding="utf-8"))
    assert set(record["files"]) == {"model.safetensors", "tokenizer.json"}
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no staging folder left
    assert {oct(p.stat().st_mode & 0o777) for p in target.iterdir()} == {"0o644"}  # readable by a class sharing the cache

    (target / "tokenizer.json").write_bytes(b"{ }")
    assert not verified(target)
    (target / "tokenizer.json").write_bytes(b"{}")
    assert verified(target)
    (target / "extra.bin").write_bytes(b"")
    assert not verified(target)
    (target / "extra.bin").unlink()
    (target / "model.safetensors").unlink()
    assert not verified(target)
    (target / RECORD).write_text("not json", encoding="utf-8")
    assert not verified(target)


def test_an_unsound_conversion_is_replaced_and_a_sound_one_kept(cache: Path) -> None:
    target = conversion_dir("smollm2", "sha256:" + "34" * 32, "v1")
    assert store(target, _writer({"a": b"first"}))
    assert store(target, _writer({"a": b"second"}))  # another process got there first: its copy stays
    assert (target / "a").read_bytes() == b"first"
    (target / "a").write_bytes(b"damaged")
    assert store(target, _writer({"a": b"third"}))
    assert (target / "a").read_bytes() == b"third" and verified(target)


def test_a_new_converter_version_removes_the_older_conversion_of_the_same_file(cache: Path) -> None:
    sha = "sha256:" + "56" * 32
    old, new, other = conversion_dir("smollm2", sha, "v1"), conversion_dir("smollm2", sha, "v2"), conversion_dir("smollm2", "sha256:" + "78" * 32, "v1")
    for target in (old, other):
        assert store(target, _writer({"a": b"x"}))
    assert store(new, _writer({"a": b"y"}))
    assert not old.exists() and verified(new) and verified(other)


def test_a_cache_that_cannot_be_written_leaves_nothing_and_says_so(cache: Path, tmp_path: Path) -> None:
    def fails(folder: Path) -> None:
        (folder / "half").write_bytes(b"written before the disk filled")
        raise OSError(28, "No space left on device")

    target = conversion_dir("smollm2", "sha256:" + "9a" * 32, "v1")
    assert store(target, fails) is False
    assert list(target.parent.iterdir()) == []
    (tmp_path / "blocked").write_text("a file where the cache's folder would go", encoding="utf-8")
    assert store(tmp_path / "blocked" / "smollm2" / "x-v1", _writer({"a": b"x"})) is False



def test_during_a_conversion_gguf_parses_each_file_once_and_is_itself_again_after(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """transformers parsed the GGUF file three times and built gguf's tensor-name map 397 times
    for one conversion (28 s of CPU; 9 s with each made once)."""
    import sys
    import types

    pytest.importorskip("torch")
    from course_core.lm.smollm2 import _gguf_parsed_once

    made: list[tuple] = []
    fake = types.ModuleType("gguf")

    class GGUFReader:
        def __init__(self, path, mode="r"):
            made.append(("reader", str(path), mode))

    def get_tensor_name_map(arch, n_blocks):
        made.append(("map", arch, n_blocks))
        return {"arch": arch, "n_blocks": n_blocks}

    fake.GGUFReader, fake.get_tensor_name_map = GGUFReader, get_tensor_name_map
    monkeypatch.setitem(sys.modules, "gguf", fake)
    with _gguf_parsed_once():
        import gguf

        first = gguf.GGUFReader(tmp_path / "m.gguf")
        assert gguf.GGUFReader(str(tmp_path / "m.gguf")) is first  # a path or its string: one file
        assert gguf.GGUFReader(tmp_path / "other.gguf") is not first
        maps = [gguf.get_tensor_name_map("llama", 30) for _ in range(397)]
        assert all(m is maps[0] for m in maps) and gguf.get_tensor_name_map("llama", 31)["n_blocks"] == 31
        assert gguf.get_tensor_name_map(["llama"], 30) is not gguf.get_tensor_name_map(["llama"], 30)  # no key: made each time
    assert made == [("reader", str(tmp_path / "m.gguf"), "r"), ("reader", str(tmp_path / "other.gguf"), "r"),
                    ("map", "llama", 30), ("map", "llama", 31), ("map", ["llama"], 30), ("map", ["llama"], 30)]
    assert (fake.GGUFReader, fake.get_tensor_name_map) == (GGUFReader, get_tensor_name_map)
