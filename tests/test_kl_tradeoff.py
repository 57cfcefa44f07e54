"""The KL-regularised optimum: limits in β, optimality of the closed form, and the CLI's run directory."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_core.artifacts.rundir import load_run
from course_core.errors import UserError
from course_core.learning import kl_tradeoff as klt
from course_core.learning.kl_tradeoff_run import run_kl_tradeoff
from course_core.present.plots import KL_TRADEOFF
from tests.conftest import run_cli

REF = np.array([c.ref_prob for c in klt.CANDIDATES])
REW = np.array([c.reward for c in klt.CANDIDATES])


def pi_star(beta: float, ref: np.ndarray = REF, rew: np.ndarray = REW) -> np.ndarray:
    return np.exp(klt.optimal_log_policy(ref, rew, beta))


def test_reference_policy_is_a_distribution() -> None:
    assert abs(REF.sum() - 1.0) < 1e-12 and np.all(REF > 0)


def test_large_beta_recovers_the_reference_policy() -> None:
    p = pi_star(1e6)
    assert np.allclose(p, REF, atol=1e-5)
    assert klt.kl(np.log(p), np.log(REF)) < 1e-10


def test_small_beta_concentrates_on_the_argmax_reward() -> None:
    log_p = klt.optimal_log_policy(REF, REW, 1e-3)
    best = int(np.argmax(REW))
    assert int(np.argmax(log_p)) == best
    assert np.exp(log_p[best]) > 1 - 1e-12
    assert klt.kl(log_p, np.log(REF)) == pytest.approx(-np.log(REF[best]), rel=1e-9)  # KL → log 1/π_ref(best)


def test_kl_shrinks_and_reward_falls_as_beta_grows() -> None:
    points = klt.sweep([0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 50.0])
    kls = [p["kl"] for p in points]
    rewards = [p["expected_reward"] for p in points]
    assert all(a >= b for a, b in zip(kls, kls[1:]))
    assert all(a >= b for a, b in zip(rewards, rewards[1:]))


def test_extreme_beta_stays_finite() -> None:
    for beta in (1e-250, 1e-12, 1e12):
        p = pi_star(beta)
        assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)


def test_optimal_value_is_beta_log_partition() -> None:
    for beta in (0.05, 0.3, 2.0):
        z = np.log(REF) + REW / beta
        assert klt.objective(pi_star(beta), REF, REW, beta) == pytest.approx(beta * klt.logsumexp(z), rel=1e-10)


def test_closed_form_beats_brute_force_search() -> None:
    """A coarse grid over the 3-simplex never beats π* on E[r] − β·KL."""
    ref, rew, beta = np.array([0.5, 0.3, 0.2]), np.array([0.0, 1.0, 0.4]), 0.3
    best = klt.objective(pi_star(beta, ref, rew), ref, rew, beta)
    grid = np.linspace(0.001, 0.998, 200)
    found = max(
        klt.objective(np.array([a, b, 1 - a - b]), ref, rew, beta)
        for a in grid for b in grid if a + b < 0.999
    )
    assert found <= best + 1e-12
    assert found == pytest.approx(best, abs=1e-3)  # and the grid gets close to it


@settings(max_examples=60, deadline=None)
@given(
    beta=st.floats(min_value=0.01, max_value=20),
    direction=st.lists(st.floats(min_value=-1, max_value=1), min_size=6, max_size=6),
    step=st.floats(min_value=1e-4, max_value=0.5),
)
def test_any_perturbation_of_pi_star_lowers_the_objective(beta: float, direction: list[float], step: float) -> None:
    """Moving π* in logit space (staying a distribution) never increases E[r] − β·KL."""
    log_p = klt.optimal_log_policy(REF, REW, beta)
    moved = log_p + step * np.array(direction)
    moved -= klt.logsumexp(moved)
    assert klt.objective(np.exp(moved), REF, REW, beta) <= klt.objective(np.exp(log_p), REF, REW, beta) + 1e-12


@pytest.mark.parametrize("text", ["", "0", "-1", "abc", "nan", "inf", "0.1,,x"])
def test_bad_betas_are_user_errors(text: str) -> None:
    with pytest.raises(UserError):
        klt.parse_betas(text)


def test_parse_betas_sorts_and_dedupes() -> None:
    assert klt.parse_betas("1, 0.05,0.1,1") == [0.05, 0.1, 1.0]


def test_bad_reference_policy_is_rejected() -> None:
    with pytest.raises(UserError):
        klt.optimal_log_policy(np.array([0.5, 0.6]), np.array([0.0, 1.0]), 1.0)
    with pytest.raises(UserError):
        klt.optimal_log_policy(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 1.0)


def test_run_without_plot(tmp_path: Path) -> None:
    out = run_kl_tradeoff([0.05, 0.5, 5.0], tmp_path / "run", plot=False)
    run = load_run(out.outdir)
    assert run.kind == "kl_tradeoff"
    assert [p["beta"] for p in run.summary["sweep"]] == [0.05, 0.5, 5.0]
    assert sorted(p.name for p in out.outdir.iterdir()) == ["manifest.json", "results.csv", "summary.json", "summary.md"]
    rows = list(csv.DictReader((out.outdir / "results.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 3
    probs = [float(v) for k, v in rows[0].items() if k.startswith("p_")]
    assert sum(probs) == pytest.approx(1.0)


def test_plot_skipped_cleanly_without_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    out = run_kl_tradeoff([0.1, 1.0], tmp_path / "run")
    assert KL_TRADEOFF not in out.artifacts and not (out.outdir / KL_TRADEOFF).exists()
    assert load_run(out.outdir).kind == "kl_tradeoff"


def test_plot_written_when_matplotlib_is_installed(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = run_kl_tradeoff([0.1, 1.0], tmp_path / "run")
    assert (out.outdir / KL_TRADEOFF).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert KL_TRADEOFF in load_run(out.outdir).manifest["artifacts"]


def test_cli_writes_a_stable_run(tmp_path: Path) -> None:
    outputs = []
    for name, hashseed in (("a", "1"), ("b", "99")):
        res = run_cli("course.kl_tradeoff_demo", "--betas", "0.05,0.1,1", "--no-plot", "--outdir", str(tmp_path / name),
                      env={"PYTHONHASHSEED": hashseed})
        assert res.returncode == 0, res.stderr
        assert "hack" in res.stdout and str(tmp_path / name) in res.stdout
        outputs.append((tmp_path / name / "results.csv").read_bytes())
    assert outputs[0] == outputs[1]
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert summary["sweep"][0]["mode"] == "reward_hack"  # β = 0.05: the hack wins
    assert summary["sweep"][-1]["mode"] == "verbose_correct"  # β = 1: close to π_ref's mode


@pytest.mark.parametrize("betas", ["0", "-0.1", "x", "", "1e-400,1"])
def test_cli_bad_betas_exit_2(tmp_path: Path, betas: str) -> None:
    res = run_cli("course.kl_tradeoff_demo", "--betas", betas, "--outdir", str(tmp_path / "bad"))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and "--betas" in res.stderr
    assert not (tmp_path / "bad").exists()


# --- --choice-betas and --policy FILE -----------------------------------------------------------

from course_core.learning import kl_choice  # noqa: E402

USER_KL = '''
import numpy as np
from course_core.learning import kl_choice, kl_tradeoff

def kl_divergence(p, q):
    p, q = np.asarray(p, float), np.asarray(q, float)
    return kl_tradeoff.kl(np.log(p[p > 0]), np.log(q[p > 0]))

def choose(candidates, beta):
    return kl_choice.choose(candidates, beta)

def optimal_policy(ref, rewards, beta):
    w = np.exp(kl_tradeoff.optimal_log_policy(np.asarray(ref, float), np.asarray(rewards, float), beta))
    return [float(x) for x in w]
'''  # the kit's own functions behind the list-and-dict ones c3 asks for: a test module gives away no answer


def test_choice_follows_r_minus_beta_kl_and_beta_at_most_zero_takes_the_hack() -> None:
    rows = kl_choice.candidate_rows(klt.CANDIDATES)
    assert [r["kl"] for r in rows] == pytest.approx([-np.log(c.ref_prob) for c in klt.CANDIDATES])
    chosen = {b: c["chosen"] for b in (-0.5, 0.0, 0.05, 0.1, 0.5) for c in kl_choice.choices([b], klt.CANDIDATES)}
    assert chosen == {-0.5: "reward_hack", 0.0: "reward_hack", 0.05: "reward_hack", 0.1: "formatted_correct", 0.5: "verbose_correct"}
    assert kl_choice.choose([{"reward": 1.0, "kl": 1.0}, {"reward": 1.0, "kl": 1.0}], 0.3) == 0


@pytest.mark.parametrize(("text", "expected"), [("0", [0.0]), ("-0.5, 0.1,-0", [-0.5, 0.0, 0.1]), ("2,1,2", [1.0, 2.0])])
def test_parse_choice_betas_takes_any_finite_number(text: str, expected: list[float]) -> None:
    assert kl_choice.parse_choice_betas(text) == expected


@pytest.mark.parametrize("text", ["", "x", "inf", "nan", "0,,y"])
def test_bad_choice_betas_are_user_errors(text: str) -> None:
    with pytest.raises(UserError):
        kl_choice.parse_choice_betas(text)


def test_without_the_new_flags_the_run_is_unchanged(tmp_path: Path) -> None:
    plain = run_kl_tradeoff([0.05, 0.5], tmp_path / "plain", plot=False)
    run = load_run(plain.outdir)
    assert "choices" not in run.summary and "choice_betas" not in run.manifest["sampling_config"]
    assert "policy_module" not in run.manifest and set(run.manifest["args"]) == {"betas", "outdir"}
    with_choice = run_kl_tradeoff([0.05, 0.5], tmp_path / "choice", plot=False, choice_betas=[0.0])
    assert (with_choice.outdir / "results.csv").read_bytes() == (plain.outdir / "results.csv").read_bytes()
    assert load_run(with_choice.outdir).summary["choices"][0]["chosen"] == "reward_hack"


def test_cli_policy_computes_with_the_users_module_and_records_it(tmp_path: Path) -> None:
    import hashlib

    module = tmp_path / "kl.py"
    module.write_text(USER_KL, encoding="utf-8")
    res = run_cli("course.kl_tradeoff_demo", "--policy", str(module), "--no-plot", "--choice-betas=-0.5,0,0.1",
                  "--outdir", str(tmp_path / "mine"))
    assert res.returncode == 0, res.stderr
    assert "custom:kl.optimal_policy/kl_divergence/choose" in res.stdout and "| -0.5 | reward_hack |" in res.stdout
    run = load_run(tmp_path / "mine")
    assert run.manifest["policy_module"]["sha256"] == "sha256:" + hashlib.sha256(module.read_bytes()).hexdigest()
    assert run.manifest["sampling_config"]["choice_betas"] == [-0.5, 0.0, 0.1]
    kit = klt.sweep(klt.parse_betas("0.01,0.02,0.05,0.1,0.2,0.5,1,2,5,10"))
    for mine, ref in zip(run.summary["sweep"], kit):
        assert mine["kl"] == pytest.approx(ref["kl"], abs=1e-9) and mine["mode"] == ref["mode"]
    assert [c["chosen"] for c in run.summary["choices"]] == ["reward_hack", "reward_hack", "formatted_correct"]


KL_LINE = "return kl_tradeoff.kl(np.log(p[p > 0]), np.log(q[p > 0]))"


@pytest.mark.parametrize(("replace", "message"), [
    (("return kl_choice.choose(candidates, beta)", "return 99"), "must return an index"),
    (("return [float(x) for x in w]", "return [2 * float(x) for x in w]"), "sum to"),
    ((KL_LINE, "raise NotImplementedError('c3.build: kl')"), "not implemented yet"),
    # 10**400 was an OverflowError traceback; sys.exit(0) in a call ended the demo with code 0 and no run
    ((KL_LINE, "return 10**400"),
     "`kl_divergence` returned <an integer of about 401 digits> for two distributions"),
    ((KL_LINE, "return float('nan')"), "`kl_divergence` returned nan"),
    (("return [float(x) for x in w]", "return [10**400 for x in w]"), "`optimal_policy` must return a list of 6 probabilities"),
    (("return kl_choice.choose(candidates, beta)", "return 10**400"), "`choose` must return an index 0–5, got <an integer"),
    (("return kl_choice.choose(candidates, beta)", "return True"), "`choose` must return an index 0–5, got True"),
    (("return kl_choice.choose(candidates, beta)", "import sys; sys.exit(0)"), "kl.py:10: --policy: `choose` called exit(0)"),
])
def test_cli_policy_errors_exit_2_and_write_nothing(tmp_path: Path, replace: tuple[str, str], message: str) -> None:
    module = tmp_path / "kl.py"
    module.write_text(USER_KL.replace(*replace), encoding="utf-8")
    res = run_cli("course.kl_tradeoff_demo", "--policy", str(module), "--no-plot", "--choice-betas", "0", "--outdir", str(tmp_path / "bad"))
    assert res.returncode == 2, res.stdout + res.stderr
    assert message in res.stderr and str(module) in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("betas", ["-1e308", "0,1e300", "1000001"])
def test_cli_choice_betas_beyond_a_million_exit_2_and_write_nothing(tmp_path: Path, betas: str, capsys) -> None:
    from course.kl_tradeoff_demo import main
    from course_core.present.cli import run

    code = run(main, "course.kl_tradeoff_demo", [f"--choice-betas={betas}", "--no-plot", "--outdir", str(tmp_path / "bad")])
    err = capsys.readouterr().err
    assert code == 2 and "--choice-betas: every β must be between -1e+06 and 1e+06" in err
    assert list(tmp_path.iterdir()) == []
