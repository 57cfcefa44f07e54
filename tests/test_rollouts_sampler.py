"""Sampling from an OpenAI-compatible server: one test per quirk of real servers, against a loopback fake."""

from __future__ import annotations

import json
import random
import signal
import threading
from pathlib import Path

import pytest

from conftest import write_jsonl
from course_core.errors import UserError
from course_core.rollouts.client import JsonClient, RetryPolicy, parse_base_url, retry_after_seconds
from course_core.rollouts.openai_compat import OpenAICompatibleSource
from course_core.rollouts.sampler import Interrupted, sample_rollouts
from course_core.rollouts.sources import Sample, SamplingParams
from course_core.rollouts.staging import staging_dir
from course_core.artifacts.schemas import first_error
from course_core.selection.best_of_n import run_selection
from fake_openai import FakeServer, rollout_file, solver, varied

FAST = RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.02)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "ds.jsonl", [
        {"id": f"t{i}", "prompt": f"What is {i}+{i}?\nOutput exactly one line: Final: <int>", "expected_answer": 2 * i}
        for i in range(5)
    ])


def source(server: FakeServer, model: str = "solver", sleeps: list[float] | None = None, retry: RetryPolicy = FAST,
           key: str | None = None) -> OpenAICompatibleSource:
    sleep = sleeps.append if sleeps is not None else (lambda _s: None)
    return OpenAICompatibleSource(JsonClient(server.url, key, timeout=5, retry=retry, sleep=sleep, rng=random.Random(0)), model)


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_logprobs_present_chat_and_completions(dataset, tmp_path):
    with FakeServer() as server:
        chat = sample_rollouts(dataset, tmp_path / "chat", source(server))
        plain = sample_rollouts(dataset, tmp_path / "plain", source(server), params=SamplingParams(api="completions"))
    got = rows(rollout_file(chat))
    assert [r["id"] for r in got] == [f"t{i}" for i in range(5)]  # dataset order
    assert got[1] == {"id": "t1", "completion": "Final: 2", "sum_logprob": -0.5}  # 2 tokens of 4 chars × -0.25
    assert [r["sum_logprob"] for r in rows(rollout_file(plain))] == [r["sum_logprob"] for r in got]  # token_logprobs shape
    first = next(p for p in server.payloads() if "messages" in p and "0+0" in p["messages"][-1]["content"])
    assert first["logprobs"] is True and first["seed"] == 0 and "n" not in first and first["model"] == "solver"
    assert first["messages"] == [{"role": "user", "content": "What is 0+0?\nOutput exactly one line: Final: <int>"}]
    assert all(p["logprobs"] == 1 and p["prompt"].startswith("What is") for p in server.payloads() if "messages" not in p)
    side = chat.summary
    assert side["policy"] == {"source": "openai_compatible", "model": "solver", "served_model": "solver-served",
                              "system_fingerprint": "fp_fake", "base_url": server.url, "weights_fingerprint": None}
    assert side["stats"]["samples_without_logprobs"] == 0 and first_error(side, "rollout_sidecar") is None
    assert json.loads((chat.outdir / chat.artifacts[1]).read_text()) == side
    assert not staging_dir(tmp_path / "chat").exists()  # removed once the output is in place


def test_logprobs_absent(dataset, tmp_path):
    with FakeServer(logprobs=False) as server:
        out = sample_rollouts(dataset, tmp_path / "out", source(server))
        assert all("sum_logprob" not in r for r in rows(rollout_file(out)))
        assert out.summary["stats"]["samples_without_logprobs"] == 5
        with pytest.raises(UserError, match="no per-token logprobs.*selection pack needs sum_logprob"):
            sample_rollouts(dataset, tmp_path / "pack", source(server), n=2, fmt="selection")
    assert not (tmp_path / "pack").exists()


