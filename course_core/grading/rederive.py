"""Evidence re-derived, never trusted: every run directory a check reads is made again by the kit.

For each run (docs/exercise_contract.md, "Re-derivation"):

1. every input its manifest hashes is found in the kit (``data/...``) or under the exercise's
   ``evidence/`` folder, and its bytes hash to the recorded fingerprint;
2. the run is replayed end to end from its recorded command by the kit's own instrument
   (:mod:`course_core.grading.replay`, a trusted process; a user's module the run names runs
   only in a sandbox), and every artifact must come out the same, byte for byte apart from
   what is by nature per-run (:data:`PER_RUN_FIELDS`, :data:`UNCOMPARED_SUFFIXES`, and the
   paths the replay had to use instead of the recorded ones) and from the last bits of a
   floating-point number (:data:`FLOAT_REL_TOL`);
3. a run that is random by design (:data:`RANDOM_BY_DESIGN`) is replayed with its recorded
   choices: the instrument re-scores every row and recomputes the summary from the rows.

A run that fails says which file, and the first value that differs. Results are computed once
per staged exercise, for every run its checks read, in one replay process.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from course_core.artifacts import strict_json
from course_core.grading import trusted
from course_core.grading.conditions import read
from course_core.grading.staging import Staged

# What a replay may differ in: when and where a run was made, never what it measured.
PER_RUN_FIELDS = ("created_utc", "command", "environment")  # manifest.json keys, not compared
UNCOMPARED_SUFFIXES = (".png", ".svg", ".pdf")  # figures: drawn from the compared summary and log, only where matplotlib is
# The instruments the grader can replay: a kit CLI (course/*.py) or a kit-owned exercise script.
INSTRUMENTS = (
    "course.eval", "course.validate_scorer", "course.selection_demo", "course.bandit_train",
    "course.two_step_demo", "course.kl_tradeoff_demo", "course.token_inspect",
)
SCRIPTS = ("exercises/b1_selection/run_selection.py",)
INPUT_FLAGS = ("--dataset", "--completions", "--samples", "--golden")
MODULE_FLAGS = ("--policy", "--scorer-module")
OUTDIR_FLAG = "--outdir"
REFUSED_FLAGS = ("--testbed",)  # a reference experiment (minutes of CPU), never a student's evidence
# Runs random by design, replayed row by row: (kind, manifest field, value).
RANDOM_BY_DESIGN = (("selection", "sampling_config.selector", "custom:selection.pick_best_random_tiebreak"),)
REPLAY_BUDGET_S = 60  # wall clock per replayed run, on top of the sandbox limits
REPLAY_MEMORY_MB = 2048  # the replay process's address space: every shipped exercise's full-marks runs re-derive within 1024
MAX_PATH_CHARS = 4096  # Linux's PATH_MAX: a longer recorded path names no file
# A float written on the student's machine and the same float computed again here may differ in
# their last bits: numpy picks its BLAS kernel and its SIMD exp/log by CPU (and OPENBLAS_CORETYPE),
# so `probs @ rewards` came out 0.6562615507852665 on one kernel and ...666 on another. Numbers
# written with a decimal point or an exponent are the same within this relative tolerance;
# integers, strings and layout are compared exactly.
FLOAT_REL_TOL = 1e-9
FLOAT_ABS_TOL = 1e-12  # for values that are 0 on one machine and 1e-17 on another
# A number standing alone (not part of a word, a hash, a version like 1.0.0 or name@1.0); linear: no nested repetition.
_NUMBER = re.compile(r"(?<![\w.@])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.@])")


@dataclass
class Prepared:
    """One run, ready to replay: its argv, its user modules, and the paths to map back."""

    rel: str
    manifest: dict[str, Any]
    entry: str
    argv: list[str]
    outdir: Path
    modules: dict[str, dict[str, str]] = field(default_factory=dict)
    choices: list[int] | None = None
    mapped: list[tuple[str, str]] = field(default_factory=list)  # (path the replay used, path recorded)
    tokenizer: str | None = None  # a token_inspect run's recorded tokenizer kind ("bpe", "bytes"): the replay uses it


class NotRederived(Exception):
    """Why a run is not what its manifest says (the message names the file and the value)."""


def _ex(staged: Staged) -> str:
    return f"exercises/{staged.exercise.id}"


def locate(staged: Staged, recorded: str, *, module: bool = False) -> tuple[Path, str]:
    """The file a run recorded as ``recorded``: the kit's (``data/...``) or the submission's own.

    An input must be the kit's or under ``evidence/``; a module (``--policy``) any file of the
    exercise folder the submission holds. Returns (path to read, the name the student knows).
    """
    if len(str(recorded)) > MAX_PATH_CHARS:
        raise NotRederived(f"a path of {len(str(recorded))} characters is recorded ({str(recorded)[:40]}…): not a file the grader re-derives runs from")
    parts = PurePosixPath(str(recorded).replace("\\", "/")).parts
    here = ("exercises", staged.exercise.id)
    for i in range(len(parts) - 2):
        if parts[i : i + 2] != here:
            continue
        rest_parts = parts[i + 2 :]
        rest = "/".join(rest_parts)
        if ".." in rest_parts:
            break
        if not module and not rest.startswith("evidence/"):
            raise NotRederived(f"input {recorded} is in your exercise folder but not under evidence/: keep your runs' inputs in {_ex(staged)}/evidence/")
        if rest in staged.refused:
            raise NotRederived(f"{rest} was not taken: {staged.refused[rest]}")
        path = staged.root / rest
        if not path.is_file() or path.is_symlink():
            raise NotRederived(f"{_ex(staged)}/{rest} (recorded as {recorded}) is not in your submission")
        return path, f"{_ex(staged)}/{rest}"
    if not module:
        from course_core.paths import KIT_ROOT

        is_abs = PurePosixPath(str(recorded).replace("\\", "/")).is_absolute() or (len(parts) > 0 and parts[0].endswith(":\\"))
        # the kit's data/ wherever the recording machine kept the kit (an absolute path ends in data/...)
        starts = (i for i, p in enumerate(parts) if p == "data") if is_abs else iter([0])
        if ".." not in parts:
            for i in starts:
                c = parts[i:]
                if c and c[0] == "data" and (Path(KIT_ROOT).joinpath(*c)).is_file():
                    return Path(KIT_ROOT).joinpath(*c), "/".join(c)
    where = f"under {_ex(staged)}/" if module else f"in the kit's data/ or under {_ex(staged)}/evidence/"
    raise NotRederived(f"{recorded} is not a file {where}: the grader re-derives runs only from those")


def random_by_design(manifest: dict[str, Any]) -> bool:
    return any(manifest.get("kind") == kind and read(manifest, f) == v for kind, f, v in RANDOM_BY_DESIGN)


def _check_inputs(staged: Staged, manifest: dict[str, Any]) -> dict[str, Path]:
    """recorded path → the file read; every fingerprint recomputed from the bytes."""
    from course_core.artifacts.fingerprint import sha256_file

    found = {}
    for rec in manifest.get("inputs", []):
        path, shown = locate(staged, rec["path"])
        digest = sha256_file(path)
        if digest != rec["sha256"]:
            raise NotRederived(f"manifest.json records input {rec['path']} with sha256 {str(rec['sha256'])[:19]}…, "
                               f"but the bytes of {shown} hash to {digest[:19]}…: the fingerprint was not made from this file")
        found[rec["path"]] = path
    return found


def _module_records(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in (manifest.get("policy_module"), manifest.get("scorer_module")) if isinstance(m, dict)]


def _split_command(rel: str, command: Any) -> tuple[str, list[str]]:
    if not (isinstance(command, list) and len(command) >= 2 and all(isinstance(c, str) for c in command)):
        raise NotRederived(f"{rel}/manifest.json records no command the grader can replay")
    if command[1] == "-m" and len(command) >= 3 and command[2] in INSTRUMENTS:
        return command[2], command[3:]
    script = command[1].replace("\\", "/")
    for known in SCRIPTS:
        if script == known or script.endswith("/" + known):
            return known, command[2:]
    raise NotRederived(f"{rel} was made by `{' '.join(command[:3])}`, which is not one of the kit's instruments the grader replays")


def prepare(staged: Staged, rel: str, manifest: dict[str, Any], scratch: Path) -> Prepared:
    """Inputs checked and the recorded command rewritten to the checked files and a scratch outdir."""
    from course_core.paths import KIT_ROOT

    inputs = _check_inputs(staged, manifest)
    entry, args = _split_command(rel, manifest.get("command"))
    out = scratch / f"run_{len(list(scratch.glob('run_*')))}" / "out"
    out.parent.mkdir(parents=True)
    prepared = Prepared(rel, manifest, entry, [], out)
    recorded_out = read(manifest, "args.outdir")
    if isinstance(recorded_out, str):
        prepared.mapped.append((str(out), recorded_out))
    modules_recorded = {m.get("path"): m.get("sha256") for m in _module_records(manifest)}
    i, seen_outdir = 0, False
    while i < len(args):
        token = args[i]
        flag, eq, value = token.partition("=")
        rewritten = (*INPUT_FLAGS, *MODULE_FLAGS, OUTDIR_FLAG)  # by full name only: the replay's parsers take no abbreviation
        if flag in REFUSED_FLAGS:
            raise NotRederived(f"{rel}/manifest.json records the flag {flag}, which the grader does not replay: run the README's command as written")
        if flag in rewritten:
            if not eq:
                if i + 1 >= len(args):
                    raise NotRederived(f"{rel}/manifest.json records {flag} without a value")
                value, i = args[i + 1], i + 1
            if flag == OUTDIR_FLAG:
                seen_outdir, new = True, str(out)
            elif flag in MODULE_FLAGS:
                new = _module(staged, rel, value, modules_recorded, prepared)
            else:
                if value not in inputs:
                    raise NotRederived(f"{rel}/manifest.json's command reads {value} ({flag}), which its inputs do not record "
                                       "with a fingerprint: the grader replays a command only on the files its manifest records")
                path = inputs[value]
                new = value if not Path(value).is_absolute() and path == Path(KIT_ROOT) / value else str(path)
                if new != value:
                    prepared.mapped.append((new, value))
            prepared.argv += [flag, new]
        else:
            prepared.argv.append(token)
        i += 1
    if not seen_outdir:
        prepared.argv += [OUTDIR_FLAG, str(out)]
    if entry in SCRIPTS:  # the script loads the exercise's module from its own folder
        kit_copy = str((Path(KIT_ROOT) / entry).parent.joinpath(staged.exercise.module_file).resolve())
        module = staged.root / staged.exercise.module_file
        if not module.is_file():
            raise NotRederived(f"{rel} was made with {_ex(staged)}/{staged.exercise.module_file}, which is not in your submission")
        prepared.modules[kit_copy] = {"file": str(module), "module": staged.exercise.module}
    if random_by_design(manifest):
        prepared.choices = _recorded_choices(staged, rel)
    if manifest.get("kind") == "token_inspect":
        # Which tokenizer splits is decided by what the student's machine had installed (the
        # `tokens` extra, or the byte fallback), not by the command: replay the one recorded.
        prepared.tokenizer = read(manifest, "sampling_config.tokenizer.kind")
        if prepared.tokenizer not in ("bpe", "bytes"):
            raise NotRederived(f"{rel}/manifest.json records no tokenizer kind (sampling_config.tokenizer.kind is "
                               f"{_short(prepared.tokenizer)}, not \"bpe\" or \"bytes\")")
    return prepared


def _module(staged: Staged, rel: str, value: str, recorded: dict[str, Any], prepared: Prepared) -> str:
    import hashlib

    if value not in recorded:
        raise NotRederived(f"{rel}/manifest.json's command loads {value}, which the manifest does not record with a fingerprint "
                           "(policy_module / scorer_module): the grader replays a command only with the modules it records")
    path, shown = locate(staged, value, module=True)
    digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    if recorded[value] != digest:
        raise NotRederived(f"{rel} was made with a different {shown} than the one you submit (recorded {str(recorded[value])[:19]}…, "
                           f"yours {digest[:19]}…): re-run it with your final file")
    prepared.modules[str(path.resolve())] = {"file": str(path), "module": path.stem}
    prepared.mapped.append((str(path), value))
    return str(path)


def _recorded_choices(staged: Staged, rel: str) -> list[int]:
    """The sample each item's row says was chosen, read strictly: any run the checks read gets here,
    not only the one whose rows were validated first."""
    choices = []
    shown = f"{_ex(staged)}/{rel}/results.jsonl"
    text = (staged.root / rel / "results.jsonl").read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = strict_json.loads(line)
        except ValueError as exc:
            raise NotRederived(f"{shown} line {n} is not a row the instrument writes: {exc}") from None
        if not isinstance(row, dict):
            raise NotRederived(f"{shown} line {n} is not a row the instrument writes (a JSON {type(row).__name__}, not an object)")
        if row.get("n_samples_used"):
            choice = row.get("selected_index")
            if not isinstance(choice, int) or isinstance(choice, bool):
                raise NotRederived(f"{shown} line {n}: selected_index is {_short(choice)}, not the index of a sample")
            choices.append(choice)
    return choices


# --- comparing what the replay wrote with what was submitted ----------------------------------


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:59] + "…"


def _first_difference(a: Any, b: Any, where: str = "") -> tuple[str, Any, Any] | None:
    """(path, submitted value, re-derived value) of the first value that differs, in document order."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *[k for k in b if k not in a]]:
            if key not in a or key not in b:
                return (f"{where}.{key}".lstrip("."), a.get(key, "(absent)"), b.get(key, "(absent)"))
            found = _first_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    same = type(a) is type(b) and (a == b or (type(a) is float and _close(a, b)))
    return None if same else (where.lstrip(".") or "(the whole value)", a, b)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=FLOAT_REL_TOL, abs_tol=FLOAT_ABS_TOL)


