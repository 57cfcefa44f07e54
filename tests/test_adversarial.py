"""Attacking submissions (tests/adversarial/<attack>/) graded alongside honest ones.

Each attacker is the partly-done submission ``_base`` plus one attack. The grader must
survive, the honest submission (``_honest``) must keep its full marks, no attacker may score
more than ``_base`` (its honest code), and each attack's feedback must say what happened.
Everything is graded in one ``python -m course.grade`` run, exactly as staff would type it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, run_cli, settled
from course_core.grading.sandbox import kit_libraries_env, kit_library

pytestmark = pytest.mark.slow  # grades 19 submissions in every isolation mode available

ADV = REPO / "tests" / "adversarial"
FIXTURES = REPO / "tests" / "fixtures"
ATTACKS = sorted(p.name for p in ADV.iterdir() if p.is_dir() and not p.name.startswith("_"))
BASELINES = ("_honest", "_base", "_honest_code")
# what an attacker would score with its honest code alone (default _base: clip still a stub)
BASELINE = {"lock_exfiltrates": "_honest_code"}
HONEST_CODE = {"_honest_code", "lock_exfiltrates"}  # built from _base with _honest's toy.py
REFERENCE_MARKER = "ex_toy — reference solution"  # the reference's docstring: never in any feedback
EXFIL_SHM_KEY = 0x5EED
EXFIL_STASH = Path("/tmp/rlf-exfil-stash.txt")
# Attacks that write or read wherever the sandbox uid can reach: only run where the grader
# really isolates (root → per-worker uid). With same-uid isolation they would vandalise files
# of the user running the tests, which the grader does not claim to prevent.
NEEDS_UID = {"fake_report", "delete_visible_tests", "read_solutions"}

FEEDBACK = {
    "infinite_loop": "did not return within 3 s",
    "memory_bomb": "memory limit",
    "fork_bomb": "reached the limit of 32 processes and threads",
    "exit_at_import": "called sys.exit(0) while being imported",
    "os_exit_at_import": "os._exit(0)",
    "exit_in_call": "called sys.exit(0)",
    "os_exit_in_call": "os._exit(0)",
    "rigged_eq": "not a JSON value",
    "fake_passed_lines": "sent something that is not a reply",
    "monkeypatch_pytest": "not implemented yet",
    "fake_report": "not implemented yet",
    "read_solutions": "not implemented yet",
    "delete_visible_tests": "not implemented yet",
    "dropped_conftest": "your tests fail on a correct solution",
    "dropped_config": "your tests fail on a correct solution",
    "symlink_outside": "symlinks are not followed",
    "non_utf8": "utf-8",
    "big_file": "over the 1 MB limit",
    "surrogate_message": "your code raised ValueError: no clip \ufffd\ufffd\ufffd[2J",
    "heading_redos": "is not an accepted answer",
    "huge_numbers": "an integer of 400 digits",
    "sleep_past_timeout": "did not return within 3 s",
    "memory_total": "all its processes together",
    "disk_total": "No space left on device",
    "exception_leak": "your code raised an exception of a class of your own",
    "imports_reference": "the kit's reference for what this exercise asks you to write",
    "proc_snoop": "not implemented yet",
    "docstring_oracle": "your tests fail on a correct solution",
    "lock_exfiltrates": "your tests fail on a correct solution",
}


def _isolated() -> bool:
    from course_core.grading.sandbox import isolation

    return isolation().mode != "same-uid"


def _tree_digest(*roots: Path) -> str:
    h = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _build(name: str, dest: Path) -> Path:
    """One submission folder (laid out like exercises/): _base overlaid with the attack's files."""
    sub = dest / name
    shutil.copytree(ADV / "_base", sub)
    attack = ADV / name / "ex_toy"
    if attack.is_dir():
        shutil.copytree(attack, sub / "ex_toy", dirs_exist_ok=True)
    ex = sub / "ex_toy"
    if name in HONEST_CODE:  # correct code written by the student (not byte-identical to the reference)
        honest = (ADV / "_honest" / "ex_toy" / "toy.py").read_text(encoding="utf-8")
        (ex / "toy.py").write_text(honest.replace(REFERENCE_MARKER, "ex_toy, written by the student"), encoding="utf-8")
    if name == "symlink_outside":
        (ex / "toy.py").unlink()
        (ex / "toy.py").symlink_to(FIXTURES / "solutions" / "ex_toy" / "toy.py")
        (ex / "REFLECT.md").unlink()
        (ex / "REFLECT.md").symlink_to("/etc/passwd")
        shutil.rmtree(ex / "evidence")
        (ex / "evidence").symlink_to(ADV / "_honest" / "ex_toy" / "evidence")
    elif name == "non_utf8":
        (ex / "toy.py").write_bytes((ADV / "_base" / "ex_toy" / "toy.py").read_bytes() + b'\nGREETING = "caf\xe9"\n')
        (ex / "REFLECT.md").write_bytes(b"```answers\nanswer: 42\ncolour: bl\xfce\n```\n")
    elif name == "big_file":
        for rel in ("evidence/note.json", "REFLECT.md"):
            with open(ex / rel, "wb") as fh:
                fh.truncate(50 << 20)  # sparse: 50 MB on paper, no disk used
    return sub