def test_n_honoured_one_request_per_item(dataset, tmp_path):
    with FakeServer({"solver": varied}) as server:
        out = sample_rollouts(dataset, tmp_path / "pack", source(server), n=4, fmt="selection")
    assert len(server.requests) == 5 and {p["n"] for p in server.payloads()} == {4}
    assert out.summary["stats"]["n_honoured"] is True
    assert all(len(r["samples"]) == 4 for r in rows(rollout_file(out)))


def test_n_ignored_is_topped_up_with_distinct_seeds(dataset, tmp_path):
    with FakeServer({"solver": varied}, honour_n=False) as server:
        out = sample_rollouts(dataset, tmp_path / "pack", source(server), n=4, fmt="selection", params=SamplingParams(seed=7))
    assert len(server.requests) == 20
    t0 = [p for p in server.payloads() if "0+0" in p["messages"][-1]["content"]]
    assert [(p["n"] if "n" in p else 1, p["seed"]) for p in t0] == [(4, 7), (3, 8), (2, 9), (1, 10)]
    packs = rows(rollout_file(out))
    assert [s["completion"].split("\n")[1] for s in packs[0]["samples"]] == [f"(seed {s}, choice 0)" for s in (7, 8, 9, 10)]
    assert out.summary["stats"]["n_honoured"] is False and out.summary["n"] == 4
    # the pack is exactly what course.selection_demo reads
    result = run_selection(dataset, rollout_file(out), tmp_path / "sel", 4, selector="logprob")
    assert result.summary["samples_scored"] == 20 and result.summary["outcome_counts"] == {"extra_text": 5}


def test_n_refused_falls_back_to_one_at_a_time(dataset, tmp_path):
    with FakeServer({"solver": varied}, reject_n=True) as server:
        src = source(server)
        out = sample_rollouts(dataset, tmp_path / "pack", src, n=3, fmt="selection", concurrency=1)
    assert src.n_refused and out.summary["stats"]["n_honoured"] is False
    assert sum(1 for p in server.payloads() if p.get("n", 1) > 1) == 1  # asked once, then never again
    assert all(len(r["samples"]) == 3 for r in rows(rollout_file(out)))


def test_429_then_success_honours_retry_after(dataset, tmp_path):
    sleeps: list[float] = []
    with FakeServer(too_many=2, retry_after="3") as server:
        src = source(server, sleeps=sleeps)
        out = sample_rollouts(dataset, tmp_path / "out", src, concurrency=1)
    assert sleeps == [3.0, 3.0] and src.client.retries == 2 and out.summary["stats"]["retries"] == 2
    assert len(rows(rollout_file(out))) == 5


def test_backoff_without_retry_after_grows_with_jitter():
    policy, rng = RetryPolicy(base_delay=0.5, max_delay=4.0), random.Random(1)
    for retry in range(6):
        ceiling = min(4.0, 0.5 * 2**retry)
        assert all(0.5 * ceiling <= policy.delay(retry, None, rng) < ceiling for _ in range(50))
    assert policy.delay(0, 500.0, rng) == policy.max_retry_after
    assert retry_after_seconds("2") == 2.0 and retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None


def test_dropped_connection_is_retried(dataset, tmp_path):
    sleeps: list[float] = []
    with FakeServer(drop=1) as server:
        src = source(server, sleeps=sleeps)
        out = sample_rollouts(dataset, tmp_path / "out", src, concurrency=1)
    assert len(sleeps) == 1 and src.client.retries == 1
    assert [r["completion"] for r in rows(rollout_file(out))] == [f"Final: {2 * i}" for i in range(5)]