def _same_text(mine: str, again: str) -> bool:
    """The same text, or the same but for floats equal within :data:`FLOAT_REL_TOL`."""
    if mine == again:
        return True
    if _NUMBER.sub("#", mine) != _NUMBER.sub("#", again):
        return False
    for x, y in zip(_NUMBER.findall(mine), _NUMBER.findall(again)):
        if x == y:
            continue
        if not any(c in x for c in ".eE") or not any(c in y for c in ".eE") or not _close(float(x), float(y)):
            return False
    return True


def _figure(name: str) -> bool:
    return name.endswith(UNCOMPARED_SUFFIXES)


def _comparable_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without its per-run fields, and its artifacts without figures (drawn only where
    matplotlib is installed, so a run made without it is the same run)."""
    out = {k: v for k, v in manifest.items() if k not in PER_RUN_FIELDS}
    if isinstance(out.get("artifacts"), list):
        out["artifacts"] = [a for a in out["artifacts"] if not (isinstance(a, str) and _figure(a))]
    return out


def _said(shown: str, path: str, mine: Any, again: Any) -> str:
    return (f"{shown}: {path} is {_short(mine)}, but the kit's instrument, run again from the manifest, "
            f"gives {_short(again)}")


def _compare_file(shown: str, name: str, mine: bytes, again: bytes) -> str | None:
    if mine == again:
        return None
    if name == "manifest.json" or name.endswith(".json"):
        try:
            a, b = strict_json.loads(mine), strict_json.loads(again)
        except ValueError:
            return f"{shown} is not the JSON the instrument writes"
        if name == "manifest.json":
            a, b = (_comparable_manifest(d) for d in (a, b))
        found = _first_difference(a, b)
        if found:
            return _said(shown, found[0], found[1], found[2])
        if name == "manifest.json" or _same_text(mine.decode("utf-8", "replace"), again.decode("utf-8", "replace")):
            return None  # a manifest's layout differs with its per-run fields
        return f"{shown} is not byte for byte what the instrument writes (layout or spacing)"
    mine_lines, again_lines = mine.decode("utf-8", "replace").splitlines(), again.decode("utf-8", "replace").splitlines()
    for n, (x, y) in enumerate(zip(mine_lines, again_lines), start=1):
        if x == y:
            continue
        if name.endswith(".jsonl"):  # by value first: a string is exact, wherever its digits are
            try:
                found = _first_difference(strict_json.loads(x), strict_json.loads(y))
            except ValueError:
                found = None  # not a JSON row: compared as text
            if found:
                return _said(f"{shown} line {n}", found[0], found[1], found[2])
        if _same_text(x, y):
            continue
        return f"{shown} line {n} differs from what the kit's instrument writes when run again: {_around(x, y)}"
    if len(mine_lines) != len(again_lines):
        return f"{shown} has {len(mine_lines)} lines; the kit's instrument, run again from the manifest, writes {len(again_lines)}"
    if _line_ends(mine) == _line_ends(again):  # every line the same: only how they end could still differ
        return None
    return f"{shown} is not byte for byte what the instrument writes (line endings or spacing)"


def _line_ends(data: bytes) -> list[bytes]:
    return [line[len(line.rstrip(b"\r\n")):] for line in data.splitlines(keepends=True)]


def _around(x: str, y: str, width: int = 60) -> str:
    """Both lines, each cut to ``width`` characters around where they first differ."""
    at = next((i for i, (a, b) in enumerate(zip(x, y)) if a != b), min(len(x), len(y)))
    start = max(0, at - width // 2)
    cut = [("…" if start else "") + line[start:start + width] + ("…" if len(line) > start + width else "") for line in (x, y)]
    return f"{cut[0]!r} vs {cut[1]!r}"


def _unmapped(data: bytes, mapped: list[tuple[str, str]]) -> bytes:
    """The replay's bytes with each path it used put back to the path the run recorded."""
    for used, recorded in sorted(mapped, key=lambda m: -len(m[0])):
        for a, b in ((used, recorded), (json.dumps(used)[1:-1], json.dumps(recorded)[1:-1])):
            data = data.replace(a.encode("utf-8"), b.encode("utf-8"))
    return data