def _sandbox_processes(kitlib: Path) -> list[str]:
    """Live processes of this run's grader: started from its copy of the kit library, or descended from one that was.

    A bubblewrap sandbox's own processes name only the mount point (the same for every grader
    on the machine), so they are recognised by their ancestor, the bwrap process that was given
    this run's kit library; other tests grading at the same time are not counted.
    """
    procs: dict[str, tuple[str, str, str]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            state = next(line for line in status if line.startswith("State:")).split()[1]
            ppid = next(line for line in status if line.startswith("PPid:")).split()[1]
        except (OSError, StopIteration, IndexError):
            continue
        procs[pid] = (ppid, cmdline, state)

    def of_this_run(pid: str) -> bool:
        seen = set()
        while pid in procs and pid not in seen:
            seen.add(pid)
            if str(kitlib) in procs[pid][1]:
                return True
            pid = procs[pid][0]
        return False

    return [f"{pid}: {cmd[:200]}" for pid, (_, cmd, state) in procs.items() if state != "Z" and of_this_run(pid)]


def _shm_keys() -> list[int]:
    try:
        return [int(line.split()[0]) for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:] if line.strip()]
    except OSError:
        return []


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("adversarial")
    attacks = [a for a in ATTACKS if a not in NEEDS_UID or _isolated()]
    subs = [_build(name, root) for name in (*BASELINES, *attacks)]
    before = _tree_digest(FIXTURES, ADV)
    shm_before = set(_shm_keys())
    out = root / "report"
    kitlib = kit_library()  # handed to the grader (its other copies are named after it): its workers are recognisable
    proc = run_cli(
        "course.grade", "--exercises-root", "tests/fixtures", "--solutions", "tests/fixtures/solutions",
        "--submission", *map(str, subs), "--jobs", "2", "--out", str(out), "--json", timeout=300,
        env={"RLF_GRADER_KITLIB": kit_libraries_env()},
    )
    shm_keys = sorted(set(_shm_keys()) - shm_before)
    return {
        "shm_keys": shm_keys, "stash_left": EXFIL_STASH.exists(),
        "proc": proc, "report": json.loads(proc.stdout) if proc.returncode == 0 else None, "out": out,
        "before": before, "after": _tree_digest(FIXTURES, ADV), "attacks": attacks,
        "leftovers": settled(lambda: _sandbox_processes(kitlib)),
    }


def _sub(graded: dict[str, Any], label: str) -> dict[str, Any]:
    return next(s for s in graded["report"]["submissions"] if s["submission"] == label)


def _checks(sub: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for e in sub["exercises"] for s in e["stages"] for c in s["checks"]]


