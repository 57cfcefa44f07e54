"""python -m course.rollout_sample — sample rollouts for a dataset from any OpenAI-compatible server, or a local model."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from course_core.lm import defaults as local
from course_core.present.cli import parser, run
from course_core.rollouts.client import DEFAULT_TIMEOUT, RetryPolicy
from course_core.rollouts.sampler import DEFAULT_CONCURRENCY, DEFAULT_TEMPLATE
from course_core.rollouts.sources import SamplingParams

D = SamplingParams()
EPILOG = """\
examples:
  # vLLM (vllm serve Qwen/Qwen2.5-0.5B-Instruct), one completion per item, for course.eval
  python -m course.rollout_sample --dataset data/datasets/math_dev.jsonl --outdir runs/rollouts_qwen \\
      --base-url http://localhost:8000/v1 --model Qwen/Qwen2.5-0.5B-Instruct
  # Ollama (ollama pull qwen2.5:0.5b), 8 samples per item, for course.selection_demo
  python -m course.rollout_sample --dataset data/datasets/math_dev.jsonl --outdir runs/pack_qwen \\
      --base-url http://localhost:11434/v1 --model qwen2.5:0.5b --format selection --n 8
  # a hosted API: the key stays in the environment and is never written anywhere
  python -m course.rollout_sample ... --base-url https://api.example.com/v1 --api-key-env EXAMPLE_API_KEY
  # the kit's own models, no server (the lm extra): the starting weights, then an lm_train run's
  python -m course.rollout_sample --source local --model tiny --dataset data/datasets/sums_holdout.jsonl --outdir runs/lm_before
  python -m course.rollout_sample --source local --model tiny --weights runs/lm_tiny --dataset data/datasets/sums_holdout.jsonl --outdir runs/lm_after

writes OUTDIR/completions.jsonl (or selection_pack.jsonl), its .sampling.json sidecar (the policy:
model as asked and as served, base URL, and for a local model its weights fingerprint; every
sampling parameter; the prompt template and its sha256; dates) and manifest.json. Interrupted? Run the same command again: it resumes from the
samples staged in .OUTDIR.resume/ beside OUTDIR and never writes a sample twice."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.rollout_sample", "Sample rollouts for a dataset from an OpenAI-compatible server or a local model.", EPILOG)
    p.add_argument("--dataset", required=True, help="dataset JSONL: {id, prompt, expected_answer}")
    p.add_argument("--outdir", required=True, help="directory to write (an interrupted run resumes into the same one)")
    p.add_argument("--n", type=int, default=1, help="samples per item (default 1)")
    p.add_argument("--format", choices=("completions", "selection"), help="completions (course.eval; default when --n is 1) or selection (course.selection_demo)")
    p.add_argument("--source", choices=("openai", "local"), default="openai",
                   help="openai: a server (default); local: the kit's own models, tiny or smollm2-135m (needs the lm extra)")
    p.add_argument("--base-url", help="the server's OpenAI-compatible base URL, e.g. http://localhost:8000/v1")
    p.add_argument("--model", required=True, help="model id as the server knows it; with --source local: tiny or smollm2-135m")
    p.add_argument("--weights", help="--source local: a weights file, or an lm_train run directory (default: the model's starting weights)")
    p.add_argument("--shots", type=int, help="--source local, smollm2-135m: worked examples in the prompt (default 1)")
    api = p.add_mutually_exclusive_group()
    api.add_argument("--chat", dest="api", action="store_const", const="chat", help="/chat/completions: the server applies the model's chat template (default)")
    api.add_argument("--completions", dest="api", action="store_const", const="completions", help="/completions: the prompt is sent as raw text")
    as_trained = "; --source local: {} (the policy as trained)"
    p.add_argument("--temperature", type=float, help=f"default {D.temperature}" + as_trained.format(local.TEMPERATURE))
    p.add_argument("--top-p", type=float, help=f"default {D.top_p}" + as_trained.format(local.TOP_P))
    p.add_argument("--max-tokens", type=int, help=f"default {D.max_tokens}; --source local: "
                   + ", ".join(f"{k} {v}" for k, v in local.MAX_NEW_TOKENS.items()))
    p.add_argument("--stop", action="append", default=[], metavar="TEXT", help="a stop sequence (repeat for several)")
    seed = p.add_mutually_exclusive_group()
    seed.add_argument("--seed", type=int, default=D.seed, help=f"default {D.seed}; a request whose first sample is index j of its item sends seed+j")
    seed.add_argument("--no-seed", dest="seed", action="store_const", const=None, help="send no seed")
    p.add_argument("--logprobs", action=argparse.BooleanOptionalAction, default=D.logprobs, help="ask for per-token logprobs, summed into sum_logprob (default on)")
    p.add_argument("--system", help="a system message (with --chat)")
    p.add_argument("--prompt-template", default=DEFAULT_TEMPLATE, help="what is sent, with {prompt} replaced by the item's prompt (default: the prompt as is)")
    p.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help=f"requests in flight at once (default {DEFAULT_CONCURRENCY})")
    p.add_argument("--api-key-env", metavar="VAR", help="name of the environment variable holding the API key (the key itself is never written)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds to wait for one answer (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--max-retries", type=int, default=RetryPolicy.max_retries,
                   help=f"retries of a 429/5xx/dropped connection, with exponential backoff and jitter (default {RetryPolicy.max_retries})")
    p.add_argument("--restart", action="store_true", help="discard the samples of an interrupted run instead of resuming it")
    args = p.parse_args(argv)

    from course_core.present import render_rollouts as render
    from course_core.present.cli import command_line, console
    from course_core.rollouts.sampler import Interrupted, check_temperature, default_format, params_for, sample_rollouts
    from course_core.rollouts.sources import check_source_options

    if args.temperature is not None:  # before a model is loaded or anything is staged
        check_temperature(args.temperature, local=args.source == "local")
    check_source_options(args.source, {"--base-url": args.base_url, "--api-key-env": args.api_key_env,
                                       "--weights": args.weights, "--shots": args.shots})
    if args.source == "local":
        from course_core.lm.source import local_source

        source = local_source(args.model, args.weights, shots=args.shots)
    else:
        from course_core.rollouts.openai_compat import server_source

        source = server_source(args.base_url, args.model, api_key_env=args.api_key_env, timeout=args.timeout, max_retries=args.max_retries)
    params = params_for(source, args.seed, api=args.api, temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens,
                        stop=tuple(args.stop), logprobs=args.logprobs, system_prompt=args.system)
    fmt = args.format or default_format(args.n)
    recorded = {"dataset": args.dataset, "outdir": args.outdir, "n": args.n, "format": fmt, "source": args.source,
                "base_url": source.policy()["base_url"], "model": args.model, "weights": args.weights, "shots": args.shots,
                **params.as_record(), "prompt_template": args.prompt_template, "api_key_env": args.api_key_env}
    con = console(stderr=True)
    try:
        with render.sampling_progress(con) as on_progress:
            outcome = sample_rollouts(
                args.dataset, args.outdir, source, n=args.n, fmt=fmt, params=params, prompt_template=args.prompt_template,
                concurrency=args.concurrency, restart=args.restart, on_progress=on_progress, args=recorded,
                command=command_line("course.rollout_sample"),
            )
    except Interrupted as exc:
        print(exc.message, file=sys.stderr)
        return 130
    render.rollout_summary(console(), outcome)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.rollout_sample"))
