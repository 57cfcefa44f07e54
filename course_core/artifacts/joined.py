"""A dataset joined with its rollouts by id, read as a stream, with memory flat in the file size.

When both files list their ids in the same increasing order (the kit's data, and most files a
sampler writes from a sorted dataset), the join is a merge: both files are read in step, each
row checked by its schema's compiled predicate as it passes, and nothing is stored. Anything
else (ids out of order, a repeated id, a rollout for an id the dataset lacks, a row the
predicate is not sure of) hands the whole job to the on-disk join
(:mod:`course_core.artifacts.joined_disk`), which validates both files whole before anything is
scored and words every error as it always has. Both give the same pairs, so the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from course_core.artifacts.jsonl import iter_jsonl
from course_core.artifacts.schemas import fast_check

if TYPE_CHECKING:
    from course_core.artifacts.joined_disk import DiskJoin

Pair = tuple[dict[str, Any], dict[str, Any] | None]
T = TypeVar("T")
MISSING_IDS_KEPT = 50  # missing ids a summary lists


class _OutOfStep(Exception):
    """The merge cannot go on: the files are not in one increasing id order, or a row needs a closer look."""


class Refused(Exception):
    """A pair failed the ``refuse`` test given to :meth:`JoinedInputs.scan`; nothing was scored."""


@dataclass(frozen=True)
class Census:
    """What one complete read of the joined files found."""

    dataset_records: int
    rollout_records: int
    missing: int
    missing_ids: list[str]  # the first MISSING_IDS_KEPT, in dataset order
    example_ids_fingerprint: str  # sha256 of the sorted id set, one JSON string per line


class JoinedInputs:
    """A dataset and its rollouts, joined by id each time :meth:`scan` reads them."""

    def __init__(self, dataset: Path, rollouts: Path, rollout_role: str, rollout_schema: str, rollout_what: str) -> None:
        self.dataset, self.rollouts = dataset, rollouts
        self.rollout_role, self.rollout_schema, self.rollout_what = rollout_role, rollout_schema, rollout_what
        self.census: Census | None = None  # set by the first complete scan
        self._disk: DiskJoin | None = None

    def scan(self, consume: Callable[[Iterator[Pair]], T], refuse: Callable[[dict[str, Any], Any], bool] | None = None) -> T:
        """``consume(pairs)`` over (dataset row, rollout row or None), in dataset order; returns its result.

        The pairs stream straight from the files while they are in step. If they turn out not to
        be, or any row or ``consume`` itself fails, ``consume``'s work is dropped and it runs once
        more over the on-disk join, which checks both files whole first: errors come out as they
        always have (the dataset's first, in file order). ``consume`` must therefore only build
        its result (e.g. write a file it opens for writing), and be deterministic.

        ``refuse(example, rollout)`` True for any pair raises :class:`Refused` after both files
        are checked and before ``consume`` has seen any pair (so a problem ``consume`` would meet
        on an earlier pair is not reported first).
        """
        if self._disk is None:
            found: list[Census] = []
            pairs = self._merge(found)
            if refuse is not None:
                pairs = _refusing(pairs, refuse)
            try:
                result = consume(pairs)
                for _ in pairs:  # consume may stop early; the rest must still be read and checked
                    pass
                self.census = found[0]
                return result
            except Exception:  # noqa: BLE001 - every failure is redone, and worded, by the on-disk join
                pairs.close()
                from course_core.artifacts.joined_disk import join_on_disk  # sqlite3 is imported only when needed

                self._disk = join_on_disk(
                    self.dataset, self.rollouts, rollout_role=self.rollout_role,
                    rollout_schema=self.rollout_schema, rollout_what=self.rollout_what,
                )
                disk = self._disk
                self.census = Census(disk.dataset_records, disk.rollout_records, disk.missing,
                                     disk.missing_ids(MISSING_IDS_KEPT), disk.example_ids_fingerprint)
        if refuse is not None and any(refuse(example, rollout) for example, rollout in self._disk.rows()):
            raise Refused
        return consume(self._disk.rows())

    def _merge(self, found: list[Census]) -> Iterator[Pair]:
        """Both files in step; raises _OutOfStep where the merge cannot decide. Appends the census when done."""
        dataset_ok, rollout_ok = fast_check("dataset_row"), fast_check(self.rollout_schema)
        if dataset_ok is None or rollout_ok is None:
            raise _OutOfStep("no compiled check for these rows")
        rollouts = iter_jsonl(self.rollouts, self.rollout_role)

        def next_rollout() -> tuple[str | None, dict[str, Any] | None]:
            for _, row in rollouts:
                if not rollout_ok(row):
                    raise _OutOfStep("rollout row")
                return row["id"], row
            return None, None

        ids = hashlib.sha256()
        previous: str | None = None
        n_data = n_rollouts = missing = 0
        missing_ids: list[str] = []
        rollout_id, rollout = next_rollout()
        for _, row in iter_jsonl(self.dataset, "dataset"):
            if not dataset_ok(row):
                raise _OutOfStep("dataset row")
            example_id = row["id"]
            if previous is not None and not previous < example_id:
                raise _OutOfStep("dataset ids not increasing")  # unsorted, or a repeated id
            previous = example_id
            ids.update(encode_basestring(example_id).encode("utf-8") + b"\n")
            n_data += 1
            if rollout_id == example_id:
                yield row, rollout
                n_rollouts += 1
                rollout_id, rollout = next_rollout()
            elif rollout_id is None or rollout_id > example_id:
                # Every later rollout must match a later (larger) dataset id, or the merge stops:
                # so this example certainly has no rollout.
                missing += 1
                if len(missing_ids) < MISSING_IDS_KEPT:
                    missing_ids.append(example_id)
                yield row, None
            else:
                raise _OutOfStep("rollout out of order, repeated, or not in the dataset")
        if rollout_id is not None:
            raise _OutOfStep("rollouts left after the last dataset id")
        found.append(Census(n_data, n_rollouts, missing, missing_ids, "sha256:" + ids.hexdigest()))

    @property
    def on_disk(self) -> bool:
        """True once the join has gone to SQLite (the files were not in step, or something failed)."""
        return self._disk is not None

    @property
    def dataset_records(self) -> int:
        return self._done().dataset_records

    @property
    def rollout_records(self) -> int:
        return self._done().rollout_records

    @property
    def example_ids_fingerprint(self) -> str:
        return self._done().example_ids_fingerprint

    def missing_ids(self) -> list[str]:
        return list(self._done().missing_ids)

    def _done(self) -> Census:
        if self.census is None:
            raise RuntimeError("the joined inputs have not been scanned yet")
        return self.census

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()

    def __enter__(self) -> JoinedInputs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _refusing(pairs: Iterator[Pair], refuse: Callable[[dict[str, Any], Any], bool]) -> Iterator[Pair]:
    """The pairs, raising Refused at the first one ``refuse`` flags (scan then redoes it all on disk)."""
    for example, rollout in pairs:
        if refuse(example, rollout):
            raise Refused
        yield example, rollout


def join_inputs(
    dataset: str | Path,
    rollouts: str | Path,
    *,
    rollout_role: str,
    rollout_schema: str,
    rollout_what: str,
) -> JoinedInputs:
    """The join of ``dataset`` and ``rollouts`` by id; nothing is read until :meth:`JoinedInputs.scan`."""
    return JoinedInputs(Path(dataset), Path(rollouts), rollout_role, rollout_schema, rollout_what)
