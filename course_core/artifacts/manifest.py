"""Manifests and JSON artifacts: the experimental conditions of a run, validated on write."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from course_core import __version__
from course_core.artifacts import strict_json
from course_core.artifacts.atomic import atomic_path
from course_core.artifacts.fingerprint import sha256_file
from course_core.artifacts.schemas import check_artifact, validate_input
from course_core.errors import UserError
from course_core.paths import KIT_ROOT

PRODUCER = "rl-foundations-llm"  # every manifest names it; a folder whose manifest does is a kit run
TRACKED_PACKAGES = ("numpy", "jsonschema", "rich")


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=None)
def _git_state() -> dict[str, Any] | None:
    """The kit checkout's commit and whether it has changes (asked of git once per process: a
    process that writes several runs, like the grader's replay, records one state for all)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=KIT_ROOT, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=KIT_ROOT, capture_output=True, text=True, timeout=5
        )
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


def installed_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    """The installed version of each distribution (None if absent), as ``importlib.metadata.version`` says.

    Read first from the ``<name>-<version>.dist-info`` folder names on ``sys.path`` (importing
    importlib.metadata and scanning every distribution costs more than a small eval run);
    a name not found that way, or found twice in one folder, is asked of importlib.metadata.
    """
    wanted = {re.sub(r"[-_.]+", "_", n).lower(): n for n in names}
    found: dict[str, str | None] = {}
    for entry in sys.path:
        if len(found) == len(wanted):
            break
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        here: dict[str, list[str]] = {}
        for item in listing:
            stem = item[: -len(".dist-info")] if item.endswith(".dist-info") else ""
            if stem.count("-") == 1:
                dist, version = stem.split("-")
                key = dist.lower().replace("-", "_").replace(".", "_")  # wheel names: no runs of separators
                if key in wanted and wanted[key] not in found:
                    here.setdefault(wanted[key], []).append(version)
        for name, versions in here.items():
            found[name] = versions[0] if len(versions) == 1 else _metadata_version(name)
    return {n: found[n] if n in found else _metadata_version(n) for n in names}


def _metadata_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=None)
def _platform() -> str:
    return platform.platform()  # runs `uname -p` each time it is asked


def environment() -> dict[str, Any]:
    """Where a run was made: never compared when the grader makes it again (a per-run field)."""
    packages = installed_versions(TRACKED_PACKAGES)
    return {
        "python": platform.python_version(),
        "platform": _platform(),
        "packages": packages,
        "kit_version": __version__,
        "git": dict(git) if (git := _git_state()) else None,
    }


def input_record(role: str, path: str | Path, records: int) -> dict[str, Any]:
    """One entry of ``manifest.inputs``: the path as the user gave it, its hash, size and record count."""
    p = Path(path)
    return {"role": role, "path": str(path), "sha256": sha256_file(p), "bytes": p.stat().st_size, "records": records}


