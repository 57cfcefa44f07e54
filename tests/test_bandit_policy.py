"""course.bandit_train --policy FILE: a user's update in the kit's instrument, the same kind of run directory."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import REPO, run_cli

KIT_UPDATE = REPO / "tests" / "fixtures" / "policies" / "kit_update.py"
if not KIT_UPDATE.is_file():  # the student release leaves it out
    pytest.skip("tests/fixtures/policies/ is instructor-only (a whole c1_reinforce answer) and not in this copy", allow_module_level=True)
GUIDE = ("--steps", "30", "--seed", "0", "--lr", "0.5", "--baseline")


def _cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``python -m course.bandit_train ARGS`` in this process (exit code, stderr): the CLI's own error path."""
    from course.bandit_train import main
    from course_core.present.cli import run

    code = run(main, "course.bandit_train", list(args))
    return code, capsys.readouterr().err


def _run(outdir: Path, *args: str, policy: Path | None = KIT_UPDATE) -> dict:
    extra = ("--policy", str(policy)) if policy else ()
    proc = run_cli("course.bandit_train", *extra, *args, "--outdir", str(outdir))
    assert proc.returncode == 0, proc.stderr
    return {name: (outdir / name).read_text(encoding="utf-8") for name in ("manifest.json", "log.jsonl", "summary.json")} | {"stdout": proc.stdout}


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    from course_core.learning.bandit import BanditConfig
    from course_core.learning.bandit_run import run_bandit

    tmp = tmp_path_factory.mktemp("policy")
    kit = run_bandit(BanditConfig(steps=30, seed=0, lr=0.5, baseline=True), tmp / "kit", args={}, command=["test"], plot=False)
    files = {name: (kit.outdir / name).read_text(encoding="utf-8") for name in ("manifest.json", "log.jsonl")}
    return {"kit": files, "user": _run(tmp / "user", *GUIDE, "--slow")}


@pytest.mark.slow
def test_the_users_update_writes_the_classroom_log_byte_for_byte(pair: dict[str, dict]) -> None:
    assert pair["user"]["log.jsonl"] == pair["kit"]["log.jsonl"]
    assert "P(best arm 2): 0.333 → 0.834" in pair["user"]["stdout"]
    assert f"update: --policy {KIT_UPDATE} (sha256:" in pair["user"]["stdout"].replace("\n", "")


@pytest.mark.slow
def test_the_manifest_and_summary_name_the_module_by_path_and_sha256(pair: dict[str, dict]) -> None:
    manifest = json.loads(pair["user"]["manifest.json"])
    record = {"path": str(KIT_UPDATE), "sha256": "sha256:" + hashlib.sha256(KIT_UPDATE.read_bytes()).hexdigest()}
    assert manifest["policy_module"] == record  # where every run writer records a user's module
    assert manifest["args"]["policy"] == str(KIT_UPDATE)
    assert json.loads(pair["user"]["summary.json"])["policy_module"] == record
    kit = json.loads(pair["kit"]["manifest.json"])
    assert "policy_module" not in kit
    assert manifest["sampling_config"] == kit["sampling_config"]


def test_runs_with_the_users_update_match_the_kits_batch_and_measure_the_spread(tmp_path: Path) -> None:
    from course_core.learning.bandit import BanditConfig
    from course_core.learning.user_policy import load_policy
    from course_core.learning.bandit_run import run_bandit

    def run(name: str, baseline: bool, runs: int, user: bool) -> tuple[dict, str]:
        config = BanditConfig(steps=30, seed=0, lr=0.5, baseline=baseline, runs=runs)
        out = run_bandit(config, tmp_path / name, args={}, command=["test"], policy=load_policy(KIT_UPDATE) if user else None, plot=False)
        return out.summary, (out.outdir / "log.jsonl").read_text(encoding="utf-8")

    kit, _ = run("kit", True, 60, user=False)
    summary, log = run("user", True, 60, user=True)
    assert {k: v for k, v in summary.items() if k not in ("policy_module", "across_runs")} == kit
    assert log == run("single", True, 1, user=True)[1]  # log.jsonl is run 0
    spread = summary["across_runs"]
    assert sum(spread["runs_preferring_arm"]) == 60 and spread["runs_locked_on_worse_arm"] <= spread["runs_locked"]
    without = run("no_baseline", False, 60, user=True)[0]["across_runs"]
    assert spread["update_variance"] < without["update_variance"]  # the baseline lowers the update's variance
    assert "Across the 60 runs: update variance" in (tmp_path / "user" / "summary.md").read_text(encoding="utf-8")


