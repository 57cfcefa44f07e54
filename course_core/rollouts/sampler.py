"""Sample rollouts for a dataset from a :class:`~course_core.rollouts.sources.Source`, resumably.

For every dataset row, ``n`` samples of ``prompt_template`` with ``{prompt}`` replaced by the
row's prompt. The output directory holds exactly what the kit's instruments read:

- ``--format completions`` (``n`` = 1): ``completions.jsonl``, rows ``{id, completion[, sum_logprob]}``,
  for ``course.eval``;
- ``--format selection``: ``selection_pack.jsonl``, rows ``{id, samples: [{completion, sum_logprob}, ...]}``,
  for ``course.selection_demo`` (every sample needs ``sum_logprob``, so the source must give logprobs);

each with its ``.sampling.json`` sidecar (:mod:`course_core.rollouts.sidecar`) and a
``manifest.json`` (kind ``rollouts``), rows in dataset order, written atomically.

How it runs:

- **Concurrency**: up to ``concurrency`` worker threads, each taking one row at a time (one
  thread when the source is not thread-safe).
- **Topping up**: a source may return fewer samples than asked (servers that ignore ``n``);
  the worker asks again for the rest until the row has ``n``.
- **Seeds**: a request whose first sample will be index ``j`` of its row is sent ``seed + j``.
  A server that honours ``n`` gets ``seed`` once per row; one that ignores it gets
  ``seed, seed+1, ...`` instead of the same seed ``n`` times (which would return ``n`` copies
  of one sample), and a resumed row gets the seeds an uninterrupted run would have sent.
- **Resume**: every sample is appended and fsync'd to the staging folder
  (:mod:`course_core.rollouts.staging`) as it arrives; an interrupted run (Ctrl-C, a crash,
  a server that gave up) is resumed by running the same command again, which asks only for the
  missing samples and never writes a ``(id, index)`` twice.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from course_core.errors import UserError
from course_core.artifacts.jsonl import iter_jsonl, write_rows
from course_core.artifacts.manifest import build_manifest, input_record, rollout_conditions, utc_now, write_json
from course_core.rollouts.sidecar import build_sidecar, sampling_record
from course_core.rollouts.sources import APIS, Sample, SamplingParams, Source, SourceGaveUp
from course_core.rollouts.staging import Staging
from course_core.artifacts.rundir import WrittenRun, check_outdir, staged_run
from course_core.artifacts.schemas import validate_input

PLACEHOLDER = "{prompt}"
DEFAULT_TEMPLATE = PLACEHOLDER
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 64
FORMATS = {"completions": "completions", "selection": "selection_pack"}  # format -> file stem
ROW_SCHEMA = {"completions": "completion_row", "selection": "selection_pack_row"}
Progress = Callable[[int, int], None]


def default_format(n: int) -> str:
    """completions for one sample per item (course.eval reads it), a selection pack for more."""
    return "completions" if n == 1 else "selection"


MAX_TEMPERATURE = 100.0  # far past any useful setting (at 100 every token is about equally likely); inf is not JSON
MIN_LOCAL_TEMPERATURE = 1e-4  # below this, logits / t overflows the local sampler's softmax: use 0 (greedy) instead


def check_temperature(temperature: float, local: bool = False) -> None:
    """A temperature a sampler can use (``local``: the kit's own models), else a UserError naming --temperature."""
    if not (math.isfinite(temperature) and 0.0 <= temperature <= MAX_TEMPERATURE):
        raise UserError(f"--temperature must be a number between 0 and {MAX_TEMPERATURE:g}, got {temperature:g}",
                        field="--temperature", hint="0 is greedy decoding; 1 samples the model's own distribution")
    if local and 0.0 < temperature < MIN_LOCAL_TEMPERATURE:
        raise UserError(f"--temperature {temperature:g} is too small for the local sampler: use 0 (greedy) or at least "
                        f"{MIN_LOCAL_TEMPERATURE:g}", field="--temperature")


def check_settings(n: int, fmt: str, params: SamplingParams, template: str, concurrency: int) -> None:
    """Refuse settings that cannot work, before any request is sent."""
    if fmt not in FORMATS:
        raise UserError(f"unknown --format {fmt!r}", field="--format", hint="completions (for course.eval) or selection (for course.selection_demo)")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UserError(f"--n must be a whole number >= 1, got {n!r}", field="--n")
    if fmt == "completions" and n != 1:
        raise UserError(f"--format completions holds one completion per example; got --n {n}", field="--n",
                        hint="use --format selection for several samples per example")
    if fmt == "selection" and not params.logprobs:
        raise UserError("--format selection needs logprobs: every sample of a selection pack carries sum_logprob",
                        field="--no-logprobs", hint="drop --no-logprobs, or sample --format completions")
    if params.api not in APIS:
        raise UserError(f"unknown api {params.api!r}", hint="--chat or --completions")
    if params.system_prompt is not None and params.api != "chat":
        raise UserError("--system needs --chat (plain completions have no system message)", field="--system")
    check_temperature(params.temperature)
    if not 0 < params.top_p <= 1:
        raise UserError(f"--top-p must be in (0, 1], got {params.top_p}", field="--top-p")
    if isinstance(params.max_tokens, bool) or params.max_tokens < 1:
        raise UserError(f"--max-tokens must be >= 1, got {params.max_tokens}", field="--max-tokens")
    if PLACEHOLDER not in template:
        raise UserError(f"--prompt-template must contain {PLACEHOLDER}, where each example's prompt goes", field="--prompt-template")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UserError(f"--concurrency must be in 1..{MAX_CONCURRENCY}, got {concurrency}", field="--concurrency")


def read_prompts(dataset: str | Path, check_prompt: Callable[[str], None] | None = None) -> list[tuple[str, str]]:
    """(id, prompt) of every dataset row, in order; rows checked against ``dataset_row``.

    ``check_prompt`` (a source's, given the text it will be sent) raises ValueError for a prompt
    the source cannot take; it becomes a user error naming the row.
    """
    rows: list[tuple[str, str]] = []
    first_line: dict[str, int] = {}
    for line, row in iter_jsonl(dataset, "dataset"):
        validate_input(row, "dataset_row", path=dataset, line=line, what="dataset row")
        if row["id"] in first_line:
            raise UserError(f"duplicate id {row['id']!r} (first seen on line {first_line[row['id']]})",
                            path=dataset, line=line, field="id", hint="every example id must appear once per file")
        if check_prompt is not None:
            try:
                check_prompt(row["prompt"])
            except ValueError as exc:
                raise UserError(str(exc), path=dataset, line=line, field="prompt", hint="shorten the prompt, or sample another model") from None
        first_line[row["id"]] = line
        rows.append((row["id"], row["prompt"]))
    return rows


def source_settings(source: Source, params: SamplingParams, n: int, template: str) -> dict[str, Any]:
    """The sampling configuration, with the source's own template around each prompt where it has one.

    A local model wraps the prompt itself (the tiny model's newline, SmolLM2's chat template and
    worked examples): that text is a condition of the measurement, like ``prompt_template``.
    """
    if hasattr(source, "check_params"):
        source.check_params(params)
    sampling = sampling_record(params, n, template)
    if getattr(source, "prompt_format", None) is not None:
        sampling["model_prompt_format"] = source.prompt_format
    return sampling


def params_for(source: Source, seed: int | None, **given: Any) -> SamplingParams:
    """The source's default parameters (``SamplingParams()`` unless it has ``default_params()``),
    with ``seed`` (None: send none) and every other given one (None: not given)."""
    base = source.default_params() if hasattr(source, "default_params") else SamplingParams()
    return replace(base, seed=seed, **{k: v for k, v in given.items() if v is not None})


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during sampling: the samples so far are staged, and ``message`` says how to resume."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Run:
    """The shared state of one session: staged samples, counters, the first error, the stop flag."""

    def __init__(self, source: Source, staging: Staging, params: SamplingParams, fmt: str, n: int, template: str,
                 samples: dict[str, list[dict[str, Any]]], total: int, on_progress: Progress | None) -> None:
        self.source, self.staging, self.params, self.fmt, self.n, self.template = source, staging, params, fmt, n, template
        self.samples = samples
        self.total = total
        self.on_progress = on_progress
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.requests = self.asked_several = self.short_answers = 0
        self.done = sum(1 for s in samples.values() if len(s) >= n)

    def request_params(self, first_index: int) -> SamplingParams:
        if self.params.seed is None:
            return self.params
        return replace(self.params, seed=self.params.seed + first_index)

    def item(self, example_id: str, prompt: str) -> None:
        text = self.template.replace(PLACEHOLDER, prompt)
        have = len(self.samples.get(example_id, []))
        while have < self.n and not self.stop.is_set():
            want = self.n - have
            got = self.source.generate(text, want, self.request_params(have))
            if not got:
                raise UserError(f"the source returned no sample for item {example_id!r}")
            rows = [self._row(example_id, have + i, s) for i, s in enumerate(got[:want])]
            with self.lock:
                self.requests += 1
                self.asked_several += want > 1
                self.short_answers += len(got) < want
                if self.stop.is_set() and self.error is None:
                    return  # interrupted: the staging file is closed, these are not kept
                self.staging.append(rows)
                self.samples.setdefault(example_id, []).extend(rows)
            have += len(rows)
        if have >= self.n:
            with self.lock:
                self.done += 1
                if self.on_progress is not None:
                    self.on_progress(self.done, self.total)

    def _row(self, example_id: str, index: int, sample: Sample) -> dict[str, Any]:
        if self.fmt == "selection" and sample.sum_logprob is None:
            raise UserError(
                f"the server gave no per-token logprobs for item {example_id!r}; every sample of a selection pack needs sum_logprob",
                hint="use a server that returns logprobs (vLLM, SGLang, llama.cpp's server), or sample --format completions",
            )
        return {"id": example_id, "index": index, "completion": sample.completion, "sum_logprob": sample.sum_logprob,
                "finish_reason": sample.finish_reason, "served_model": sample.served_model,
                "system_fingerprint": sample.system_fingerprint}

    def worker(self, queue: list[tuple[str, str]]) -> None:
        while not self.stop.is_set():
            with self.lock:
                if not queue:
                    return
                example_id, prompt = queue.pop()
            try:
                self.item(example_id, prompt)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
                with self.lock:
                    if self.error is None:
                        self.error = exc
                self.stop.set()
                return

    def n_honoured(self) -> bool | None:
        if getattr(self.source, "n_refused", False):
            return False
        return None if self.asked_several == 0 else self.short_answers == 0


def _sample_all(run: _Run, todo: list[tuple[str, str]], concurrency: int) -> None:
    queue = list(reversed(todo))  # workers pop from the end: dataset order
    workers = 1 if not getattr(run.source, "thread_safe", True) else max(1, min(concurrency, len(todo)))
    threads = [threading.Thread(target=run.worker, args=(queue,), daemon=True, name=f"rollout-{i}") for i in range(workers)]
    try:
        for t in threads:  # started inside the try: a Ctrl-C as the first samples land is caught too
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)  # short joins keep Ctrl-C responsive
    except KeyboardInterrupt:
        with run.lock:  # no worker appends between the flag and the close
            run.stop.set()
            run.staging.close()
        raise Interrupted(f"interrupted; {_resume_hint(run)}") from None


