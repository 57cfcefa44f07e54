"""python -m course.lm_sample — sample completions from a local model (tiny, SmolLM2) for course.eval / course.selection_demo."""

from __future__ import annotations

from collections.abc import Sequence

from course_core.present.cli import parser, run

EPILOG = """\
examples:
  # the starting model, one completion per held-out item, then Loop A on it
  python -m course.lm_sample --model tiny --dataset data/datasets/sums_holdout.jsonl --out runs/lm_before/completions.jsonl
  python -m course.eval --dataset data/datasets/sums_holdout.jsonl --completions runs/lm_before/completions.jsonl --outdir runs/lm_eval_before
  # after training: the same sampling configuration, the trained weights
  python -m course.lm_sample --model tiny --weights runs/lm_tiny/weights.pt --dataset data/datasets/sums_holdout.jsonl --out runs/lm_after/completions.jsonl
  # 8 samples per item from the starting model, for best-of-N (Loop B)
  python -m course.lm_sample --model tiny --n 8 --dataset data/datasets/sums_holdout.jsonl --out runs/lm_pack/selection_pack.jsonl

writes OUT (completions with --n 1, a selection pack otherwise), its .sampling.json sidecar (the
sampling configuration: temperature, top_p, max_tokens, seed, n, the model's prompt format) and
policy.json beside it (model and weights fingerprint). Needs the lm extra (torch)."""


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m course.lm_sample", "Sample completions of a dataset from a local model, no server needed.", EPILOG)
    p.add_argument("--model", default="tiny", help="tiny (default) or smollm2-135m")
    p.add_argument("--weights", help="weights of an lm_train run (weights.pt / weights/); default: the model's starting weights")
    p.add_argument("--dataset", required=True, help="dataset JSONL: {id, prompt, expected_answer}")
    p.add_argument("--out", required=True, help="the .jsonl file to write")
    p.add_argument("--n", type=int, default=1, help="samples per item (default 1: a completions file for course.eval)")
    p.add_argument("--temperature", type=float, default=1.0, help="default 1.0 (the policy as trained)")
    p.add_argument("--top-p", type=float, default=1.0, help="default 1.0")
    p.add_argument("--max-tokens", type=int, default=24, help="default 24")
    p.add_argument("--seed", type=int, default=0, help="default 0; same seed, same completions")
    p.add_argument("--shots", type=int, help="worked examples in the prompt (smollm2-135m; default 1)")
    args = p.parse_args(argv)

    from course_core.lm.sample_run import sample_local

    out = sample_local(args.model, args.dataset, args.out, weights=args.weights, n=args.n, temperature=args.temperature,
                       top_p=args.top_p, max_tokens=args.max_tokens, seed=args.seed, shots=args.shots)
    print(f"wrote {out.path} ({out.items} items × {args.n}), {out.path.name.removesuffix('.jsonl')}.sampling.json and policy.json")
    print(f"policy: {out.policy['model']} {out.policy['weights_fingerprint']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main, "course.lm_sample"))
