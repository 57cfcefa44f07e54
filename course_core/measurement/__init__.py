"""Loop A — measurement: the scorer (an instrument), an eval run, the gate, golden-set validation, statistics.

    scoring       the instruments: strict_final_int (default) and weak_contains (sabotage only)
    result_row    one results.jsonl row: a scorer's verdict on one example
    evaluate      ``course.eval``: score one frozen completion per example, write the run
    gate          the Locked Room and the delta rule (ACCEPT / REJECT)
    golden        a scorer against golden sets: false positives and negatives
    stats         Wilson intervals, paired differences, exact McNemar, unbiased pass@k

May import: errors, paths, artifacts. Never learning, selection or present.
"""