def _module(tmp_path: Path, body: str) -> Path:
    text = KIT_UPDATE.read_text(encoding="utf-8") + "\n\n" + body
    path = tmp_path / "mine.py"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("def softmax(logits):\n    return [1.0]\n", "`softmax` for the starting logits returned [1.0]: expected the probabilities"),
        ("def softmax(logits):\n    return [0.5] * len(logits)\n", "probabilities must be >= 0 and sum to 1"),
        ("def train_step(state, action, reward, lr, use_baseline):\n    return {'logits': state['logits']}\n", "`train_step` at step 1 returned"),
        ("def train_step(state, action, reward, lr, use_baseline):\n    return 1 / 0\n", "`train_step` raised ZeroDivisionError at step 1"),
        ("def train_step(state, action, reward, lr, use_baseline):\n    raise NotImplementedError('stub')\n", "`train_step` is not implemented yet at step 1"),
        # sys.exit(0) in a call ended the CLI with code 0 and no run; 10**400 was an OverflowError traceback
        ("def softmax(logits):\n    import sys\n    sys.exit(0)\n", "mine.py:39: --policy: `softmax` called exit(0) for the starting logits"),
        ("def softmax(logits):\n    raise GeneratorExit('g')\n", "`softmax` raised GeneratorExit for the starting logits: g"),
        ("def train_step(state, action, reward, lr, use_baseline):\n    return {'logits': [10**400] * 3, 'baseline': 0.0, 'count': 1, 'advantage': 0.0}\n",
         "`train_step` at step 1 returned [<an integer of about 401 digits>"),
        ("def train_step(state, action, reward, lr, use_baseline):\n    return {'logits': state['logits'], 'baseline': 10**400, 'count': 1, 'advantage': 0.0}\n",
         "'baseline' must be a finite number"),
        ("def train_step(state, action, reward, lr, use_baseline):\n    return {'logits': state['logits'], 'baseline': 0.0, 'count': 1.0, 'advantage': 0.0}\n",
         "'count' must be an integer"),
        ("def softmax(logits):\n    return [float('inf')] + [0.0] * (len(logits) - 1)\n", "a list of 3 finite numbers"),
    ],
)
def test_a_wrong_module_is_a_user_error_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str) -> None:
    outdir = tmp_path / "run"
    code, err = _cli("--policy", str(_module(tmp_path, body)), *GUIDE, "--outdir", str(outdir), capsys=capsys)
    assert code == 2 and "Traceback" not in err
    assert message in err and "mine.py" in err
    assert not outdir.exists() and not list(tmp_path.glob(".run*"))


def test_the_exercise_stub_says_not_implemented_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stub = str(REPO / "exercises" / "c1_reinforce" / "reinforce.py")
    code, err = _cli("--policy", stub, *GUIDE, "--outdir", str(tmp_path / "run"), capsys=capsys)
    assert code == 2 and f"{stub}:" in err and "`softmax` is not implemented yet for the starting logits" in err
    assert not (tmp_path / "run").exists()


def test_policy_does_not_apply_to_the_testbed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _cli("--testbed", "sutton-barto", "--policy", str(KIT_UPDATE), "--outdir", str(tmp_path / "t"), capsys=capsys)
    assert code == 2 and "--policy does not apply to --testbed" in err