def build_manifest(
    *,
    kind: str,
    args: dict[str, Any],
    inputs: list[dict[str, Any]],
    sampling_config: dict[str, Any],
    artifacts: list[str],
    dataset_fingerprint: str | None = None,
    example_ids_fingerprint: str | None = None,
    scorer: Any = None,
    command: list[str] | None = None,
    policy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of one run. ``scorer`` is a :class:`course_core.measurement.scoring.Scorer` or None.

    ``policy`` is the policy under test (runs over rollouts have one; see :func:`rollout_conditions`).
    """
    manifest: dict[str, Any] = {
        "producer": PRODUCER,
        "kind": kind,
        "created_utc": utc_now(),
        "command": list(sys.argv if command is None else command),
        "args": args,
        "dataset_fingerprint": dataset_fingerprint,
        "scorer_name": scorer.name if scorer else None,
        "scorer_version": scorer.version if scorer else None,
        "scorer_spec_fingerprint": scorer.spec_fingerprint if scorer else None,
        **({"policy": policy} if policy is not None else {}),
        "sampling_config": sampling_config,
        "inputs": inputs,
        "environment": environment(),
        "artifacts": sorted(set(artifacts) | {"manifest.json"}),
    }
    if example_ids_fingerprint is not None:
        manifest["example_ids_fingerprint"] = example_ids_fingerprint
    if scorer is not None and getattr(scorer, "module", None):
        manifest["scorer_module"] = dict(scorer.module)
    return manifest


def write_json(path: Path, value: Any, schema: str | None) -> None:
    """Validate ``value`` against ``schema`` (a kit bug if it fails), then write it, indented."""
    if schema is not None:
        check_artifact(value, schema, artifact=path.name)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8", newline="\n")


def read_json(path: Path) -> Any:
    """A JSON file, parsed strictly (:mod:`course_core.artifacts.strict_json`): a ValueError says what is wrong."""
    return strict_json.loads(path.read_text(encoding="utf-8-sig"), text_only=True)


def sidecar_path(rollouts: str | Path) -> Path:
    """``foo.jsonl`` → ``foo.sampling.json``: how the rollouts in ``foo.jsonl`` were sampled."""
    p = Path(rollouts)
    return p.with_name(p.name.removesuffix(".jsonl") + ".sampling.json")


# The policy apart from the sampling configuration. A sidecar holds both: ``policy`` (a name in
# frozen files, an object in sampled ones) beside the flat sampling parameters, plus provenance
# that no comparison looks at. In a frozen sidecar whose policy is a name, ``synthetic`` and
# ``generated_by`` say what produced the file, so they belong to the policy.
PROVENANCE_KEYS = ("generated_by", "format", "dataset", "started_utc", "finished_utc", "stats")
NAMED_POLICY_KEYS = ("synthetic", "generated_by")
# The stand-in for rollouts without a sidecar: the same for every such file, so they compare equal.
UNRECORDED = {"policy": "unknown", "note": "no .sampling.json sidecar beside the rollouts; sampling conditions unrecorded"}


def rollout_conditions(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(policy, sampling_config)`` of a sidecar, or of an older manifest's ``sampling_config``.

    Before the policy had its own manifest field, ``sampling_config`` was the whole sidecar
    (plus ``n_used`` and ``selector`` for selection runs): the same split applies to it.
    """
    policy = record.get("policy")
    if isinstance(policy, dict):
        return dict(policy), {k: v for k, v in record.items() if k != "policy" and k not in PROVENANCE_KEYS}
    named = {"id": policy, **{k: record[k] for k in NAMED_POLICY_KEYS if k in record}}
    dropped = {"policy", *NAMED_POLICY_KEYS, *PROVENANCE_KEYS}
    return named, {k: v for k, v in record.items() if k not in dropped}


def manifest_conditions(manifest: dict[str, Any]) -> tuple[dict[str, Any] | None, Any]:
    """``(policy, sampling_config)`` of any run's manifest; older manifests are split as their sidecar was."""
    sampling = manifest.get("sampling_config")
    if "policy" in manifest:
        return manifest["policy"], sampling
    if isinstance(sampling, dict) and isinstance(sampling.get("policy"), str):
        return rollout_conditions(sampling)
    return None, sampling


def policy_label(policy: dict[str, Any] | None) -> str:
    """A policy in a few words: its model or name, how it was served, its weights."""
    if not policy or policy.get("id") == "unknown":
        return "unrecorded"
    name = str(policy.get("model") or policy.get("id") or "unnamed")
    notes = []
    served = policy.get("served_model")
    if served and served != name:
        notes.append("served as " + (served if isinstance(served, str) else ", ".join(served)))
    if policy.get("weights_fingerprint"):
        notes.append(f"weights {policy['weights_fingerprint'][:19]}…")
    return name + (f" ({'; '.join(notes)})" if notes else "")


def policy_differences(baseline: dict[str, Any] | None, candidate: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each key of the policy record that differs, with both values."""
    b, c = baseline or {}, candidate or {}
    return [{"key": k, "baseline": b.get(k), "candidate": c.get(k)} for k in sorted(set(b) | set(c)) if b.get(k) != c.get(k)]


def load_rollout_conditions(rollouts: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(policy, sampling_config)`` from the sidecar beside ``rollouts``, validated; a labelled stand-in when absent."""
    side = sidecar_path(rollouts)
    if not side.is_file():
        return rollout_conditions(UNRECORDED)
    try:
        data = read_json(side)
    except ValueError as exc:
        raise UserError(f"sidecar is not valid JSON: {exc}", path=side, field=getattr(exc, "field", None)) from None
    validate_input(data, "rollout_sidecar", path=side, what="sampling sidecar")
    return rollout_conditions(data)


def write_json_atomic(path: str | Path, value: Any, schema: str | None) -> None:
    """Write a single JSON file via a temporary sibling and rename: never half-written."""
    target = Path(path)
    if target.is_dir():
        raise UserError("--out is a directory; expected a file path", path=target)
    with atomic_path(target) as tmp:
        write_json(tmp, value, schema)
