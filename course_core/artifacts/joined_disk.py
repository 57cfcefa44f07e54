"""The on-disk join of a dataset and its rollouts: any order, memory flat in the file size.

Rows are validated as they stream past and parked in an on-disk SQLite table keyed by id, so
duplicate ids, completions for unknown ids, and dataset items with no completion are all found
with their line numbers before anything is scored, whatever the size of the files. This is the
reference join, and the one that words every error; :mod:`course_core.artifacts.joined` uses
it whenever the files are not in the same id order.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_core.artifacts.jsonl import iter_jsonl
from course_core.artifacts.schemas import validate_input
from course_core.errors import UserError

_BATCH = 5000


@dataclass
class DiskJoin:
    """A dataset joined with one row of rollouts per example (or None where missing), in SQLite."""

    db: sqlite3.Connection
    dataset_records: int
    rollout_records: int
    missing: int
    example_ids_fingerprint: str

    def rows(self) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
        """(dataset row, rollout row or None), in dataset order."""
        cur = self.db.execute(
            "SELECT d.body, r.body FROM dataset d LEFT JOIN rollouts r ON r.id = d.id ORDER BY d.line"
        )
        for d_body, r_body in cur:
            yield json.loads(d_body), (json.loads(r_body) if r_body is not None else None)

    def missing_ids(self, limit: int = 50) -> list[str]:
        cur = self.db.execute(
            "SELECT d.id FROM dataset d LEFT JOIN rollouts r ON r.id = d.id WHERE r.id IS NULL ORDER BY d.line LIMIT ?",
            (limit,),
        )
        return [row[0] for row in cur]

    def close(self) -> None:
        self.db.close()


def _insert_rows(
    db: sqlite3.Connection,
    table: str,
    path: Path,
    role: str,
    schema: str,
    what: str,
    check: Any = None,
) -> int:
    batch: list[tuple[str, int, str]] = []
    count = 0

    def flush() -> None:
        try:
            db.executemany(f"INSERT INTO {table}(id, line, body) VALUES (?, ?, ?)", batch)
        except sqlite3.IntegrityError:
            # Find which row of the batch repeats an id, to name both lines.
            for example_id, line, _ in batch:
                prior = db.execute(f"SELECT line FROM {table} WHERE id = ?", (example_id,)).fetchone()
                dup_in_batch = [ln for (i, ln, _) in batch if i == example_id and ln < line]
                first = prior[0] if prior else (dup_in_batch[0] if dup_in_batch else None)
                if first is not None and first != line:
                    raise UserError(
                        f"duplicate id {example_id!r} (first seen on line {first})",
                        path=path, line=line, field="id",
                        hint="every example id must appear once per file",
                    ) from None
            raise
        batch.clear()

    for line, row in iter_jsonl(path, role):
        validate_input(row, schema, path=path, line=line, what=what)
        if check is not None:
            check(row, line)
        batch.append((row["id"], line, json.dumps(row, ensure_ascii=False)))
        count += 1
        if len(batch) >= _BATCH:
            flush()
    if batch:
        flush()
    return count


def join_on_disk(
    dataset: str | Path,
    rollouts: str | Path,
    *,
    rollout_role: str,
    rollout_schema: str,
    rollout_what: str,
) -> DiskJoin:
    """Validate both files and join them by id. Raises UserError on the first bad row."""
    dataset, rollouts = Path(dataset), Path(rollouts)
    tmpdir = tempfile.mkdtemp(prefix="rlf-join-")
    db = sqlite3.connect(Path(tmpdir) / "join.sqlite")
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE dataset(id TEXT PRIMARY KEY, line INTEGER, body TEXT)")
        db.execute("CREATE TABLE rollouts(id TEXT PRIMARY KEY, line INTEGER, body TEXT)")
        n_data = _insert_rows(db, "dataset", dataset, "dataset", "dataset_row", "dataset row")

        def known(row: dict[str, Any], line: int) -> None:
            if db.execute("SELECT 1 FROM dataset WHERE id = ?", (row["id"],)).fetchone() is None:
                raise UserError(
                    f"id {row['id']!r} is not in the dataset {dataset}",
                    path=rollouts, line=line, field="id",
                    hint="rollouts must belong to the dataset they are scored against; check --dataset",
                )

        n_roll = _insert_rows(db, "rollouts", rollouts, rollout_role, rollout_schema, rollout_what, check=known)
        ids_hash = hashlib.sha256()
        for (example_id,) in db.execute("SELECT id FROM dataset ORDER BY id"):
            ids_hash.update(json.dumps(example_id, ensure_ascii=False).encode("utf-8") + b"\n")
        ids_fp = "sha256:" + ids_hash.hexdigest()
        missing = db.execute(
            "SELECT COUNT(*) FROM dataset d LEFT JOIN rollouts r ON r.id = d.id WHERE r.id IS NULL"
        ).fetchone()[0]
    except BaseException:
        db.close()
        raise
    finally:
        # On POSIX the open database outlives its unlinked file; nothing is left on disk.
        shutil.rmtree(tmpdir, ignore_errors=True)
    return DiskJoin(db=db, dataset_records=n_data, rollout_records=n_roll, missing=missing, example_ids_fingerprint=ids_fp)