def compare(staged: Staged, prep: Prepared) -> str | None:
    """The first difference between the submitted run and its replay, or None."""
    artifacts = list(prep.manifest.get("artifacts", []))
    cap = staged.exercise.limits.max_file_bytes
    if (prep.outdir / "manifest.json").stat().st_size > cap:
        return f"{prep.rel}: the kit's instrument, run again from the manifest, writes a manifest.json larger than a submitted file may hold"
    made_manifest = (prep.outdir / "manifest.json").read_bytes()
    if prep.tokenizer is not None:  # which tiktoken versions made the split is where the run was made, like its environment
        recorded, used = (read(m, "sampling_config.tokenizer.source") for m in (prep.manifest, json.loads(made_manifest)))
        if isinstance(recorded, str) and isinstance(used, str) and recorded != used:
            prep.mapped.append((used, recorded))
    again_manifest = json.loads(_unmapped(made_manifest, prep.mapped))
    wrote = set(again_manifest.get("artifacts", []))
    missing = sorted(a for a in wrote - set(artifacts) if not _figure(a))
    if missing:
        return f"{prep.rel}: the kit's instrument, run again from the manifest, also writes {', '.join(missing)}, which the run lacks"
    order = sorted(artifacts, key=lambda a: (a == "manifest.json", not a.endswith(".jsonl"), a))
    for name in order:
        shown = f"{_ex(staged)}/{prep.rel}/{name}"
        if _figure(name):
            continue
        if name not in wrote:
            return f"{shown} is not something the kit's instrument writes for this run"
        if not (staged.root / prep.rel / name).is_file():
            return f"{shown} is listed in the run's manifest but is not in your submission"
        mine = (staged.root / prep.rel / name).read_bytes()
        made = prep.outdir / name
        if made.stat().st_size > cap:  # a submitted file is at most the cap (staging), so this one cannot be the same
            return f"{shown}: the kit's instrument, run again from the manifest, writes {made.stat().st_size / 1e6:.1f} MB there, more than a submitted file may hold"
        again = _unmapped(made.read_bytes(), prep.mapped)
        problem = _compare_file(shown, name, mine, again)
        if problem:
            return problem
    return None


