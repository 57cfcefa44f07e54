"""Lock: judge the student's regression tests the way a test suite should be judged.

The student's ``tests/test_regression.py`` is student code, so it runs with pytest in a
sandbox of its own (the suite sandbox), next to the kit's conftest and nothing else. The
module under test is never in that sandbox: each wheat (a correct module) and each chaff (a
plausible wrong one) is served from another sandbox, and the suite reaches it only through
the same JSON ``student`` fixture the Build tests use — each call is relayed by this trusted
process (:func:`run_suite`). So the suite can observe behaviour only; nothing of the
reference's source is in reach. The suite sandbox's zygote forks a fresh child per run (and the
module's sandbox one per run, which imports the variant once); the runs go in a random order,
and nothing a run writes is there for the next.

Only the exit status counts: 0 = the suite passed, 1 = it failed; anything else (timeout,
crash, usage error, no tests collected) is an error and earns nothing. Points: 0 if any wheat
fails; otherwise each pool of exercise.toml (the public chaffs', the hidden chaffs') × the fraction of its
chaffs caught. The student's tests also run on the reference (when staff grade): a test that passes there
and fails on the student's module shows the module is wrong, which costs a Repair test, never the lock.
Feedback on the reference and on the
hidden chaffs is an aggregate (how many caught), and on a public chaff applied to the reference
only whether it was caught, never a test name or output of the suite: those are chosen by student
code that has seen the reference's behaviour.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_core.grading.exercise import Exercise
from course_core.grading.harness import StudentError, Worker, WorkerFailure
from course_core.grading.sandbox import MessageTooLarge, Sandbox, SandboxError, WorkerDied, WorkerTimeout, backstop, describe_end
from course_core.grading.testsets import display_folder

RUN_BUDGET = 2  # a suite run's wall clock, its relayed calls included, in units of the exercise's timeout_s
PYTEST_MEANING = {2: "pytest was interrupted", 3: "pytest hit an internal error", 4: "pytest was called wrongly", 5: "no tests were collected"}
SUITE_DIR = "suite/tests"
# only the exit status and outcomes count: pytest's reporting extras are not loaded in a suite run
UNUSED_PLUGINS = [arg for name in ("junitxml", "pastebin", "doctest", "stepwise") for arg in ("-p", f"no:{name}")]


@dataclass
class Variant:
    role: str  # "wheat" | "chaff"
    name: str
    path: Path  # the module served (for a public chaff, the module its patch is applied to)
    visibility: str  # "visible" | "hidden"
    patch: Path | None = None  # a public chaff: the patch holding its mistake (course_core.module_patch)
    student_code: bool = False  # the module is the student's own: served in the student's sandbox


@dataclass
class SuiteRun:
    status: str  # "passed" (exit 0) | "failed" (exit 1) | "error"
    detail: str
    failing: list[str] = field(default_factory=list)  # test ids the suite reported failing (student-controlled text)
    outcomes: dict[str, str] = field(default_factory=dict)  # test id → outcome, as the suite reported it


def _relay_reply(target: Worker, variant: str, session: int, message: dict[str, Any]) -> dict[str, Any]:
    """One call of the suite, made in the module's sandbox; the reply the suite gets back."""
    n = message.get("call")
    fn, args, kwargs = message.get("fn"), message.get("args"), message.get("kwargs")
    if not (isinstance(fn, str) and isinstance(args, list) and isinstance(kwargs, dict)):
        return {"call": n, "failure": "malformed call"}
    try:
        return {"call": n, "ok": target.call(fn, tuple(args), kwargs, variant=variant, session=session)}
    except StudentError as exc:
        # no "where": a line number is the layout of the variant's file, not its behaviour, and would tell them apart
        return {"call": n, "error": {"type": exc.type_name, "message": exc.message, "where": None}}
    except WorkerFailure as exc:
        return {"call": n, "failure": exc.message}
    except TypeError as exc:
        return {"call": n, "failure": str(exc)}


