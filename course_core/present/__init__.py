"""How the kit meets a person: the command-line boundary, terminal rendering, figures, inspection, the demo.

    cli                the user-error boundary (exit 2, no traceback), argument parsers, the console
    render_measurement Loop A in a terminal: eval runs, gate decisions, outcome groups, golden checks
    render_selection   Loop B in a terminal
    render_learning    Loop C in a terminal: bandit steps and summaries, the testbed, two-step, KL, tokens
    render_rollouts    sampling progress and what was sampled; dataset imports
    plots              PNG figures of Loop C runs (matplotlib, optional)
    inspect_run        ``course.inspect_run``: a run directory grouped so a person can read it
    inspect_bandit     the bandit inspector (per-arm pulls, the steps where the policy moved most)
    demo               the instructor guide as data, run step by step with every outcome checked

May import anything in the library except grading. Imported by course/ CLIs, by itself, and
(plots only) by the Loop C run writers; the import-direction test in tests/test_layout.py
keeps it so.
"""
