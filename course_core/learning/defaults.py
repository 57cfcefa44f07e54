"""What each Loop C command does when a flag is left out: named once, read by the configs and by ``--help``.

Standard library only, so a command's ``--help`` can show these values without importing numpy.
"""

from __future__ import annotations

# The bandit of `course.bandit_train`: 3 arms whose reward rates are far enough apart that 30
# steps at lr 0.5 with the baseline move the policy visibly: at seed 0, P(best) goes
# 0.333 → 0.834 (lr 0.5) and 0.333 → 0.112 (lr -0.5); seeds 0-9 all give the same two verdicts.
BANDIT_ARMS = (0.2, 0.5, 0.8)
BANDIT_STEPS = 30
BANDIT_LR = 0.5
BANDIT_SEED = 0

# `--testbed sutton-barto`: the runs and steps of Sutton & Barto's Figure 2.5.
TESTBED_RUNS = 2000
TESTBED_STEPS = 1000

# `course.two_step_demo`.
TWO_STEP_STEPS = 200
TWO_STEP_SEED = 0
TWO_STEP_LR = 0.5
TWO_STEP_BASELINE = "mean"  # "mean": running mean of earlier rewards; "none": b = 0

# `course.kl_tradeoff_demo`: β from "the reward decides" to "stay at the reference".
KL_BETAS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