# --- the replay process --------------------------------------------------------------------------


def _replay(staged: Staged, runs: list[Prepared], scratch: Path) -> tuple[dict[str, Any], str]:
    """(rel → what the replay said, "") or ({}, why the replay process gave no results)."""
    from course_core.grading.testsets import trusted_env
    from course_core.paths import KIT_ROOT

    spec = {
        "limits": staged.exercise.limits.as_dict(), "forbidden": list(staged.exercise.forbidden_imports),
        "runs": [{"name": p.rel, "entry": p.entry, "argv": p.argv, "modules": p.modules, "choices": p.choices, "tokenizer": p.tokenizer}
                 for p in runs],
        "results": str(scratch / "results.json"), "budget_s": REPLAY_BUDGET_S, "memory_mb": REPLAY_MEMORY_MB,
    }
    spec_path = scratch / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    budget = REPLAY_BUDGET_S * len(runs) + 30
    log = scratch / "replay.log"
    try:
        status = trusted.run("replay", [str(spec_path)], cwd=KIT_ROOT, env=trusted_env(spec_path, scratch), log=log, timeout=budget)
    except trusted.TrustedRunFailed as exc:
        return {}, f"the grader's replay could not be started ({exc}; a grader problem, tell your instructor)"
    if status is None:
        return {}, f"the replay of these runs took longer than {budget:g} s and was stopped"
    results = scratch / "results.json"
    if not results.is_file():
        tail = log.read_bytes()[-300:].decode("utf-8", "replace").strip().splitlines() if log.is_file() else []
        return {}, f"the grader's replay ended with status {status} (a grader problem, tell your instructor){': ' + tail[-1] if tail else ''}"
    return json.loads(results.read_text(encoding="utf-8")), ""


