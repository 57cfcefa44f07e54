"""The demo's optional segment LM: the three loops on one real language model, in one Locked Room.

Not part of the instructor guide's default run (``nox -s demo`` keeps its checks); run it with
``nox -s demo -- --segment LM``, which installs the lm extra (torch) first. About a minute of
training on a laptop CPU, plus sampling.
"""

from __future__ import annotations

from pathlib import Path

from course_core.present.demo import Done, Segment, Step, _json, _ok

HELD = "data/datasets/sums_holdout.jsonl"
PY = "poetry run python -m"
LOCAL = f"{PY} course.rollout_sample --source local --model tiny --dataset {HELD}"
SAMPLE_BEFORE = f"""{LOCAL} --outdir runs/demo_lm_before
{PY} course.eval --dataset {HELD} --completions runs/demo_lm_before/completions.jsonl --outdir runs/demo_lm_eval_before"""
PACK = f"""{LOCAL} --n 8 --outdir runs/demo_lm_pack
{PY} course.selection_demo --dataset {HELD} --samples runs/demo_lm_pack/selection_pack.jsonl --n 8 --outdir runs/demo_lm_best_of_8"""
TRAIN = f"{PY} course.lm_train --model tiny --steps 150 --seed 0 --outdir runs/demo_lm_train"
SAMPLE_AFTER = f"""{LOCAL} --weights runs/demo_lm_train --outdir runs/demo_lm_after
{PY} course.eval --dataset {HELD} --completions runs/demo_lm_after/completions.jsonl --outdir runs/demo_lm_eval_after"""
GATE = f"{PY} course.gate --baseline runs/demo_lm_eval_before --candidate runs/demo_lm_eval_after --min-delta 0.3"
CONDITIONS = """cat runs/demo_lm_eval_before/manifest.json | jq '.policy, .sampling_config'
cat runs/demo_lm_eval_after/manifest.json | jq '.policy, .sampling_config'"""


def _pass_rate_below(run: str, limit: float) -> object:
    return lambda root, done: done.returncode == 0 and _json(root, f"{run}/summary.json")["pass_rate"] < limit


def _policy(root: Path, run: str) -> dict:
    return _json(root, f"{run}/manifest.json")["policy"]


def _best_of_8_rose(root: Path, _: Done) -> bool:
    s = _json(root, "runs/demo_lm_best_of_8/summary.json")
    return s["pass_at_n"] > s["pass_at_1"] + 0.1


def _weights_did_not_move(root: Path, _: Done) -> bool:
    return _policy(root, "runs/demo_lm_pack")["weights_fingerprint"] == _json(root, "data/lm/tiny.json")["fingerprint"]


def _trained(root: Path, done: Done) -> bool:
    s = _json(root, "runs/demo_lm_train/summary.json")
    return done.returncode == 0 and s["heldout"]["after"]["strict_format_rate"] >= 0.95 and s["weights_after"] != s["weights_before"]


def _sampled_the_trained_weights(root: Path, done: Done) -> bool:
    trained = _json(root, "runs/demo_lm_train/summary.json")["weights_after"]
    return done.returncode == 0 and _policy(root, "runs/demo_lm_after")["weights_fingerprint"] == trained


def _accept_naming_the_policy(_: Path, done: Done) -> bool:
    return done.returncode == 0 and "ACCEPT" in done.stdout and "weights_fingerprint" in done.stdout


def _only_the_policy_changed(root: Path, done: Done) -> bool:
    before, after = (_json(root, f"runs/demo_lm_eval_{w}/manifest.json") for w in ("before", "after"))
    same_room = before["sampling_config"] == after["sampling_config"]
    return done.returncode == 0 and same_room and before["policy"]["weights_fingerprint"] != after["policy"]["weights_fingerprint"]


LM_SEGMENT = Segment("LM", "Segment LM: the three loops on a real language model", [
    Step("Loop A: measure the starting model",
         "A 109k-parameter character-level GPT, pretrained on sums written many ways; only some say 'Final: <int>'. "
         "Sample one completion per held-out prompt and measure it with the strict scorer.",
         SAMPLE_BEFORE, checks=[("strict pass rate below 0.3 before training", _pass_rate_below("runs/demo_lm_eval_before", 0.3))]),
    Step("Loop B: best of 8, same weights",
         "Eight samples per prompt from the same starting model; the oracle picks the best. The pass rate rises, "
         "and the weights did not move: selection, not learning.",
         PACK, checks=[("exits 0", _ok), ("best-of-8 beats one sample", _best_of_8_rose),
                       ("the sampled weights are the starting weights", _weights_did_not_move)]),
    Step("Loop C: REINFORCE with a group baseline",
         "150 steps × 16 prompts × 8 samples. Reward = the strict scorer. Advantage = reward − mean of its group. "
         "Watch the format rate, P(first token 'F'), and the KL to the starting model.",
         TRAIN, checks=[("held-out strict format ≥ 0.95 after training, weights changed", _trained)]),
    Step("Loop A again: the same sampling configuration, the trained weights",
         "Same prompts, same temperature, same seed; only the policy differs: the weights of the training run.",
         SAMPLE_AFTER, checks=[("exits 0, sampling the trained weights", _sampled_the_trained_weights)]),
    Step("The gate",
         "Inside the Locked Room (same dataset, scorer, sampling configuration, ids), the delta rule decides, "
         "and the gate names what changed: the policy, by its weights fingerprint.",
         GATE, checks=[("ACCEPT (exit 0), naming the weights fingerprint", _accept_naming_the_policy)]),
    Step("What changed",
         "The two measurements' sampling configurations are identical; their policies differ only in the weights. "
         "The policy is the variable under test.",
         CONDITIONS, checks=[("sampling configurations identical, weights fingerprints differ", _only_the_policy_changed)]),
])
