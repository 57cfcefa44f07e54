"""Run directories: written whole or not at all, and read back with every artifact checked.

Writing: everything goes into a hidden temporary sibling (:func:`staged_run`); on success it is
renamed into place. An ``--outdir`` that holds an earlier run of this kit is replaced (and the
caller is told); a directory holding anything else is never touched.

Reading (:func:`load_run`): anything a user points a tool at may be wrong (not a directory, a
half-deleted run, a file edited by hand); each problem becomes a UserError naming the file,
line and field.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from course_core.artifacts.atomic import check_replaceable, swap_into_place
from course_core.artifacts.jsonl import iter_jsonl
from course_core.artifacts.manifest import PRODUCER, build_manifest, input_record, read_json, write_json
from course_core.artifacts.schemas import validate_input
from course_core.errors import UserError

# The four files of every run that scores a dataset's rollouts (eval, selection).
SCORED_RUN_ARTIFACTS = ["manifest.json", "results.jsonl", "summary.json", "summary.md"]

# ---------------------------------------------------------------- writing


@dataclass
class StagedRun:
    """Where to write (``path``), and where it will land (``final``)."""

    path: Path
    final: Path
    replaced: bool = False


def default_outdir(kind: str, root: str | Path = "runs") -> Path:
    """``runs/<kind>_<UTC timestamp>``, made unique if that name is already taken."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = Path(root) / f"{kind}_{stamp}"
    candidate, i = base, 1
    while candidate.exists():
        i += 1
        candidate = base.with_name(f"{base.name}_{i}")
    return candidate


def is_kit_run(path: Path) -> bool:
    """True if ``path`` holds only what an earlier run of this kit wrote there."""
    try:
        data = read_json(path / "manifest.json")
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or data.get("producer") != PRODUCER:
        return False
    listed = set(data.get("artifacts") or []) | {"manifest.json"}
    return all(entry.name in listed for entry in path.iterdir())


def check_outdir(outdir: Path, reads: Iterable[str | Path | None] = ()) -> bool:
    """Refuse an outdir we must not overwrite. Returns True if it holds an earlier kit run.

    ``reads`` are the files the run reads: an earlier run holding one of them is not replaced
    (an eval written over the rollout run it scores would delete its completions).
    """
    replaced = check_replaceable(outdir, is_kit_run, "--outdir", "an earlier run of this kit",
                                 "choose a new --outdir, or remove that directory yourself")
    if replaced:
        root = outdir.resolve()
        for read in reads:
            path = None if read is None else Path(read).resolve()
            if path is not None and root in path.parents:
                raise UserError(f"--outdir holds {path.relative_to(root)}, which this run reads: replacing the earlier run "
                                "there would delete it", path=outdir, hint="choose a new --outdir")
    return replaced


@contextmanager
def staged_run(outdir: str | Path, reads: Iterable[str | Path | None] = ()) -> Iterator[StagedRun]:
    """Yield a temporary directory to write a run into; rename it to ``outdir`` on success.

    On any exception (including Ctrl-C) the temporary directory is removed and ``outdir``
    is left exactly as it was. ``reads``: see :func:`check_outdir`.
    """
    final = Path(outdir)
    reads = list(reads)
    replaced = check_outdir(final, reads)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a run directory is not
    staged = StagedRun(path=tmp, final=final, replaced=replaced)
    try:
        yield staged
        _commit(tmp, final, reads)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _commit(tmp: Path, final: Path, reads: list[str | Path | None]) -> None:
    if final.exists():
        check_outdir(final, reads)  # re-check: something may have been written there while we worked
    swap_into_place(tmp, final)


def finish_run(path: Path, manifest: dict[str, Any], summary: dict[str, Any], summary_schema: str, markdown: str) -> None:
    """The common tail of every run: summary.json and manifest.json (each schema-checked), summary.md."""
    write_json(path / "summary.json", summary, summary_schema)
    write_json(path / "manifest.json", manifest, "manifest")
    (path / "summary.md").write_text(markdown, encoding="utf-8", newline="\n")


