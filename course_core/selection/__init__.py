"""Loop B — selection without learning: pick one of N frozen samples; the distribution stays put.

    selectors     the pick rules (oracle, majority, logprob) and their tie-breaks
    best_of_n     ``course.selection_demo``: the best-of-N run and its summary

May import: errors, paths, artifacts, measurement (the scorer, result rows, statistics).
Never learning or present.
"""
