"""Trusted runs (the kit's test runner, the replay) forked from one server per grading process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import settled
from course_core.grading import trusted
from course_core.grading.testsets import trusted_env


def _spec(tmp_path: Path, name: str, test_source: str) -> Path:
    tests = tmp_path / name / "tests"
    tests.mkdir(parents=True)
    (tests / "test_one.py").write_text(test_source, encoding="utf-8")
    spec = {"groups": [{"path": str(tests), "visibility": "visible"}], "rootdir": str(tests), "basetemp": str(tmp_path / name / "bt"),
            "results": str(tmp_path / name / "results.json")}
    path = tmp_path / name / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def _run(spec: Path, timeout: float = 120) -> int | None:
    env = trusted_env(spec, spec.parent)
    return trusted.run("testrun", [str(spec)], cwd=spec.parent, env=env, log=spec.parent / "log.txt", timeout=timeout)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.fixture
def fresh_server():
    trusted.stop()
    yield
    trusted.stop()


def test_runs_are_forks_of_one_server_each_in_its_directory_and_environment(tmp_path: Path, fresh_server) -> None:
    source = ("import ctypes, os\n\ndef test_here():\n    assert os.getcwd().endswith('first')\n"
              "    assert os.environ['HOME'].endswith('first')\n"
              "    assert ctypes.CDLL(None).prctl(3, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE: same-uid code cannot read this run\n")
    first = _spec(tmp_path, "first", source)
    assert _run(first) == 0
    results = json.loads((tmp_path / "first" / "results.json").read_text(encoding="utf-8"))
    assert [t["outcome"] for t in results["tests"]] == ["passed"]
    server = trusted._SERVER["proc"].pid
    second = _spec(tmp_path, "second", "def test_fails():\n    assert 1 == 2\n")
    assert _run(second) == 0  # the runner itself succeeded; the test's failure is in its results
    assert [t["outcome"] for t in json.loads((tmp_path / "second" / "results.json").read_text())["tests"]] == ["failed"]
    assert trusted._SERVER["proc"].pid == server  # pytest and the instruments were imported once


@pytest.mark.slow
def test_a_run_that_overstays_is_killed_with_its_processes_and_the_next_run_works(tmp_path: Path, fresh_server) -> None:
    pidfile = tmp_path / "grandchild.pid"
    hang = ("import os, subprocess, sys, time\n\ndef test_hangs():\n"
            f"    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
            f"    open({str(pidfile)!r}, 'w').write(str(child.pid))\n    time.sleep(60)\n")
    assert _run(_spec(tmp_path, "slow", hang), timeout=3) is None
    grandchild = int(pidfile.read_text())
    assert settled(lambda: [grandchild] if _alive(grandchild) else []) == [], "a process the run started outlived it"
    assert _run(_spec(tmp_path, "after", "def test_ok():\n    pass\n")) == 0


def test_a_server_that_is_gone_is_started_again(tmp_path: Path, fresh_server) -> None:
    assert _run(_spec(tmp_path, "one", "def test_ok():\n    pass\n")) == 0
    trusted._SERVER["proc"].kill()
    trusted._SERVER["proc"].wait()
    assert _run(_spec(tmp_path, "two", "def test_ok():\n    pass\n")) == 0
