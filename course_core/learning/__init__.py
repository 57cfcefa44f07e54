"""Loop C — learning: the policy itself changes.

    policy        softmax, the score function ∇log π(a) = onehot(a) − π, the REINFORCE step,
                  the running-mean baseline, sampling: one copy each, used by every mechanism
    bandit        REINFORCE on a K-armed Bernoulli bandit, one run read top to bottom
    testbed       many bandits at once (vectorised); Sutton & Barto's Figure 2.5
    two_step      credit assignment when the reward comes only at the end
    kl_tradeoff   the KL-regularised optimum π* ∝ π_ref · exp(r/β), swept over β
    tokens        what a tokenizer makes of nearly identical answers
    defaults      what each Loop C command does when a flag is left out (no numpy)
    user_policy   a user's REINFORCE update (``--policy FILE``) behind the bandit loop's Policy
    *_run         the run writers: a trained mechanism → its run directory

May import: errors, paths, usermodule, artifacts, measurement. The run writers (``*_run``) may also import
:mod:`course_core.present.plots`, since figures are artifacts of a run; nothing else here
imports present. Only ``course_core/lm/`` may import torch.
"""
