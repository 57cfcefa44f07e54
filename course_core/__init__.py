"""Reference instruments for RL Foundations for LLMs, grouped by the course's own spine.

    measurement/   Loop A: the scorer, eval, the gate, golden sets, statistics
    selection/     Loop B: selection rules and the best-of-N run
    learning/      Loop C: the policy-gradient building blocks and the mechanisms built on them
    artifacts/     schemas, JSONL, manifests, fingerprints, run directories, atomic writes
    present/       the CLI boundary, terminal rendering, figures, inspection, the classroom demo
    grading/       the autograder
    packaging/     the student release and the Gradescope bundle
    errors, paths, usermodule   cross-cutting: user errors, where the kit lives, loading a user's file

Everything here is importable and tested; the ``course`` package holds only thin CLIs.
ARCHITECTURE.md draws the tree and the rules of what may import what.
"""

__version__ = "0.1.0"
