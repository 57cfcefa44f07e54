"""The dataset ⋈ rollouts join: the streaming merge gives exactly what the on-disk join gives.

Same pairs, same counts, same missing ids, same id fingerprint, and (for inputs the merge cannot
take) the same error, word for word: on files in one increasing id order the merge must be the
path taken, and anything else must end up on disk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_core.artifacts.joined import JoinedInputs, Refused, join_inputs
from course_core.artifacts.joined_disk import join_on_disk
from course_core.errors import UserError

ROLE = {"rollout_role": "completions", "rollout_schema": "completion_row", "rollout_what": "completion row"}
IDS = ["a", "b", "ba", "c", "d", "é", "z", "10", "9"]


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def _outcome(run):
    """What a join gives: (pairs, census) or the UserError's every field."""
    try:
        return ("ok", *run())
    except UserError as exc:
        return ("error", exc.message, exc.path, exc.line, exc.field, exc.hint)


def _streamed(dataset: Path, rollouts: Path):
    with join_inputs(dataset, rollouts, **ROLE) as joined:
        pairs = joined.scan(list)
        census = (joined.dataset_records, joined.rollout_records, joined.missing_ids(), joined.example_ids_fingerprint)
        return pairs, census, joined.on_disk


def _on_disk(dataset: Path, rollouts: Path):
    disk = join_on_disk(dataset, rollouts, **ROLE)
    try:
        pairs = list(disk.rows())
        return pairs, (disk.dataset_records, disk.rollout_records, disk.missing_ids(), disk.example_ids_fingerprint)
    finally:
        disk.close()


def _row(example_id: str, k: int) -> dict:
    return {"id": example_id, "prompt": f"p{k}", "expected_answer": k}


def _completion(example_id: str, k: int) -> dict:
    return {"id": example_id, "completion": f"Final: {k}", "sum_logprob": -0.5 * k}


# A row of either file can be broken in one of these ways (each is an error the disk join words).
BREAKS = [{"id": 7}, {"id": ""}, {"prompt": None}, {"expected_answer": 1.5}, {"completion": None}, {"sum_logprob": 1.0}]


@st.composite
def cases(draw):
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=7, unique=draw(st.booleans())))
    if draw(st.booleans()):
        ids = sorted(ids)
    dataset = [_row(i, k) for k, i in enumerate(ids)]
    kept = [i for i in ids if draw(st.integers(0, 3))]  # most examples get a completion
    if draw(st.booleans()):
        kept = draw(st.permutations(kept))
    extra = draw(st.lists(st.sampled_from(IDS + ["zz"]), max_size=2))  # repeats, or ids the dataset lacks
    at = draw(st.integers(0, len(kept)))
    rollouts = [_completion(i, k) for k, i in enumerate(kept[:at] + extra + kept[at:])]
    in_step = ids == sorted(set(ids)) and [r["id"] for r in rollouts] == [i for i in ids if i in kept + extra]
    target = draw(st.sampled_from(["none", "dataset", "rollouts"]))
    rows = dataset if target == "dataset" else rollouts
    if target != "none" and rows:  # a break that leaves the row valid (an extra key) keeps its id
        k = draw(st.integers(0, len(rows) - 1))
        rows[k] = draw(st.sampled_from(["{not json", "[1]", json.dumps({**rows[k], **draw(st.sampled_from(BREAKS))})]))
    return dataset, rollouts, in_step


@pytest.mark.slow
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_the_merge_agrees_with_the_disk_join_on_any_input(tmp_path, case):
    dataset, rollouts, in_step = case
    ds, ro = _write(tmp_path / "ds.jsonl", dataset), _write(tmp_path / "ro.jsonl", rollouts)
    streamed = _outcome(lambda: _streamed(ds, ro))
    disk = _outcome(lambda: _on_disk(ds, ro))
    if streamed[0] == "ok":
        *result, on_disk = streamed
        assert tuple(result) == disk
        assert on_disk == (not in_step)  # in step: the merge did it, nothing went to SQLite
    else:
        assert streamed == disk


def test_files_in_step_are_merged_without_the_disk_join(tmp_path):
    ds = _write(tmp_path / "ds.jsonl", [_row(i, k) for k, i in enumerate(["a", "b", "c", "d"])])
    ro = _write(tmp_path / "ro.jsonl", [_completion("b", 1), _completion("d", 3)])
    pairs, census, on_disk = _streamed(ds, ro)
    assert not on_disk
    assert [(e["id"], r and r["id"]) for e, r in pairs] == [("a", None), ("b", "b"), ("c", None), ("d", "d")]
    assert census[:3] == (4, 2, ["a", "c"])


def test_unsorted_ids_go_to_disk_and_give_the_same_fingerprint(tmp_path):
    ids = ["b", "a", "c"]
    ds = _write(tmp_path / "ds.jsonl", [_row(i, k) for k, i in enumerate(ids)])
    ro = _write(tmp_path / "ro.jsonl", [_completion(i, k) for k, i in enumerate(ids)])
    pairs, census, on_disk = _streamed(ds, ro)
    assert on_disk and [e["id"] for e, _ in pairs] == ids
    sorted_ds = _write(tmp_path / "sorted.jsonl", [_row(i, k) for k, i in enumerate(sorted(ids))])
    assert _streamed(sorted_ds, ro)[1][3] == census[3]  # the fingerprint is of the id set, not the order


def test_a_failing_consume_is_redone_on_disk_and_its_error_kept(tmp_path):
    ds = _write(tmp_path / "ds.jsonl", [_row(i, k) for k, i in enumerate(["a", "b"])])
    ro = _write(tmp_path / "ro.jsonl", [_completion("a", 0), _completion("b", 1)])
    calls = []

    def consume(pairs):
        calls.append([e["id"] for e, _ in pairs][:1])
        raise UserError("the consumer's own error")

    with join_inputs(ds, ro, **ROLE) as joined, pytest.raises(UserError, match="consumer's own"):
        joined.scan(consume)
    assert len(calls) == 2  # once streaming, once over the on-disk join

    def stop_early(pairs):
        return next(pairs)[0]["id"]

    bad = _write(tmp_path / "ro_bad.jsonl", [_completion("a", 0), '{"id": "b", "completion": 5}'])
    with join_inputs(ds, bad, **ROLE) as joined, pytest.raises(UserError) as exc:
        joined.scan(stop_early)  # a bad row after the last pair consume looked at is still found
    assert exc.value.line == 2 and exc.value.field == "completion"


def test_refuse_wins_over_what_consume_would_meet_first(tmp_path):
    ds = _write(tmp_path / "ds.jsonl", [_row(i, k) for k, i in enumerate(["a", "b", "c"])])
    ro = _write(tmp_path / "ro.jsonl", [_completion("a", 0), _completion("b", 1)])
    seen = []

    def consume(pairs):
        for example, _ in pairs:
            seen.append(example["id"])
            raise UserError("consume fails on the first pair")

    with join_inputs(ds, ro, **ROLE) as joined, pytest.raises(Refused):
        joined.scan(consume, refuse=lambda example, rollout: rollout is None)  # 'c' has no completion
    assert joined.on_disk
    assert seen == ["a"]  # only the streaming attempt ran; over the disk join nothing was consumed


def test_scan_before_use_is_a_programming_error(tmp_path):
    joined = JoinedInputs(tmp_path / "d", tmp_path / "r", "completions", "completion_row", "completion row")
    with pytest.raises(RuntimeError, match="not been scanned"):
        joined.dataset_records