def _feedback(sub: dict[str, Any]) -> str:
    return "\n".join(c["feedback"] for e in sub["exercises"] for s in e["stages"] for c in s["checks"])


def test_the_grader_survives_every_attack(graded: dict[str, Any]) -> None:
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    labels = [s["submission"] for s in graded["report"]["submissions"]]
    assert labels == [*BASELINES, *graded["attacks"]]


def _toy_total() -> float:
    """What the toy exercise is worth: its stages' points in exercise.toml, added up (nothing rescaled)."""
    from course_core.grading.exercise import load_exercise

    return sum(s.points for s in load_exercise(FIXTURES / "ex_toy").stages.values())


def test_the_honest_submission_keeps_full_marks(graded: dict[str, Any]) -> None:
    honest = _sub(graded, "_honest")
    assert honest["score"] == honest["max_score"] == _toy_total() and honest["percent"] == 100


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attacker_earns_no_more_than_its_honest_code(graded: dict[str, Any], attack: str) -> None:
    if attack not in graded["attacks"]:
        pytest.skip("needs per-worker uid isolation (run the grader as root, as in CI)")
    assert _sub(graded, attack)["score"] <= _sub(graded, BASELINE.get(attack, "_base"))["score"] + 1e-9


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_feedback_says_what_happened(graded: dict[str, Any], attack: str) -> None:
    if attack not in graded["attacks"]:
        pytest.skip("needs per-worker uid isolation (run the grader as root, as in CI)")
    text = _feedback(_sub(graded, attack))
    assert FEEDBACK[attack].lower() in text.lower()
    assert "Traceback" not in text


def test_hidden_test_source_never_reaches_feedback(graded: dict[str, Any]) -> None:
    for sub in graded["report"]["submissions"]:
        assert "1234567" not in _feedback(sub)


def test_reference_source_never_reaches_feedback(graded: dict[str, Any]) -> None:
    """The lock stage: the student's tests never see the reference, so nothing of it can come back."""
    for sub in graded["report"]["submissions"]:
        text = _feedback(sub) + "\n".join(c["name"] for c in _checks(sub))
        assert REFERENCE_MARKER not in text, sub["submission"]


def test_no_ipc_object_or_temp_file_outlives_its_sandbox(graded: dict[str, Any]) -> None:
    """SysV shared memory and world-readable /tmp files were channels between runs and submissions."""
    assert EXFIL_SHM_KEY not in graded["shm_keys"]
    assert not graded["stash_left"]


def test_a_report_crashing_submission_costs_only_itself(graded: dict[str, Any]) -> None:
    text = _feedback(_sub(graded, "surrogate_message"))
    assert "\ud800" not in text and "\x00" not in text and len(text) < 100_000
    assert (graded["out"] / "report.md").read_text(encoding="utf-8").count("## ") >= len(graded["attacks"])


def test_no_sandboxed_process_survives(graded: dict[str, Any]) -> None:
    assert graded["leftovers"] == []


def test_the_kit_and_the_submissions_on_disk_are_untouched(graded: dict[str, Any]) -> None:
    assert graded["after"] == graded["before"]


def test_the_reports_on_disk_are_the_graders(graded: dict[str, Any]) -> None:
    on_disk = json.loads((graded["out"] / "report.json").read_text(encoding="utf-8"))
    assert on_disk["submissions"] == graded["report"]["submissions"]
    assert _sub(graded, "_base")["percent"] < 100


SAME_UID_ATTACKS = ("fork_bomb", "os_exit_in_call", "exit_at_import", "memory_bomb")