class SuiteSandbox:
    """The student's tests in a sandbox of their own; one forked pytest run per variant."""

    def __init__(self, exercise: Exercise, student_tests: Path, conftest: Path) -> None:
        self.exercise = exercise
        self.test_name = Path(exercise.stages["repair"].student_tests or "tests/test_regression.py").name
        self.files: dict[str, Path | bytes] = {f"{SUITE_DIR}/{self.test_name}": student_tests, f"{SUITE_DIR}/conftest.py": conftest}
        self.sandbox: Sandbox | None = None
        self.seq = 0

    def _start(self) -> Sandbox:
        sandbox = Sandbox(self.exercise.limits, label="lock run", relay=True, forbidden=tuple(self.exercise.forbidden_imports))
        sandbox.start(
            {
                "mode": "suite",
                "module": self.exercise.module,
                "pytest_args": [
                    f"../{SUITE_DIR}/{self.test_name}", "-c", "/dev/null", "--rootdir", "../suite", "--confcutdir", "../suite", "-p", "no:cacheprovider",
                    "-q", "--no-header", "--tb=no", "-o", "console_output_style=classic", "--assert=plain",
                    *UNUSED_PLUGINS,
                ],
            },
            self.files,
        )
        return sandbox

    def run(self, target: Worker, variant: str) -> SuiteRun:
        """pytest on the student's tests, their calls answered by ``variant`` of ``target``."""
        limits = self.exercise.limits
        try:
            if self.sandbox is None or not self.sandbox.alive:
                self.close()
                self.sandbox = self._start()
            sandbox = self.sandbox
            self.seq += 1
            sandbox.send({"seq": self.seq, "run": True}, timeout=10)
            # the suite's own clock stops while a call is relayed: this one, its calls included, does not
            deadline = time.monotonic() + RUN_BUDGET * limits.timeout_s
            while True:
                channel, message = sandbox.next_message(max(0.05, min(backstop(limits), deadline - time.monotonic())))
                if time.monotonic() > deadline:
                    raise WorkerTimeout("the run's budget is spent")
                if channel == "relay":
                    sandbox.send(_relay_reply(target, variant, self.seq, message), timeout=limits.timeout_s, channel="relay")
                    continue
                if message.get("seq") == self.seq:
                    break
        except WorkerTimeout:
            self.close()
            return SuiteRun("error", f"your tests did not finish within {RUN_BUDGET * limits.timeout_s:g} s, their calls included")
        except (WorkerDied, MessageTooLarge, ValueError):
            self.close()
            return SuiteRun("error", "your tests ended their sandbox")
        except SandboxError as exc:
            self.close()
            return SuiteRun("error", f"grader problem: {exc}")
        sandbox.discard_relay()
        if "suite" not in message:
            return SuiteRun("error", "your tests: " + describe_end(message.get("ended"), limits).removeprefix("your code "))
        result = message["suite"] if isinstance(message["suite"], dict) else {}
        outcomes = {}
        for t in result.get("tests", []) if isinstance(result.get("tests"), list) else []:
            if isinstance(t, dict) and isinstance(t.get("nodeid"), str):
                outcomes[t["nodeid"]] = str(t.get("outcome"))
        code = result.get("exit")
        failing = [n for n, o in outcomes.items() if o in ("failed", "error")][:10]
        if code == 0:
            return SuiteRun("passed", "", [], outcomes)
        if code == 1:
            return SuiteRun("failed", "", failing, outcomes)
        # the suite chose any other number itself (pytest.exit(returncode=...)): never shown, it could spell anything
        meaning = PYTEST_MEANING.get(code, "an exit status pytest does not use") if isinstance(code, int) else "no exit status"
        return SuiteRun("error", f"your test run ended with an error: {meaning}", [], outcomes)

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None


def _servers(exercise: Exercise, found: list[Variant]) -> dict[str, tuple[Worker, str]]:
    """Variant key → (the sandbox serving it, its name there). The student's module never shares one with the kit's."""
    def config(vs: dict[str, Variant], **extra: Any) -> dict[str, Any]:
        return {"module": exercise.module, "limits": exercise.limits.as_dict(), "preload": exercise.preload, **extra,
                "variants": {k: v.path for k, v in vs.items()}, "patches": {k: v.patch for k, v in vs.items() if v.patch}}

    keyed = {f"v{i}": v for i, v in enumerate(found)}
    kit_worker = Worker(config({k: v for k, v in keyed.items() if not v.student_code}))
    own_worker = Worker(config({k: v for k, v in keyed.items() if v.student_code}, forbidden=list(exercise.forbidden_imports)))
    return {k: (own_worker if v.student_code else kit_worker, k) for k, v in keyed.items()}


def run_all(exercise: Exercise, student_tests: Path, conftest: Path, found: list[Variant]) -> dict[int, SuiteRun]:
    """Every variant's run, in a random order (a suite cannot tell which run faces which variant)."""
    servers = _servers(exercise, found)
    suite = SuiteSandbox(exercise, student_tests, conftest)
    order = list(range(len(found)))
    secrets.SystemRandom().shuffle(order)
    runs: dict[int, SuiteRun] = {}
    try:
        for i in order:
            worker, name = servers[f"v{i}"]
            unapplied = _patch_failure(found[i], worker, name)
            runs[i] = unapplied if unapplied is not None else suite.run(worker, name)
    finally:
        suite.close()
        for worker in {id(w): w for w, _ in servers.values()}.values():
            worker.stop()
    return runs


