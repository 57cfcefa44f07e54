"""Shipping the kit: which files make it up, the student release, the Gradescope bundle.

    kitfiles      the kit's files: what git tracks, else the tree minus build debris
    release       ``nox -s release``: the student copy, without solutions, hidden tests or keys
    gradescope    ``nox -s gradescope``: dist/autograder.zip running this same grader

Standard library plus errors, paths, artifacts (atomic writes) and grading's tomllib fallback;
``noxfile.py`` imports these modules into nox's own interpreter, so they must not need numpy,
jsonschema or rich.
"""