def _resume_hint(run: _Run) -> str:
    return (f"{run.done} of {run.total} items are complete and kept in {run.staging.path}; "
            "run the same command again to resume")


def _final_rows(fmt: str, prompts: list[tuple[str, str]], samples: dict[str, list[dict[str, Any]]], n: int) -> list[dict[str, Any]]:
    rows = []
    for example_id, _ in prompts:
        got = samples[example_id][:n]
        if fmt == "completions":
            row: dict[str, Any] = {"id": example_id, "completion": got[0]["completion"]}
            if got[0]["sum_logprob"] is not None:
                row["sum_logprob"] = got[0]["sum_logprob"]
        else:
            row = {"id": example_id, "samples": [{"completion": s["completion"], "sum_logprob": s["sum_logprob"]} for s in got]}
        rows.append(row)
    return rows


def sample_rollouts(
    dataset: str | Path,
    outdir: str | Path,
    source: Source,
    *,
    n: int = 1,
    fmt: str = "completions",
    params: SamplingParams = SamplingParams(),
    prompt_template: str = DEFAULT_TEMPLATE,
    concurrency: int = DEFAULT_CONCURRENCY,
    restart: bool = False,
    on_progress: Progress | None = None,
    args: dict[str, Any] | None = None,
    command: list[str] | None = None,
) -> WrittenRun:
    """Sample ``n`` completions per dataset row from ``source`` and write the rollouts directory.

    The returned run's ``summary`` is the sidecar; ``artifacts[0]`` the rollouts file.
    """
    check_settings(n, fmt, params, prompt_template, concurrency)
    outdir = Path(outdir)
    check_outdir(outdir, reads=(dataset,))  # fail before paying for samples that could not be written
    sampling = source_settings(source, params, n, prompt_template)
    check_prompt = getattr(source, "check_prompt", None)
    prompts = read_prompts(dataset, None if check_prompt is None else lambda p: check_prompt(prompt_template.replace(PLACEHOLDER, p)))
    data_record = input_record("dataset", dataset, len(prompts))
    settings = {"dataset_sha256": data_record["sha256"], "format": fmt, "policy": source.policy(), "sampling": sampling,
                "started_utc": utc_now()}
    staging = Staging(outdir)
    samples = staging.open(settings, restart=restart)  # same dataset bytes, so the same ids
    resumed = sum(min(len(v), n) for v in samples.values())
    run = _Run(source, staging, params, fmt, n, prompt_template, samples, len(prompts), on_progress)
    if on_progress is not None:
        on_progress(run.done, run.total)
    todo = [(i, p) for i, p in prompts if len(samples.get(i, [])) < n]
    try:
        _sample_all(run, todo, concurrency)
    finally:
        staging.close()
    if run.error is not None:
        if isinstance(run.error, SourceGaveUp):
            raise UserError(str(run.error), hint=_resume_hint(run)) from None
        if isinstance(run.error, UserError):
            run.error.hint = f"{run.error.hint}\n  note: {_resume_hint(run)}" if run.error.hint else _resume_hint(run)
            raise run.error
        raise run.error

    stem = FORMATS[fmt]
    rows = _final_rows(fmt, prompts, samples, n)
    used = [s for example_id, _ in prompts for s in samples[example_id][:n]]
    stats = {"items": len(prompts), "requests_this_session": run.requests, "resumed_samples": resumed,
             "n_honoured": run.n_honoured(), **(source.stats() if hasattr(source, "stats") else {})}
    sidecar = build_sidecar(
        source_policy=source.policy(), sampling=sampling, samples=used, fmt=fmt,
        dataset={"path": str(dataset), "sha256": data_record["sha256"], "records": len(prompts)},
        started_utc=staging.settings.get("started_utc", settings["started_utc"]), finished_utc=utc_now(), stats=stats,
    )
    artifacts = [f"{stem}.jsonl", f"{stem}.sampling.json", "manifest.json"]
    policy, sampling_config = rollout_conditions(sidecar)
    with staged_run(outdir, reads=(dataset,)) as staged:
        write_rows(staged.path / f"{stem}.jsonl", rows, ROW_SCHEMA[fmt])
        write_json(staged.path / f"{stem}.sampling.json", sidecar, "rollout_sidecar")
        manifest = build_manifest(
            kind="rollouts", args=args or {"dataset": str(dataset), "outdir": str(outdir), "n": n, "format": fmt},
            inputs=[data_record], policy=policy, sampling_config=sampling_config, artifacts=artifacts,
            dataset_fingerprint=data_record["sha256"], command=command,
        )
        write_json(staged.path / "manifest.json", manifest, "manifest")
    staging.remove()
    return WrittenRun(outdir, sidecar, artifacts, staged.replaced)
