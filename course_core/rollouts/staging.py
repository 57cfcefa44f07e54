"""Resumable sampling: samples are appended, one fsync'd line each, to a staging folder beside the output.

``<parent>/.<outdir name>.resume/`` holds

- ``settings.json`` — what is being sampled: the dataset's sha256, the source's policy record,
  every sampling parameter, the prompt template, the format and ``n``, and when the first
  session started. A later run resumes only when all of it is the same.
- ``samples.jsonl`` — one line per sample as it arrives:
  ``{"id", "index", "completion", "sum_logprob", "finish_reason", "served_model", "system_fingerprint"}``.

Samples are keyed by ``(id, index)``; the sampler writes each key once, under a lock, so
the file never holds a row twice. A crash can cut the last line short: reloading drops that
fragment (and truncates the file back to the last complete line), keeps every complete line,
and keeps per id only the unbroken run of indices 0, 1, 2, ... so the next session asks for
exactly the samples that are missing. The folder is removed once the finished output is in place.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import IO, Any

from course_core.errors import UserError
from course_core.artifacts.manifest import read_json, write_json_atomic

SAMPLE_KEYS = ("id", "index", "completion", "sum_logprob", "finish_reason", "served_model", "system_fingerprint")
_IDENTITY_EXCLUDES = ("started_utc",)


def staging_dir(outdir: str | Path) -> Path:
    out = Path(outdir)
    return out.with_name(f".{out.name}.resume")


def _differences(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """``key: staged X, now Y`` for every setting that differs (nested settings by dotted key)."""
    out = []
    for k in sorted(set(old) | set(new)):
        if k in _IDENTITY_EXCLUDES and not prefix:
            continue
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{k}.")
        elif a != b:
            out.append(f"{prefix}{k}: staged {json.dumps(a, sort_keys=True)}, now {json.dumps(b, sort_keys=True)}")
    return out


class Staging:
    """The staging folder of one output directory: open (or resume), append samples, remove."""

    def __init__(self, outdir: str | Path) -> None:
        self.path = staging_dir(outdir)
        self.settings_path = self.path / "settings.json"
        self.samples_path = self.path / "samples.jsonl"
        self._lock = threading.Lock()
        self._fh: IO[str] | None = None
        self.settings: dict[str, Any] = {}
        self.dropped = 0  # lines dropped on reload: a fragment cut by a crash, or a repeated/out-of-order index

    def open(self, settings: dict[str, Any], restart: bool = False) -> dict[str, list[dict[str, Any]]]:
        """Start (or resume) staging; returns the samples already staged, per id, in index order."""
        if restart and self.path.exists():
            shutil.rmtree(self.path)
        if self.settings_path.is_file():
            try:
                staged = read_json(self.settings_path)
            except ValueError:
                staged = None
            if not isinstance(staged, dict):
                raise UserError("the staged settings of an interrupted run are unreadable", path=self.settings_path,
                                hint="pass --restart to discard the interrupted run")
            diffs = _differences(staged, settings)
            if diffs:
                raise UserError(
                    "an interrupted run with other settings is staged here; " + "; ".join(diffs),
                    path=self.path,
                    hint="rerun with the same settings to resume it, or pass --restart to discard its samples",
                )
            self.settings = staged
            existing = self._load()
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            write_json_atomic(self.settings_path, settings, None)
            self.settings = settings
            existing = {}
        self._fh = self.samples_path.open("a", encoding="utf-8", newline="\n")
        return existing

    def _load(self) -> dict[str, list[dict[str, Any]]]:
        if not self.samples_path.is_file():
            return {}
        raw = self.samples_path.read_bytes()
        complete = raw[: raw.rfind(b"\n") + 1]
        if len(complete) != len(raw):
            self.dropped += 1
            with self.samples_path.open("r+b") as fh:  # cut the fragment so appends start on a fresh line
                fh.truncate(len(complete))
                fh.flush()
                os.fsync(fh.fileno())
        by_id: dict[str, list[dict[str, Any]]] = {}
        for lineno, line in enumerate(complete.decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                row = None
            if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not isinstance(row.get("completion"), str) \
                    or isinstance(row.get("index"), bool) or not isinstance(row.get("index"), int):
                raise UserError("a staged sample is unreadable", path=self.samples_path, line=lineno,
                                hint="pass --restart to discard the interrupted run")
            samples = by_id.setdefault(row["id"], [])
            if row["index"] != len(samples):
                self.dropped += 1
                continue
            samples.append(row)
        return by_id

    def append(self, rows: list[dict[str, Any]]) -> None:
        """Append samples and make them durable before returning (thread-safe)."""
        assert self._fh is not None, "open() first"
        with self._lock:
            for row in rows:
                self._fh.write(json.dumps({k: row.get(k) for k in SAMPLE_KEYS}, ensure_ascii=False) + "\n")
                self._fh.flush()
                os.fsync(self._fh.fileno())

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None

    def remove(self) -> None:
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)