def _patch_failure(variant: Variant, worker: Worker, name: str) -> SuiteRun | None:
    """A public chaff whose patch does not apply is an error, never a catch (every test would fail on it)."""
    if variant.patch is None:
        return None
    try:
        worker.call("", (), {}, variant=name, describe=True)
    except WorkerFailure as exc:
        on = f"your {variant.path.name}" if variant.student_code else f"the reference {variant.path.name} (a grader problem: tell your instructor)"
        return SuiteRun("error", f"chaffs/{variant.patch.name} could not be applied to {on}: {exc.reason}")
    return None


def variants(exercise: Exercise, staged_module: Path | None, solutions_dir: Path | None) -> list[Variant]:
    """Wheats (the reference solution; the student's own module when given) then chaffs (public, hidden).

    A public chaff is a patch (:mod:`course_core.module_patch`): applied to the reference when
    staff grade, to the student's own module at home (as ``pytest --chaff`` does).
    """
    from course_core import module_patch

    found: list[Variant] = []
    reference = solutions_dir / exercise.module_file if solutions_dir is not None else None
    if reference is not None and reference.is_file():
        found.append(Variant("wheat", "reference", reference, "hidden"))
    else:
        reference = None
    if staged_module is not None:
        found.append(Variant("wheat", "your_module", staged_module, "visible", student_code=True))
    for folder, visibility in ((exercise.folder / "chaffs", "visible"), (solutions_dir / "chaffs" if solutions_dir else None, "hidden")):
        if folder is not None and folder.is_dir():
            for path in sorted(folder.glob("*.py")):
                try:
                    plain = module_patch.patched_file(path.read_bytes(), str(path)) is None
                except module_patch.PatchError:
                    plain = False  # it says it is a patch: applied, and an error if it cannot be
                if plain:
                    found.append(Variant("chaff", path.stem, path, visibility))
                elif reference is not None:
                    found.append(Variant("chaff", path.stem, reference, visibility, patch=path))
                elif staged_module is not None:
                    found.append(Variant("chaff", path.stem, staged_module, visibility, patch=path, student_code=True))
                else:  # no module to apply it to: no wheat either, so the lock is not run
                    found.append(Variant("chaff", path.stem, path, visibility, patch=path))
    return found


def _names(failing: list[str]) -> str:
    names = [f"`{n.split('::')[-1][:80]}`" for n in failing]
    return ", ".join(dict.fromkeys(names)) if names else "some of your tests"


def chaff_command(exercise: Exercise, name: str) -> str:
    """Your tests against the public chaff ``chaffs/<name>.py``; exits 1 while no test fails on it."""
    test_rel = exercise.stages["repair"].student_tests or "tests/test_regression.py"
    return f"python -m pytest {display_folder(exercise)}/{test_rel} -q --chaff {name}"