def test_giving_up_keeps_the_samples_and_resume_never_duplicates(dataset, tmp_path):
    out = tmp_path / "pack"
    with FakeServer({"solver": varied}, honour_n=False, fail_after=7) as server:
        with pytest.raises(UserError) as info:
            sample_rollouts(dataset, out, source(server), n=3, fmt="selection", concurrency=1)
    assert "gave up after 4 attempts" in info.value.message and "run the same command again" in info.value.hint
    staged = staging_dir(out) / "samples.jsonl"
    assert len(staged.read_text().splitlines()) == 7 and not out.exists()
    with staged.open("a") as fh:
        fh.write('{"id": "t2", "index": 1, "compl')  # a crash in the middle of a write
    with FakeServer({"solver": varied}, honour_n=False, port=server.port) as server:  # the server is back
        done = sample_rollouts(dataset, out, source(server), n=3, fmt="selection", concurrency=1)
    assert len(server.requests) == 15 - 7  # only the missing samples were asked for
    packs = rows(rollout_file(done))
    assert [r["id"] for r in packs] == [f"t{i}" for i in range(5)]
    for r in packs:
        tags = [s["completion"].split("\n")[1] for s in r["samples"]]
        assert tags == [f"(seed {s}, choice 0)" for s in (0, 1, 2)]  # the seeds an uninterrupted run sends: no duplicate
    assert done.summary["stats"]["resumed_samples"] == 7
    assert not staging_dir(out).exists()


def test_resume_refuses_other_settings_and_restart_discards(dataset, tmp_path):
    out = tmp_path / "out"
    with FakeServer(fail_after=2) as server:
        with pytest.raises(UserError):
            sample_rollouts(dataset, out, source(server), concurrency=1)
    with FakeServer(port=server.port) as server:
        with pytest.raises(UserError, match="other settings is staged here; sampling.temperature: staged 0.8, now 0.2\n") as info:
            sample_rollouts(dataset, out, source(server), params=SamplingParams(temperature=0.2))
        assert "--restart" in info.value.hint and server.requests == []
        done = sample_rollouts(dataset, out, source(server), params=SamplingParams(temperature=0.2), restart=True)
    assert done.summary["stats"]["resumed_samples"] == 0 and len(server.requests) == 5


def test_http_errors_that_retrying_cannot_fix(dataset, tmp_path):
    with FakeServer() as server:
        with pytest.raises(UserError, match="HTTP 404: model 'nope' not found") as info:
            sample_rollouts(dataset, tmp_path / "out", source(server, model="nope"))
    assert "--model" in info.value.hint
    with pytest.raises(UserError, match="must not carry credentials"):
        parse_base_url("http://user:secret@localhost:8000/v1")
    assert parse_base_url("http://localhost:11434/v1/").public == "http://localhost:11434/v1"


def test_refused_settings_send_nothing(dataset, tmp_path):
    with FakeServer() as server:
        with pytest.raises(UserError, match="one completion per example"):
            sample_rollouts(dataset, tmp_path / "a", source(server), n=2, fmt="completions")
        with pytest.raises(UserError, match="must contain"):
            sample_rollouts(dataset, tmp_path / "b", source(server), prompt_template="Q: {question}")
        with pytest.raises(UserError, match="needs logprobs"):
            sample_rollouts(dataset, tmp_path / "c", source(server), n=2, fmt="selection", params=SamplingParams(logprobs=False))
        assert server.requests == []


def test_prompt_template_and_system_prompt_are_sent_and_recorded(dataset, tmp_path):
    params = SamplingParams(system_prompt="You are terse.", stop=("\n\n",), seed=None)
    with FakeServer({"solver": solver}) as server:
        out = sample_rollouts(dataset, tmp_path / "out", source(server), params=params, prompt_template="Solve.\n{prompt}")
    first = next(p for p in server.payloads() if "0+0" in p["messages"][-1]["content"])
    assert first["messages"] == [{"role": "system", "content": "You are terse."},
                                 {"role": "user", "content": "Solve.\nWhat is 0+0?\nOutput exactly one line: Final: <int>"}]
    assert first["stop"] == ["\n\n"] and "seed" not in first
    side = out.summary
    assert side["prompt_template"] == "Solve.\n{prompt}" and side["system_prompt"] == "You are terse." and side["seed"] is None
    assert side["prompt_template_sha256"].startswith("sha256:") and side["stop"] == ["\n\n"]