@pytest.mark.skipif(os.geteuid() != 0, reason="the run above already used same-uid isolation")
def test_without_root_the_limits_still_hold() -> None:
    """The grader run by an ordinary user (a student at home): same-uid workers, limits, token kill.

    One submission at a time: in the fallback the process budget is the user's, shared by every
    sandbox (ARCHITECTURE.md), so a fork bomb graded beside an honest submission may slow it.
    """
    import subprocess
    import sys
    import tempfile

    from course_core.grading.exercise import Limits
    from course_core.grading.reaper import UidLease, pids_of_uid
    from course_core.grading.uid_isolation import Preexec as _Preexec

    base = Path(tempfile.mkdtemp(prefix="rlf-as-a-user-"))  # under the shared temp dir: reachable by that user
    try:
        subs = [_build(name, base) for name in ("_honest", "_base", *SAME_UID_ATTACKS)]
        kit = base / "kit"  # the toy exercise and its solutions, readable by the user who grades
        shutil.copytree(FIXTURES / "ex_toy", kit / "exercises" / "ex_toy")
        shutil.copytree(FIXTURES / "solutions", kit / "solutions")
        with UidLease() as lease:
            for path in [base, *base.rglob("*")]:
                os.lchown(path, lease.uid, lease.uid)
            grader_limits = Limits(timeout_s=600, cpu_s=600, memory_mb=16384, max_processes=4096, max_file_mb=1024)
            env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "HOME": str(base), "NO_COLOR": "1"}
            proc = subprocess.run(
                [sys.executable, "-m", "course.grade", "--exercises-root", str(kit / "exercises"), "--solutions", str(kit / "solutions"),
                 "--submission", *map(str, subs), "--jobs", "1", "--out", str(base / "report"), "--json"],
                cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
                preexec_fn=_Preexec(grader_limits, lease.uid, True, 0),  # it may read the interpreter under /root
            )
            leftovers = settled(lambda: pids_of_uid(lease.uid))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["isolation"]["mode"] in ("bwrap", "same-uid")
    if report["isolation"]["mode"] == "same-uid":  # staff told once, in words, what the fallback means
        assert " ".join(proc.stderr.split()).count("runs as your own user") == 1
    scores = {s["submission"]: s["score"] for s in report["submissions"]}
    honest = next(s for s in report["submissions"] if s["submission"] == "_honest")
    assert scores["_honest"] == _toy_total(), [c for c in _checks(honest) if c["status"] != "passed"]
    assert all(scores[a] <= scores["_base"] for a in SAME_UID_ATTACKS)
    assert leftovers == []


def test_a_folder_swapped_for_a_symlink_mid_staging_never_stages_its_target(tmp_path: Path) -> None:
    """The race: a submission's folders flip between real ones and symlinks to solutions/ while the grader stages it."""
    import threading

    from course_core.grading.exercise import load_exercise
    from course_core.grading.staging import stage_submission

    toy = load_exercise(FIXTURES / "ex_toy")
    secret = tmp_path / "solutions" / "ex_toy"
    (secret / "evidence").mkdir(parents=True)
    (secret / "toy.py").write_text("SECRET = 'reference'\n", encoding="utf-8")
    (secret / "evidence" / "note.json").write_text('{"secret": "reference"}\n', encoding="utf-8")
    sub = tmp_path / "sub"
    shutil.copytree(ADV / "_base", sub)
    ex = sub / "ex_toy"
    stop = threading.Event()

    def flip(name: str, target: Path) -> None:
        real, parked = ex / name if name else ex, (ex.parent / "parked") if not name else ex / f"{name}.parked"
        while not stop.is_set():
            try:
                os.rename(real, parked)
                os.symlink(target, real)
                os.unlink(real)
                os.rename(parked, real)
            except OSError:
                pass

    threads = [threading.Thread(target=flip, args=("evidence", secret / "evidence")), threading.Thread(target=flip, args=("", secret))]
    for t in threads:
        t.start()
    try:
        for i in range(150):
            staged = stage_submission(sub, toy, tmp_path / "staged" / str(i))
            for path in staged.root.rglob("*"):
                if path.is_file():
                    assert b"reference" not in path.read_bytes(), path
    finally:
        stop.set()
        for t in threads:
            t.join()