def finish_scored_run(
    staged: StagedRun,
    summary: dict[str, Any],
    markdown: Callable[[dict[str, Any], dict[str, Any]], str],
    *,
    kind: str,
    joined: Any,
    inputs: list[tuple[str, str | Path]],
    args: dict[str, Any],
    policy: dict[str, Any],
    sampling_config: dict[str, Any],
    scorer: Any,
    command: list[str] | None,
) -> WrittenRun:
    """The tail of a run that scored a dataset's rollouts (eval, selection): manifest.json,
    summary.json (schema ``<kind>_summary``) and summary.md from ``markdown(summary, manifest)``.

    ``joined`` is the :class:`~course_core.artifacts.joined.JoinedInputs` the run read;
    ``inputs`` is ``[("dataset", path), (rollout role, path)]``, and the dataset's hash is the
    run's dataset fingerprint. ``policy`` and ``sampling_config`` come from the rollouts' sidecar
    (:func:`~course_core.artifacts.manifest.load_rollout_conditions`).
    """
    (data_role, data_path), (roll_role, roll_path) = inputs
    records = [input_record(data_role, data_path, joined.dataset_records), input_record(roll_role, roll_path, joined.rollout_records)]
    manifest = build_manifest(
        kind=kind, args=args, inputs=records, policy=policy, sampling_config=sampling_config, artifacts=SCORED_RUN_ARTIFACTS,
        dataset_fingerprint=records[0]["sha256"], example_ids_fingerprint=joined.example_ids_fingerprint,
        scorer=scorer, command=command,
    )
    finish_run(staged.path, manifest, summary, f"{kind}_summary", markdown(summary, manifest))
    return WrittenRun(staged.final, summary, SCORED_RUN_ARTIFACTS, staged.replaced)


@dataclass
class WrittenRun:
    """What an instrument wrote: where, its summary, its files, and whether it replaced an earlier run."""

    outdir: Path
    summary: dict[str, Any]
    artifacts: list[str]
    replaced: bool
    rows: list[dict[str, Any]] = field(default_factory=list)  # log rows a command may narrate (bandit --slow)


# ---------------------------------------------------------------- reading

# Per run kind: the schema of summary.json and of each results.jsonl row. Kinds register here.
SUMMARY_SCHEMA: dict[str, str] = {
    "eval": "eval_summary",
    "selection": "selection_summary",
    "bandit": "bandit_summary",
    "two_step": "two_step_summary",
    "kl_tradeoff": "kl_tradeoff_summary",
    "scorer_validation": "scorer_validation_summary",
    "token_inspect": "token_inspect_summary",
    "lm_train": "lm_train_summary",
}
RESULT_ROW_SCHEMA: dict[str, str] = {"eval": "eval_result_row", "selection": "selection_result_row", "scorer_validation": "scorer_validation_row"}


@dataclass
class Run:
    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def results_path(self) -> Path:
        return self.path / "results.jsonl"

    def results(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line, row) for each results row, validated against this kind's row schema."""
        schema = RESULT_ROW_SCHEMA.get(self.kind)
        for line, row in iter_jsonl(self.results_path, "results"):
            if schema is not None:
                validate_input(row, schema, path=self.results_path, line=line, what="results row")
            yield line, row


def _read_artifact(path: Path, schema: str, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"{what} is missing", path=path, hint="is this a complete run directory written by the kit?")
    try:
        data = read_json(path)
    except ValueError as exc:
        raise UserError(f"{what} is not valid JSON: {exc}", path=path, field=getattr(exc, "field", None)) from None
    validate_input(data, schema, path=path, what=what)
    return data


def load_run(path: str | Path, role: str = "run") -> Run:
    """Open a run directory written by any of the kit's instruments."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"{role} directory does not exist", path=p, hint="pass the --outdir of an earlier run")
    if not p.is_dir():
        raise UserError(f"{role} must be a run directory, not a file", path=p, hint="pass the directory that holds manifest.json")
    manifest = _read_artifact(p / "manifest.json", "manifest", "manifest.json")
    kind = manifest["kind"]
    summary_schema = SUMMARY_SCHEMA.get(kind)
    if summary_schema is None:
        summary = {}
    else:
        summary = _read_artifact(p / "summary.json", summary_schema, "summary.json")
    if kind in RESULT_ROW_SCHEMA and not (p / "results.jsonl").is_file():
        raise UserError("results.jsonl is missing", path=p / "results.jsonl", hint="re-run the instrument to rebuild this run")
    return Run(path=p, manifest=manifest, summary=summary)