def rederive(staged: Staged, runs: dict[str, dict[str, Any]]) -> dict[str, str | None]:
    """rel → None (the kit made this run again, the same) or what differs; ``runs`` maps rel → manifest."""
    verdicts: dict[str, str | None] = {}
    scratch = Path(tempfile.mkdtemp(prefix="rlf-rederive-"))
    try:
        prepared = []
        for rel, manifest in runs.items():
            try:
                prepared.append(prepare(staged, rel, manifest, scratch))
            except NotRederived as exc:
                verdicts[rel] = str(exc)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                verdicts[rel] = f"{rel} cannot be re-derived from its manifest ({type(exc).__name__}: {str(exc)[:200]})"
        results, failure = _replay(staged, prepared, scratch) if prepared else ({}, "")
        for prep in prepared:
            got = results.get(prep.rel)
            if got is None:
                verdicts[prep.rel] = f"{prep.rel} could not be re-derived: {failure}"
            elif not (prep.outdir / "manifest.json").is_file():  # a finished run appears whole (some exit 1 with findings)
                said = (got.get("error") or "").strip().splitlines()
                verdicts[prep.rel] = (f"the kit's instrument could not make {prep.rel} again from its manifest"
                                      + (f": {said[-1][:300]}" if said else f" (exit {got['exit']})"))
            elif got.get("problems"):
                verdicts[prep.rel] = f"{_ex(staged)}/{prep.rel}/results.jsonl " + "; ".join(got["problems"][:2])
            else:
                try:
                    verdicts[prep.rel] = compare(staged, prep)
                except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                    verdicts[prep.rel] = f"{prep.rel} cannot be compared with its replay ({type(exc).__name__}: {str(exc)[:200]})"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return verdicts


__all__ = ["PER_RUN_FIELDS", "RANDOM_BY_DESIGN", "UNCOMPARED_SUFFIXES", "NotRederived", "locate", "random_by_design", "rederive"]