class CountingSource:
    """A source with no server (as the kit's local models are): ``Final: <a+b>``.

    With ``interrupt_after`` k, call k presses Ctrl-C and later calls wait (as a request in
    flight would) until ``release`` is set, so the main thread sees the interrupt first.
    """

    thread_safe = False

    def __init__(self, interrupt_after: int | None = None) -> None:
        self.calls, self.interrupt_after = 0, interrupt_after
        self.release = threading.Event()

    def policy(self) -> dict:
        return {"source": "test_local", "model": "counting", "base_url": None, "weights_fingerprint": "sha256:" + "ab" * 32}

    def generate(self, prompt: str, n: int, params: SamplingParams) -> list[Sample]:
        self.calls += 1
        if self.calls == self.interrupt_after:
            signal.raise_signal(signal.SIGINT)  # what Ctrl-C does: KeyboardInterrupt in the main thread
        elif self.interrupt_after is not None and self.calls > self.interrupt_after:
            self.release.wait(10)
        return [Sample(solver(prompt, params.seed, i), sum_logprob=-1.0 - i) for i in range(n)]


@pytest.fixture
def ctrl_c_raises():
    """SIGINT as a terminal's Ctrl-C meets it: KeyboardInterrupt in the main thread. A process
    started with SIGINT ignored (nohup, or a shell's background job) keeps it ignored, Python's
    handler included, and every Ctrl-C these tests press would be lost (they failed that way)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.slow
@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_as_the_first_sample_lands_is_still_the_resumable_interrupt(dataset, tmp_path):
    """The first call presses Ctrl-C: the main thread may not be waiting on the workers yet (it was
    still starting them, outside the handler, 2 times in 3 before the fix; 10 attempts would all miss
    it about once in 100,000 runs)."""
    for attempt in range(10):  # each waits out one 0.2 s join
        pressed = CountingSource(interrupt_after=1)
        try:
            sample_rollouts(dataset, tmp_path / f"pack{attempt}", pressed, n=2, fmt="selection")
        except Interrupted as exc:
            assert "run the same command again to resume" in exc.message
        except KeyboardInterrupt:  # caught here, so the failure is this test's, not the whole run's
            pytest.fail(f"attempt {attempt}: a bare KeyboardInterrupt escaped the sampler (no resume hint)")
        else:
            pytest.fail(f"attempt {attempt}: the interrupt was lost")
        finally:
            pressed.release.set()


@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_keeps_what_was_staged_and_a_local_source_needs_no_server(dataset, tmp_path):
    out = tmp_path / "pack"
    pressed = CountingSource(interrupt_after=3)
    with pytest.raises(Interrupted, match="run the same command again to resume") as info:
        sample_rollouts(dataset, out, pressed, n=2, fmt="selection")
    pressed.release.set()  # the abandoned call returns; its samples are not kept
    assert str(staging_dir(out)) in info.value.message and not out.exists()
    staged = len((staging_dir(out) / "samples.jsonl").read_text().splitlines())
    assert staged in (4, 6)  # items 1-2, and item 3 if its samples landed before the interrupt did
    source = CountingSource()
    done = sample_rollouts(dataset, out, source, n=2, fmt="selection")
    assert source.calls == 5 - staged // 2
    packs = rows(rollout_file(done))
    assert [r["id"] for r in packs] == [f"t{i}" for i in range(5)]
    assert all([s["sum_logprob"] for s in r["samples"]] == [-1.0, -2.0] for r in packs)
    assert done.summary["policy"]["weights_fingerprint"] == "sha256:" + "ab" * 32 and done.summary["policy"]["served_model"] is None


@pytest.mark.parametrize("logprobs", [
    {"content": [{"logprob": -1e308}, {"logprob": -1e308}]},  # each finite, their sum is not
    {"token_logprobs": [-(10**400)]},  # a JSON integer float() refuses
    {"token_logprobs": [float("-inf"), -0.5]},  # what json.loads makes of -Infinity
    {"content": [{"logprob": float("nan")}]},
])
def test_logprobs_no_instrument_can_compute_with_are_absent(logprobs):
    from course_core.rollouts.openai_compat import sum_logprob

    assert sum_logprob(logprobs, "Final: 2") is None
    assert sum_logprob({"content": [{"logprob": -0.25}, {"logprob": -0.5}]}, "Final: 2") == -0.75


class _Canned:
    """A connection whose every answer is ``body`` with ``status`` (no socket)."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body, self.status = body, status

    def request(self, *args, **kwargs) -> None:
        pass

    def getresponse(self) -> _Canned:
        return self

    def read(self) -> bytes:
        return self.body

    def getheader(self, name: str) -> None:
        return None

    def close(self) -> None:
        pass