def judge(exercise: Exercise, student_tests: Path | None, conftest: Path, found: list[Variant], refused_note: str = "") -> list[dict]:
    """The lock's raw checks: one per wheat (no weight, but a failing reference voids the chaffs), one per
    public chaff (pool ``lock``), and one for all hidden chaffs together (pool ``lock_hidden``; partial credit).

    The student's own module is a wheat only while the reference does not contradict it: when the
    student's tests pass on the reference and fail on the student's module, the module is wrong, and
    the check saying so is in pool ``module`` (the engine counts it with the Repair tests, not the lock).
    """
    ex = exercise.id
    test_rel = exercise.stages["repair"].student_tests or "tests/test_regression.py"
    own_command = f"python -m pytest {display_folder(exercise)}/{test_rel} -q"
    wheats = [v for v in found if v.role == "wheat"]
    public = [v for v in found if v.role == "chaff" and v.visibility == "visible"]
    hidden = [v for v in found if v.role == "chaff" and v.visibility == "hidden"]

    def check(key: str, name: str, raw: float, status: str, fraction: float, feedback: str, visibility: str,
              command: str | None = None, pool: str = "lock") -> dict:
        return {
            "id": f"{ex}.repair.lock.{key}", "name": name, "raw": raw, "fraction": fraction, "status": status,
            "visibility": visibility, "feedback": feedback, "command": command, "pool": pool,
        }

    def chaff_checks(status: str, feedback: str, command: str | None) -> list[dict]:
        out = [check(f"chaff.{v.name}", f"your tests catch chaff '{v.name}'", 1.0, status, 0.0, feedback, "visible", command) for v in public]
        if hidden:
            out.append(check("hidden_chaffs", f"your tests catch the {len(hidden)} hidden wrong versions", 1.0, status, 0.0, feedback, "hidden", pool="lock_hidden"))
        return out

    if student_tests is None:
        return chaff_checks("failed", refused_note or f"{test_rel} is not in your submission", own_command)
    if not wheats:
        return chaff_checks("not_run", (
            "not run: make the visible tests pass first. Without the reference solution here, your own "
            f"{exercise.module_file} is the correct version your regression tests are checked against"
        ), f"python -m pytest {display_folder(exercise)}/tests -q")
    runs = run_all(exercise, student_tests, conftest, found)
    by = {id(v): runs[i] for i, v in enumerate(found)}
    reference = next((by[id(v)] for v in wheats if v.name == "reference"), None)
    checks: list[dict] = []
    wheat_ok = True
    for v in wheats:
        run = by[id(v)]
        is_reference = v.name == "reference"
        name = "your tests pass on the reference solution" if is_reference else "your tests pass on your own module"
        key = f"wheat.{v.name}"
        command = None if is_reference else own_command  # the reference is the instructors': graded by staff
        if run.status == "passed":
            checks.append(check(key, name, 0.0, "passed", 1.0, "", v.visibility, command))
            continue
        if run.status == "error":
            wheat_ok = False
            checks.append(check(key, name, 0.0, "error", 0.0, run.detail, v.visibility, command))
        elif is_reference:
            wheat_ok = False
            count = len(run.failing) or "some"
            checks.append(check(key, name, 0.0, "failed", 0.0, (
                f"your tests fail on a correct solution (the reference): {count} of your tests fail there. A regression "
                "test must pass on every correct implementation: test what the contract promises, not details of one version."
            ), v.visibility, command))
        elif reference is not None and reference.status == "passed":
            # the reference passes every test the student's module fails: the module is wrong, not the tests
            checks.append(check("module_fails_own_tests", f"your {exercise.module_file} passes your own regression tests", 0.0, "failed", 0.0, (
                f"your {exercise.module_file} fails your test {_names(run.failing)}, which the reference passes: "
                "your module, not your test, needs the fix."
            ), "visible", command, pool="module"))
        elif reference is not None:
            wheat_ok = False
            checks.append(check(key, name, 0.0, "failed", 0.0, (
                f"your tests fail on your own {exercise.module_file} ({_names(run.failing)}) and on the reference too: "
                "fix the tests (see the check on the reference)."
            ), v.visibility, command))
        else:
            wheat_ok = False
            checks.append(check(key, name, 0.0, "failed", 0.0, (
                f"your tests fail on your own {exercise.module_file}, which passes the visible tests: {_names(run.failing)}. "
                "Either the module has a bug the visible tests miss (fix the module), or the test asks for more than the "
                "contract promises (fix the test); staff grading runs your tests on the reference, which tells the two apart."
            ), v.visibility, command))
    for v in public:
        run = by[id(v)]
        key, name, command = f"chaff.{v.name}", f"your tests catch chaff '{v.name}'", chaff_command(exercise, v.name)
        if run.status == "error":
            checks.append(check(key, name, 1.0, "error", 0.0, run.detail, "visible", command))
        elif run.status == "passed":
            checks.append(check(key, name, 1.0, "failed", 0.0, (
                f"your tests pass on this wrong version (study {display_folder(exercise)}/chaffs/{v.name}.py): add a test that fails on it"
            ), "visible", command))
        elif not wheat_ok:
            why = None if reference is not None and reference.status != "passed" else own_command  # the reference's run: graded by staff
            checks.append(check(key, name, 1.0, "failed", 0.0, "caught, but not counted: your tests also fail on a correct solution (see above)", "visible", why))
        else:
            # on the reference, which tests fail is chosen by code that has seen its behaviour: a bit, never names
            said = f"caught by {_names(run.failing)}" if v.student_code else "caught"
            checks.append(check(key, name, 1.0, "passed", 1.0, said, "visible", command))
    if hidden:
        caught = sum(1 for v in hidden if by[id(v)].status == "failed")
        errors = sum(1 for v in hidden if by[id(v)].status == "error")
        name = f"your tests catch the {len(hidden)} hidden wrong versions"
        fraction = caught / len(hidden) if wheat_ok else 0.0
        status = "passed" if wheat_ok and caught == len(hidden) else "failed"
        feedback = "" if status == "passed" else f"your tests catch {caught} of {len(hidden)} hidden wrong versions"
        if errors:
            feedback += f"; on {errors} of them your test run ended with an error"
        if not wheat_ok and caught:
            feedback += " (not counted: your tests also fail on a correct solution)"
        checks.append(check("hidden_chaffs", name, 1.0, status, fraction, feedback, "hidden", pool="lock_hidden"))
    return checks
