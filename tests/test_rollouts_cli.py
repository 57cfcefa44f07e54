"""course.rollout_sample as a user runs it: the API key never reaches the disk; sampled rollouts go through eval and the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli, write_jsonl
from course import rollout_sample
from course_core.present.cli import run
from course_core.measurement.evaluate import run_eval
from course_core.measurement.gate import compare, exit_code
from course_core.rollouts.client import JsonClient
from course_core.rollouts.openai_compat import OpenAICompatibleSource
from course_core.rollouts.sampler import sample_rollouts
from course_core.rollouts.sources import SamplingParams
from course_core.rollouts.staging import staging_dir
from course_core.artifacts.schemas import first_error
from fake_openai import FakeServer, half_right, rollout_file, solver

SECRET = "sk-test-0123456789abcdef-SECRET"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "ds.jsonl", [
        {"id": f"t{i}", "prompt": f"What is {i}+{i}?\nOutput exactly one line: Final: <int>", "expected_answer": 2 * i}
        for i in range(6)
    ])


def sample(capsys, dataset: Path, outdir: Path, url: str, *extra: str) -> tuple[int, str, str]:
    """The CLI in this process (as fast as a library call), through the same error boundary as ``python -m``."""
    argv = ["--dataset", str(dataset), "--outdir", str(outdir), "--base-url", url, *extra]
    code = run(rollout_sample.main, "course.rollout_sample", argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_api_key_is_sent_but_never_written(dataset, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RLF_TEST_KEY", SECRET)
    monkeypatch.setenv("NO_COLOR", "1")
    out = tmp_path / "out"
    key = ("--model", "m", "--api-key-env", "RLF_TEST_KEY")
    with FakeServer({"m": solver}, fail_after=2) as server:
        code, _, err = sample(capsys, dataset, out, server.url, *key, "--max-retries", "0", "--concurrency", "1")
    assert code == 2 and "run the same command again to resume" in err
    assert (staging_dir(out) / "samples.jsonl").is_file()  # the interrupted run's samples are on disk: checked below
    with FakeServer({"m": solver}, port=server.port) as server:
        code, stdout, err = sample(capsys, dataset, out, server.url, *key)
        assert code == 0, err
        assert {r["headers"]["authorization"] for r in server.requests} == {f"Bearer {SECRET}"}
    assert "resumed: 2 samples" in stdout
    run_eval(dataset, out / "completions.jsonl", tmp_path / "eval")
    with FakeServer({"m": solver}, echo_key_in_errors=True) as server:  # a server that echoes the key back in an error
        code, stdout, err = sample(capsys, dataset, tmp_path / "refused", server.url, *key)
    assert code == 2 and "HTTP 401" in err and "Bearer ***" in err and SECRET not in stdout + err
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 9  # dataset, rollouts dir (3), eval run (4), the refused run's staging
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), f"the API key leaked into {path}"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "rollouts" and manifest["args"]["api_key_env"] == "RLF_TEST_KEY"
    assert first_error(manifest, "manifest") is None


def test_missing_key_variable_and_bad_url_are_user_errors(dataset, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RLF_UNSET_VARIABLE", raising=False)
    code, _, err = sample(capsys, dataset, tmp_path / "o", "http://127.0.0.1:9/v1", "--model", "m", "--api-key-env", "RLF_UNSET_VARIABLE")
    assert code == 2 and "RLF_UNSET_VARIABLE is not set" in err
    code, _, err = sample(capsys, dataset, tmp_path / "o", f"http://me:{SECRET}@localhost/v1", "--model", "m")
    assert code == 2 and "must not carry credentials" in err and SECRET not in err
    assert not (tmp_path / "o").exists() and not staging_dir(tmp_path / "o").exists()
    proc = run_cli("course.rollout_sample", "--dataset", str(dataset), "--outdir", str(tmp_path / "o"),
                   "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--n", "2", "--format", "completions")
    assert proc.returncode == 2 and "one completion per example" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("flags", "message"), [
    (["--temperature", "inf"], "--temperature must be a number between 0 and 100, got inf"),
    (["--temperature", "1e400"], "--temperature must be a number between 0 and 100, got inf"),
    (["--temperature", "101"], "--temperature must be a number between 0 and 100, got 101"),
    (["--timeout", "nan"], "--timeout must be a number of seconds > 0 and at most 86400, got nan"),
    (["--timeout", "inf"], "--timeout must be a number of seconds > 0 and at most 86400, got inf"),
    (["--base-url", "http://[::1/v1"], "field '--base-url': --base-url is not a valid URL (Invalid IPv6 URL): 'http://[::1/v1'"),
])
def test_numbers_and_urls_no_request_can_carry_are_refused_before_anything_is_staged(dataset, tmp_path, capsys, flags, message):
    out = tmp_path / "o"
    code, _, err = sample(capsys, dataset, out, "http://127.0.0.1:9/v1", "--model", "m", "--max-retries", "0", *flags)
    assert code == 2 and message in err and "Traceback" not in err
    assert not out.exists() and not staging_dir(out).exists()


def _sampled_eval(dataset: Path, tmp_path: Path, server: FakeServer, model: str, name: str, **params: float) -> Path:
    client = JsonClient(server.url, timeout=5)
    rolled = sample_rollouts(dataset, tmp_path / f"roll_{name}", OpenAICompatibleSource(client, model), params=SamplingParams(**params))
    return run_eval(dataset, rollout_file(rolled), tmp_path / f"eval_{name}").outdir


def test_two_models_same_sampling_the_gate_names_the_policy_and_applies_the_delta_rule(dataset, tmp_path):
    with FakeServer({"small": half_right, "large": solver}) as server:
        base = _sampled_eval(dataset, tmp_path, server, "small", "small")
        cand = _sampled_eval(dataset, tmp_path, server, "large", "large")
    manifest = json.loads((base / "manifest.json").read_text())
    assert manifest["policy"]["model"] == "small" and "model" not in manifest["sampling_config"]
    assert manifest["sampling_config"]["temperature"] == 0.8 and manifest["sampling_config"]["seed"] == 0
    report = compare(base, cand, 0.25)
    assert report["locked_room"]["ok"] and report["decision"] == "ACCEPT"
    assert report["delta"] == pytest.approx(0.5)  # small is right on 3 of 6 (even operands), large on 6
    assert report["paired"]["discordant_candidate_only"] == 3 and report["paired"]["discordant_baseline_only"] == 0
    changed = {d["key"]: (d["baseline"], d["candidate"]) for d in report["policy"]["differences"]}
    assert changed == {"model": ("small", "large"), "served_model": ("small-served", "large-served")}
    assert report["reasons"][0].startswith("policy changed (the variable under test): model 'small' → 'large'")
    assert first_error(report, "gate_report") is None
    assert compare(base, cand, 0.75)["decision"] == "REJECT"  # the delta rule, not the policy, decides
    proc = run_cli("course.gate", "--baseline", str(base), "--candidate", str(cand), "--min-delta", "0.25")
    assert proc.returncode == 0 and "ACCEPT" in proc.stdout and "small (served as small-served) → large" in proc.stdout


def test_a_sampling_difference_is_still_a_locked_room_violation(dataset, tmp_path):
    with FakeServer({"small": half_right, "large": solver}) as server:
        base = _sampled_eval(dataset, tmp_path, server, "small", "small")
        hotter = _sampled_eval(dataset, tmp_path, server, "large", "hot", temperature=1.0)
    report = compare(base, hotter, -1.0)
    assert report["decision"] == "REJECT" and not report["locked_room"]["ok"]
    [violation] = report["locked_room"]["violations"]
    assert violation["field"] == "sampling_config"
    assert violation["baseline"]["temperature"] == 0.8 and violation["candidate"]["temperature"] == 1.0
    assert report["paired"] is None and "cannot be told apart" in report["reasons"][1]
    assert exit_code(report) == 1


def test_frozen_sidecars_keep_working_and_older_manifests_compare_by_their_split(tmp_path):
    from course_core.paths import KIT_ROOT

    data = KIT_ROOT / "data"
    first = run_eval(data / "datasets/math_dev.jsonl", data / "rollouts/frozen_rollouts_dev.jsonl", tmp_path / "a").outdir
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["policy"] == {"id": "sim-policy-v1", "synthetic": True, "generated_by": "python data/generate.py"}
    assert manifest["sampling_config"] == {"max_tokens": 128, "n": 1, "seed": 3077, "temperature": 0.8, "top_p": 0.95}
    # a run written before the policy had its own field: the sidecar, policy included, was the sampling_config
    second = run_eval(data / "datasets/math_dev.jsonl", data / "rollouts/frozen_rollouts_dev.jsonl", tmp_path / "b").outdir
    old = json.loads((second / "manifest.json").read_text())
    old["sampling_config"] = json.loads((data / "rollouts/frozen_rollouts_dev.sampling.json").read_text())
    del old["policy"]
    (second / "manifest.json").write_text(json.dumps(old))
    report = compare(first, second, 0.0)
    assert report["locked_room"]["ok"] and report["decision"] == "ACCEPT" and not report["policy"]["changed"]
    assert report["reasons"][0] == "policy unchanged: sim-policy-v1"