def _answering(body: bytes, status: int = 200) -> JsonClient:
    client = JsonClient("http://127.0.0.1:9/v1", timeout=5, retry=RetryPolicy(max_retries=0))
    client._connection = lambda: _Canned(body, status)  # type: ignore[method-assign]
    return client


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"choices": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested more than 200 levels deep"),
    (b'{"choices": [{"text": "Final: 2", "index": 1' + b"0" * 400 + b'}]}', "an integer of 401 digits"),
])
def test_an_answer_no_instrument_can_compute_with_is_not_json(body, reason):
    with pytest.raises(UserError, match="the server's answer is not JSON") as info:
        _answering(body).post("/completions", {"model": "m", "prompt": "What is 1+1?"})
    assert reason in info.value.message and info.value.field == "--base-url"
    with pytest.raises(UserError, match="HTTP 400"):  # a deep-nested error body is quoted, not a RecursionError
        _answering(b'{"error": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", status=400).post("/completions", {"prompt": "x"})


@pytest.mark.parametrize("logprob", [b"-Infinity", b"NaN", b"-1e400"])
def test_a_logprob_no_float_holds_is_an_absent_logprob_not_a_refused_answer(logprob):
    """Python servers write a -inf logprob as -Infinity (json.dumps allows it): the sample stays, without sum_logprob."""
    from course_core.rollouts.openai_compat import parse_choices

    body = b'{"choices": [{"text": "Final: 2", "logprobs": {"token_logprobs": [' + logprob + b', -0.5]}}]}'
    (sample,) = parse_choices(_answering(body).post("/completions", {"model": "m", "prompt": "What is 1+1?"}), "completions")
    assert (sample.completion, sample.sum_logprob) == ("Final: 2", None)


def test_a_completion_with_a_lone_surrogate_is_refused_naming_the_prompt(dataset, tmp_path):
    body = b'{"choices": [{"message": {"role": "assistant", "content": "Final: 2\\udc80"}}]}'
    with pytest.raises(UserError) as info:
        _answering(body).post("/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "What is 1+1?"}]})
    assert "the server's answer to the prompt 'What is 1+1?' is not text" in info.value.message
    assert "lone surrogate (\\udc80)" in info.value.message and "choices[0].message.content" in info.value.message
    source = OpenAICompatibleSource(_answering(body), "m")  # the whole run: a clear error, the outdir never written
    with pytest.raises(UserError, match="is not text"):
        sample_rollouts(dataset, tmp_path / "out", source, concurrency=1)
    assert not (tmp_path / "out").exists()


def test_a_base_url_urlsplit_refuses_is_a_user_error_and_the_timeout_must_be_finite():
    with pytest.raises(UserError, match=r"--base-url is not a valid URL \(Invalid IPv6 URL\)") as info:
        parse_base_url("http://[::1/v1")
    assert info.value.field == "--base-url"
    assert parse_base_url("http://[::1]:8000/v1").public == "http://[::1]:8000/v1"
    for timeout in (float("nan"), float("inf"), 1e300, 0.0, -1.0):
        with pytest.raises(UserError, match="--timeout must be a number of seconds > 0"):
            JsonClient("http://localhost:8000/v1", timeout=timeout)
